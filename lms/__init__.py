"""The @learning LMS: application factory."""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import timedelta

from flask import Flask
from flask_compress import Compress
from flask_wtf.csrf import CSRFProtect

from lms import models as _models  # noqa: F401 - registers every mapper before first use
from lms import web
from lms.config import load_config
from lms.db import Database

csrf = CSRFProtect()
# Brotli when the browser asks for it, else gzip: pages, CSS, JSON, CSV, SVG.
compress = Compress()

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    environ = (test_config or {}).get("ENVIRON")
    config = load_config(app.instance_path, environ=environ if isinstance(environ, dict) else None)
    app.config.update(config)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(config["COOKIE_SECURE"]),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=int(str(config["SESSION_MAX_HOURS"]))),
        # Re-sign the cookie only when it changes (lms.auth.login refreshes the
        # idle clock once a minute): signing it on every response costs time.
        SESSION_REFRESH_EACH_REQUEST=False,
        MAX_CONTENT_LENGTH=web.ORDINARY_BODY_BYTES,  # larger only where a view says so (lms.web.body_limit)
        MAX_FORM_PARTS=200,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the login session
        JSON_SORT_KEYS=False,
        COMPRESS_MIMETYPES=["text/html", "text/css", "text/plain", "text/csv", "application/json", "image/svg+xml"],
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_ALGORITHM_STREAMING=["br", "deflate"],
        COMPRESS_MIN_SIZE=500,
    )
    if test_config:
        app.config.update({k: v for k, v in test_config.items() if k != "ENVIRON"})

    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s %(message)s")

    app.extensions["lms_db"] = Database(
        str(app.config["DATABASE_URL"]),
        pool_size=int(app.config["DB_POOL_SIZE"]),
        pool_timeout=int(app.config["DB_POOL_TIMEOUT"]),
    )
    from lms.learn.content_cache import ContentCache

    app.extensions["lms_content"] = ContentCache()

    from lms import i18n
    from lms.auth import login

    web.init_app(app)
    compress.init_app(app)
    i18n.init_app(app)
    login.init_app(app)
    csrf.init_app(app)

    from lms import templating

    templating.init_app(app)

    # Subscribers of the record events (lms.events): counters and assignment
    # members follow every change they depend on.
    from lms.api.reports import bp as reports_api_bp
    from lms.api.surveys import bp as surveys_api_bp
    from lms.api.views import bp as api_bp
    from lms.api.xapi import bp as xapi_api_bp
    from lms.assignments import services as _assignments  # noqa: F401
    from lms.assignments.views import bp as assignments_bp
    from lms.auth.views import bp as auth_bp
    from lms.authoring.views import bp as authoring_bp
    from lms.catalog.views import bp as catalog_bp
    from lms.certificates.views import bp as certificates_bp  # its services follow course/programme_completed
    from lms.dashboard.views import bp as dashboard_bp
    from lms.health import bp as health_bp
    from lms.learn.views import bp as learn_bp
    from lms.media.views import bp as media_bp
    from lms.orgs.views import bp as orgs_bp
    from lms.people.registration import bp as registration_bp
    from lms.people.views import bp as people_bp
    from lms.programmes import services as _programmes  # noqa: F401 - follows events.course_completed
    from lms.programmes.views import bp as programmes_bp
    from lms.reports import counters as _counters  # noqa: F401
    from lms.reports.views import bp as reports_bp
    from lms.surveys import needs as _needs  # noqa: F401 - answers events.training_needs
    from lms.surveys.views import bp as surveys_bp
    from lms.xapi import services as _xapi  # records learning events as xAPI statements
    from lms.xapi.views import bp as xapi_bp

    _xapi.configure(base_url=str(app.config["BASE_URL"]), endpoint=str(app.config["XAPI_ENDPOINT"]))

    for blueprint in (people_bp, registration_bp, assignments_bp, orgs_bp, auth_bp, catalog_bp, learn_bp, dashboard_bp,
                      health_bp, authoring_bp, media_bp, api_bp, reports_bp, reports_api_bp, surveys_bp, surveys_api_bp):
        app.register_blueprint(blueprint)
    from lms.discussion.views import bp as discussion_bp  # course questions and answers (issue 15)

    app.register_blueprint(discussion_bp)
    from lms.classroom.views import bp as classroom_bp  # also answers events.course_page_sections

    app.register_blueprint(classroom_bp)
    app.register_blueprint(programmes_bp)
    from lms.evaluations.views import bp as evaluations_bp  # answers events.completion_blockers (issue 15)

    app.register_blueprint(evaluations_bp)
    from lms.evaluations.recorded_views import bp as recorded_bp  # training recorded from elsewhere (issue 15)

    app.register_blueprint(recorded_bp)
    app.register_blueprint(certificates_bp)
    csrf.exempt(reports_api_bp)  # bearer tokens, like the rest of /api/v1
    csrf.exempt(surveys_api_bp)
    for blueprint in (xapi_bp, xapi_api_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(xapi_api_bp)
    csrf.exempt(api_bp)  # bearer tokens, never cookies: no ambient authority to forge

    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)
    return app
