"""People administration, self-registration and approval, imports from the
admin pages, settings; every action is audited."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from tests.builders import PASSWORD
from tests.orgs.test_csv_import import ORG_FILE
from tests.web.helpers import login, logout, text


def get_user(query, username):
    return query(lambda s: s.scalar(select(User).where(User.username == username)))


def actions(query) -> list[str]:
    return query(lambda s: list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id))))


def edit_data(user_id_unit, **overrides):
    data = {"org_unit_id": user_id_unit, "full_name": "王 小红", "email": "w@example.org", "staff_category": "staff",
            "language": "zh_CN", "status": "active"}
    data.update(overrides)
    return data


def test_manager_edits_a_learner_but_cannot_change_roles(client, world, query):
    login(client, "njboss")
    uid = world.users["xwstaff"]
    response = client.post(f"/admin/users/{uid}", data=edit_data(world.units["XW-C1"], roles=["admin"],
                                                                 staff_category="correspondent"))
    assert response.status_code == 302
    person = get_user(query, "xwstaff")
    assert (person.full_name, person.org_unit_id, person.staff_category) == ("王 小红", world.units["XW-C1"], "correspondent")
    assert query(lambda s: s.get(User, uid).role_names) == {"learner"}
    assert "user_updated" in actions(query)


def test_admin_changes_roles(client, world, query):
    login(client, "admin")
    uid = world.users["xwstaff"]
    assert client.post(f"/admin/users/{uid}", data=edit_data(world.units["XW"], roles=["manager"])).status_code == 302
    assert query(lambda s: s.get(User, uid).role_names) == {"learner", "manager"}
    event = query(lambda s: s.scalar(select(AuditEvent).where(AuditEvent.action == "user_updated")))
    assert "roles" in event.detail and event.username == "admin"


def test_deactivation_ends_the_sessions(app, client, world, query):
    learner = app.test_client()
    assert login(learner, "xwstaff").status_code == 302
    assert learner.get("/my").status_code == 200
    login(client, "njboss")
    asked = client.post(f"/admin/users/{world.users['xwstaff']}/deactivate")  # asks first, changes nothing
    assert asked.status_code == 200 and get_user(query, "xwstaff").status == "active"
    assert client.post(f"/admin/users/{world.users['xwstaff']}/deactivate", data={"confirm": "yes"}).status_code == 302
    assert get_user(query, "xwstaff").status == "deactivated"
    assert learner.get("/my").status_code == 302  # the old cookie no longer works
    assert login(learner, "xwstaff").status_code == 401
    assert "user_deactivated" in actions(query)


def test_reset_password_shows_a_new_password_once(app, client, world, query):
    login(client, "njboss")
    response = client.post(f"/admin/users/{world.users['xwstaff']}/reset-password")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'class="password-once">([^<]+)<', text(response)).group(1)
    assert password not in str(actions(query))
    other = app.test_client()
    assert login(other, "xwstaff").status_code == 401
    assert login(other, "xwstaff", password).status_code == 302
    assert "password_reset" in actions(query)


def test_people_list_filters_and_paginates(client, world, build):
    from tests import builders

    build(lambda s: [builders.make_user(s, username=f"p{i:03d}", org_unit_id=world.units["GS"]) for i in range(60)])
    login(client, "admin")
    first = text(client.get(f"/admin/users?unit={world.units['GS']}"))
    assert "Page 1 of 2" in first and "61 people" in first
    second = text(client.get(f"/admin/users?unit={world.units['GS']}&page=2"))
    assert len(re.findall(r'href="/admin/users/\d+"', second)) == 11


def test_self_registration_closed_then_open_then_approved(app, client, world, query):
    assert client.get("/auth/register").status_code == 404
    admin = app.test_client()
    login(admin, "admin")
    assert admin.post("/admin/settings", data={"self_registration": "y"}).status_code == 302
    assert "settings_changed" in actions(query)

    page = text(client.get("/auth/register?q=XW"))
    assert f'value="{world.units["XW-C1"]}"' in page and f'value="{world.units["GS"]}"' not in page
    bad = client.post("/auth/register", data={"org_unit_id": world.units["XW-C1"], "staff_category": "correspondent",
                                              "full_name": "张三", "username": "zhang", "password": "password",
                                              "confirm": "password", "language": "zh_CN"})
    assert bad.status_code == 422 and get_user(query, "zhang") is None
    good = client.post("/auth/register", data={"org_unit_id": world.units["XW-C1"], "staff_category": "correspondent",
                                               "full_name": "张三", "username": "zhang", "password": PASSWORD,
                                               "confirm": PASSWORD, "language": "zh_CN", "email": "z@example.org"})
    assert good.status_code == 200
    assert get_user(query, "zhang").status == "pending"
    assert login(client, "zhang").status_code == 401  # waits for approval

    # A manager of another city does not see it, and cannot approve it.
    sz = app.test_client()
    login(sz, "national")
    manager_nj = app.test_client()
    login(manager_nj, "njboss")
    assert "zhang" in text(manager_nj.get("/admin/registrations"))
    uid = get_user(query, "zhang").id
    assert manager_nj.post(f"/admin/registrations/{uid}/approve").status_code == 302
    assert get_user(query, "zhang").status == "active"
    assert manager_nj.post(f"/admin/registrations/{uid}/approve").status_code == 404  # not pending any more
    assert login(client, "zhang").status_code == 302
    assert "registration_approved" in actions(query)


def test_rejection_frees_the_username(app, client, world, query, build):
    from lms.people.services import register
    from tests.builders import NOW

    uid = build(lambda s: register(s, username="li", password=PASSWORD, full_name="李", email="",
                                   org_unit_id=world.units["GS"], staff_category="staff", language="en", now=NOW).id)
    login(client, "njboss")
    assert "li" not in re.findall(r"<td>([^<]+)</td>", text(client.get("/admin/registrations")))
    assert client.post(f"/admin/registrations/{uid}/reject").status_code == 404
    logout(client)
    login(client, "national")
    assert client.post(f"/admin/registrations/{uid}/reject").status_code == 302
    assert get_user(query, "li") is None


def test_imports_from_the_admin_pages(client, world, query):
    login(client, "admin")
    bad = client.post("/admin/org-units/import", data={"file": (io.BytesIO(b"code,name\nX,Y\n"), "u.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "line 1: missing column(s)" in text(bad)
    good = client.post("/admin/org-units/import", data={"file": (io.BytesIO(ORG_FILE.encode("utf-8-sig")), "u.csv")},
                       content_type="multipart/form-data")
    assert good.status_code == 200 and "2 created, 3 updated, 0 unchanged" in text(good)  # CN, JS, NJ exist
    users = "username,full_name,email,org_unit_code,staff_category,roles,language\nnew1,N,,NJ-XW,staff,,en\n"
    response = client.post("/admin/users/import", data={"file": (io.BytesIO(users.encode()), "p.csv")},
                           content_type="multipart/form-data")
    assert "1 created, 0 updated, 0 unchanged" in text(response)
    assert {"org_units_imported", "users_imported"} <= set(actions(query))


def test_admin_moves_a_unit_and_records_a_headcount(client, world, query):
    from lms.orgs.models import Headcount, OrgUnit

    login(client, "admin")
    page = text(client.get(f"/admin/org-units/{world.units['GS']}/move?q=NJ"))
    assert f'value="{world.units["NJ"]}"' in page
    assert client.post(f"/admin/org-units/{world.units['GS']}/move", data={"parent_id": world.units["NJ"]}).status_code == 302
    nj_path = query(lambda s: s.get(OrgUnit, world.units["NJ"]).path)
    assert query(lambda s: s.get(OrgUnit, world.units["GS"]).path) == f"{nj_path}{world.units['GS']}/"
    # Moving a unit below its own subtree is refused.
    client.post(f"/admin/org-units/{world.units['JS']}/move", data={"parent_id": world.units["GS"]})
    assert query(lambda s: s.get(OrgUnit, world.units["JS"]).parent_id) == world.units["CN"]
    assert client.post(f"/admin/org-units/{world.units['GS']}/headcounts",
                       data={"staff_category": "staff", "valid_from": "2026-01-01", "headcount": "0"}).status_code == 302
    assert query(lambda s: s.scalar(select(Headcount.headcount).where(Headcount.org_unit_id == world.units["GS"]))) == 0
    assert {"org_unit_moved", "headcount_created"} <= set(actions(query))
