"""The report tests' known tree (tests/reports/conftest.py), with recorders:
a manager and a trainer of C1 (whose subtree holds D1: u1, u2, and u3), a
manager of C2 (another unit) and an administrator."""
from __future__ import annotations

import pytest

from lms.auth.services import start_login_session
from lms.web import utcnow
from tests.builders import make_user
from tests.reports.conftest import tree  # noqa: F401 - fixture


@pytest.fixture
def people(db, tree):  # noqa: F811 - the fixture above
    out = {
        "mgr_c1": make_user(db, username="mgr-c1", staff_category="manager", roles=("manager",), org_unit_id=tree["c1"].id,
                            language="en"),
        "trainer_c1": make_user(db, username="trainer-c1", staff_category="professional", roles=("trainer",),
                                org_unit_id=tree["c1"].id, language="en"),
        "mgr_c2": make_user(db, username="mgr-c2", staff_category="manager", roles=("manager",), org_unit_id=tree["c2"].id,
                            language="en"),
        "admin": make_user(db, username="root", staff_category="manager", roles=("admin",), language="en"),
    }
    out["mgr_c1"].full_name = "王经理"
    for name in ("u1", "u2", "u3"):
        tree[name].language = "en"  # the pages' English wording is what the tests read
    db.commit()
    return out


def login(client, db, user):
    token = start_login_session(db, user=user, now=utcnow())
    db.commit()
    with client.session_transaction() as s:
        s["_user_id"], s["_fresh"], s["seen"] = token, True, int(utcnow().timestamp())
    return client
