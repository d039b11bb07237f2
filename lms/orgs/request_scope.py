"""The signed-in user's scope (lms.orgs.scope), computed once per request."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from lms.orgs.scope import Scope, scope_for
from lms.web import db_session


def current_scope() -> Scope:
    if "lms_scope" not in g:
        g.lms_scope = scope_for(db_session(), current_user)
    return g.lms_scope
