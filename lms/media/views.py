"""Serving uploaded images: from instance/media, never from static/, with
their checked Content-Type and nosniff."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file

from lms.media.services import CONTENT_TYPES, media_folder_of, media_path
from lms.permissions import public

bp = Blueprint("media", __name__)


@bp.route("/media/<name>")
@public
def serve(name: str):
    """Public like the catalogue: lesson images appear in course pages, and
    their random names cannot be guessed."""
    path = media_path(media_folder_of(current_app.config, current_app.instance_path), name)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype=CONTENT_TYPES[name.rsplit(".", 1)[1]], max_age=86400, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; script-src 'self'"
    return response
