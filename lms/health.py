from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from lms.permissions import public

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz():
    """200 with the database status; 503 if the database does not answer."""
    try:
        with current_app.extensions["lms_db"].engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means "not ready"
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
