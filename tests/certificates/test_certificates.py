"""Certificates: issued once per completion, shown to the holder, managers in
scope and administrators, verified publicly with nothing else exposed,
revoked with a reason (audited), expired after the course's validity, listed
and exported within the manager's scope, as a PDF, and by the backfill."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from lms import events
from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.auth.services import create_api_token
from lms.certificates import documents, services
from lms.certificates.models import Certificate
from lms.courses.models import Course
from lms.programmes.models import Programme, ProgrammeCourse
from tests.builders import NOW
from tests.certificates.conftest import complete, login

SERIAL_RE = re.compile(r"SSCBC-2026-\d{6}")


def certificates(query) -> list[Certificate]:
    return query(lambda s: list(s.scalars(select(Certificate).order_by(Certificate.id))))


def issued(build, world, who="learner", when=NOW) -> Certificate:
    build(lambda s: complete(s, world.users[who], world.course_id, when))
    return build(lambda s: s.scalar(select(Certificate).where(Certificate.user_id == world.users[who])))


def pin_now(app, moment: datetime) -> None:
    app.config["NOW"] = lambda: moment


# ---- issuing -------------------------------------------------------------------------

def test_completing_a_course_through_the_site_gives_one_certificate_with_its_snapshot(app, build, query, world):
    client = login(app, build, world.users["learner"])
    assert client.post("/courses/CERT-1/enrol").status_code == 302
    assert client.post("/courses/CERT-1/lessons/lesson-1/done").status_code == 302
    assert client.post("/courses/CERT-1/lessons/lesson-1/done").status_code == 302  # again: nothing new
    [cert] = certificates(query)
    assert SERIAL_RE.fullmatch(cert.serial)
    assert len(cert.code) >= 22 and cert.code != cert.serial
    assert (cert.holder_name, cert.unit_name, cert.title, cert.hours) == ("王小红", "C1 社保中心", "社会保险经办实务", 1.5)
    assert cert.expires_at == cert.completed_at + timedelta(days=365)

    my = client.get("/my").get_data(as_text=True)
    assert "我的证书" in my or "My certificates" in my
    assert f"/certificates/{cert.code}" in my and cert.serial in my

    page = client.get(f"/certificates/{cert.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for shown in ("王小红", "C1 社保中心", "社会保险经办实务", cert.serial, "1.5", "<svg", f"/verify/{cert.code}"):
        assert shown in html, shown
    assert "http://127.0.0.1:5000/verify/" + cert.code in html  # the QR code's address: BASE_URL

    # A later edit of the course or a move of the person never changes the certificate.
    def edit(s):
        s.get(Course, world.course_id).title = "改名后的课程"
    build(edit)
    assert "社会保险经办实务" in client.get(f"/certificates/{cert.code}").get_data(as_text=True)


def test_issue_is_idempotent_and_needs_a_completion(build, query, world):
    assert build(lambda s: services.issue_course_certificate(
        s, user_id=world.users["learner"], course_id=world.course_id, now=NOW)) is None  # not completed
    issued(build, world)
    again = build(lambda s: services.issue_course_certificate(
        s, user_id=world.users["learner"], course_id=world.course_id, now=NOW))
    assert again is None
    assert len(certificates(query)) == 1


def test_a_course_or_a_programme_never_both_nor_neither(build, world):
    def both(s):
        s.add(Certificate(user_id=world.users["learner"], course_id=world.course_id, programme_id=7, serial="X-1",
                          code="c" * 24, holder_name="x", title="x", hours=1, completed_at=NOW, issued_at=NOW))
        s.flush()

    with pytest.raises(IntegrityError):
        build(both)


def test_programme_completion_issues_one_programme_certificate(build, query, world):
    def programme(s):
        p = Programme(code="PR-TRAINER", title="培训师培养计划", status="published", min_optional=0,
                      certificate_validity_days=730, created_at=NOW, updated_at=NOW, published_at=NOW)
        s.add(p)
        s.flush()
        s.add(ProgrammeCourse(programme_id=p.id, course_id=world.course_id, position=1, required=True))
        return p.id
    programme_id = build(programme)
    build(lambda s: complete(s, world.users["learner"], world.course_id))  # completes the programme too
    build(lambda s: events.programme_completed(s, user_id=world.users["learner"], programme_id=programme_id))  # again
    course_cert, programme_cert = certificates(query)
    assert course_cert.course_id == world.course_id
    assert (programme_cert.programme_id, programme_cert.course_id, programme_cert.title, programme_cert.hours) == \
        (programme_id, None, "培训师培养计划", 1.5)
    assert programme_cert.expires_at == NOW + timedelta(days=730) and programme_cert.serial != course_cert.serial
    # the backfill finds nothing missing; without the certificate it issues it again, once
    build(lambda s: s.execute(delete(Certificate).where(Certificate.programme_id.is_not(None))))
    assert build(lambda s: services.issue_missing_certificates(s, now=NOW)) == 1
    assert build(lambda s: services.issue_missing_certificates(s, now=NOW)) == 0


def test_backfill_issues_missing_certificates_once(app, build, query, world):
    issued(build, world)
    issued(build, world, who="other")
    build(lambda s: s.execute(delete(Certificate)))  # completions from before certificates existed
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "issue-certificates"])
    assert first.exit_code == 0, first.output
    assert "certificates issued: 2" in first.output
    second = runner.invoke(args=["lms", "issue-certificates"])
    assert "certificates issued: 0" in second.output
    certs = certificates(query)
    assert len(certs) == 2 and len({c.serial for c in certs}) == 2 and len({c.code for c in certs}) == 2
    assert all(c.completed_at == NOW for c in certs)


# ---- who sees what ----------------------------------------------------------------

def test_holder_managers_in_scope_and_admins_see_the_certificate_others_do_not(app, build, world):
    cert = issued(build, world)
    for who, status in (("learner", 200), ("manager_p", 200), ("admin", 200), ("other", 404), ("manager_q", 404)):
        client = login(app, build, world.users[who])
        assert client.get(f"/certificates/{cert.code}").status_code == status, who
        assert client.get(f"/certificates/{cert.code}.pdf").status_code == status, who
    assert app.test_client().get(f"/certificates/{cert.code}").status_code == 302  # log in first


def test_pdf_holds_the_serial_number_and_the_qr_code(app, build, world):
    cert = issued(build, world)
    response = login(app, build, world.users["learner"]).get(f"/certificates/{cert.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and cert.serial.encode() in response.data
    assert cert.serial in response.headers["Content-Disposition"]


@pytest.mark.parametrize("fonts", [documents.CJK_FONTS, ()], ids=["system-cjk-font", "built-in-cid-font"])
def test_pdf_is_drawn_with_or_without_a_cjk_font_file(fonts):
    sheet = documents.Sheet(issuer="社会保障能力建设中心", heading="结业证书", holder="王小红", statement="已完成课程", title="养老保险入门",
                            fields=[("单位", "玄武区社会保险经办处"), ("证书编号", "SSCBC-2026-000123")], notice="已撤销",
                            verify_label="验证地址", verify_url="https://lms.example/verify/abc", serial="SSCBC-2026-000123")
    data = documents.certificate_pdf(sheet, fonts=fonts)
    assert data.startswith(b"%PDF") and b"SSCBC-2026-000123" in data and data.rstrip().endswith(b"%%EOF")
    if fonts and documents.find_cjk_font(fonts):
        assert b"FontFile" in data  # the CJK font is embedded (a subset)
    if not fonts:
        assert b"STSong-Light" in data


# ---- verification -----------------------------------------------------------------

def _verify(app, code):
    response = app.test_client().get(f"/verify/{code}")
    return response, response.get_data(as_text=True)


def test_verify_shows_validity_name_title_and_date_and_nothing_else(app, build, world):
    cert = issued(build, world)
    response, html = _verify(app, cert.code)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "王小红" in html and "社会保险经办实务" in html
    assert "有效" in html or "valid" in html
    for hidden in ("C1 社保中心", cert.serial, "learner", f"/certificates/{cert.code}", "1.5", "Reason", "原因"):
        assert hidden not in html, hidden
    assert f">{world.users['learner']}<" not in html


def test_verify_revoked_shows_the_date_not_the_reason(app, build, world):
    cert = issued(build, world)
    manager = login(app, build, world.users["manager_p"])
    pin_now(app, datetime(2026, 4, 1, 8, 0))
    assert manager.post(f"/certificates/{cert.code}/revoke", data={"reason": "考核材料造假"}).status_code == 302
    response, html = _verify(app, cert.code)
    assert response.status_code == 200
    assert ("已撤销" in html or "revoked" in html) and ("2026年4月1日" in html or "April 1, 2026" in html)
    assert "考核材料造假" not in html


def test_verify_expired_and_unknown(app, build, world):
    cert = issued(build, world)
    pin_now(app, NOW + timedelta(days=366))
    response, html = _verify(app, cert.code)
    assert response.status_code == 200
    assert ("已过期" in html or "expired" in html) and ("2027年3月2日" in html or "March 2, 2027" in html)
    pin_now(app, NOW + timedelta(days=364))
    assert "已过期" not in _verify(app, cert.code)[1]
    for unknown in ("A" * 24, "x", "a" * 65, "%2e%2e"):
        response, html = _verify(app, unknown)
        assert response.status_code == 404, unknown
    assert "没有这个验证码的证书" in html or "No certificate has this verification code" in html


def test_expired_is_shown_to_the_holder_and_managers(app, build, world):
    def short(s):
        s.get(Course, world.course_id).certificate_validity_days = 30
    build(short)
    cert = issued(build, world)  # completed on 2026-03-02: expired on 2026-04-01, before today
    assert cert.expires_at == NOW + timedelta(days=30)
    mine = login(app, build, world.users["learner"])
    my = mine.get("/my").get_data(as_text=True)
    assert "cert-status-expired" in my and ("已过期" in my or "expired" in my)
    page = mine.get(f"/certificates/{cert.code}").get_data(as_text=True)
    assert "cert-expired" in page and "cert-notice" in page
    listing = login(app, build, world.users["manager_p"]).get("/reports/certificates", query_string={"status": "expired"})
    assert cert.serial in listing.get_data(as_text=True)


# ---- revocation ---------------------------------------------------------------------

def test_revocation_needs_a_reason_is_audited_and_scoped(app, build, query, world):
    cert = issued(build, world)
    outside = login(app, build, world.users["manager_q"])
    assert outside.post(f"/certificates/{cert.code}/revoke", data={"reason": "x"}).status_code == 404
    holder = login(app, build, world.users["learner"])
    assert holder.post(f"/certificates/{cert.code}/revoke", data={"reason": "x"}).status_code == 403
    manager = login(app, build, world.users["manager_p"])
    blank = manager.post(f"/certificates/{cert.code}/revoke", data={"reason": "  "})
    assert blank.status_code == 200
    assert "撤销证书的原因" in blank.get_data(as_text=True) or "reason for revoking" in blank.get_data(as_text=True)
    assert certificates(query)[0].revoked_at is None

    assert manager.post(f"/certificates/{cert.code}/revoke", data={"reason": "重复发放"}).status_code == 302
    [after] = certificates(query)
    assert after.revoked_at is not None and after.revoked_by_id == world.users["manager_p"]
    assert after.revoke_reason == "重复发放"
    events = query(lambda s: list(s.scalars(select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))))
    assert len(events) == 1 and events[0].user_id == world.users["manager_p"] and cert.serial in events[0].detail
    # Twice is refused; everywhere it shows as revoked.
    assert manager.post(f"/certificates/{cert.code}/revoke", data={"reason": "again"}).status_code == 200
    assert query(lambda s: s.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "certificate_revoked"))) == 1
    assert "cert-status-revoked" in holder.get("/my").get_data(as_text=True)
    assert "cert-revoked" in holder.get(f"/certificates/{cert.code}").get_data(as_text=True)
    listing = manager.get("/reports/certificates", query_string={"status": "revoked"}).get_data(as_text=True)
    assert cert.serial in listing


# ---- lists and exports -------------------------------------------------------------

def test_list_and_exports_stay_within_the_managers_scope(app, build, world):
    mine = issued(build, world)
    theirs = issued(build, world, who="other", when=NOW + timedelta(days=10))
    manager = login(app, build, world.users["manager_p"])
    html = manager.get("/reports/certificates").get_data(as_text=True)
    assert mine.serial in html and theirs.serial not in html
    assert manager.get("/reports/certificates", query_string={"unit": world.units["Q"]}).status_code == 404
    assert manager.get("/reports/certificates.csv", query_string={"unit": world.units["Q"]}).status_code == 404

    rows = list(csv.reader(io.StringIO(manager.get("/reports/certificates.csv").data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == [mine.serial]
    assert rows[1][1:3] == ["王小红", "learner"]
    book = openpyxl.load_workbook(io.BytesIO(manager.get("/reports/certificates.xlsx").data))
    assert [c.value for c in next(book.active.iter_rows(min_row=3, max_row=3))][0] == mine.serial

    admin = login(app, build, world.users["admin"])
    every = list(csv.reader(io.StringIO(admin.get("/reports/certificates.csv").data.decode("utf-8-sig"))))
    assert {r[0] for r in every[1:]} == {mine.serial, theirs.serial}
    # filters: course, status, issued between (inclusive days)
    assert len(list(csv.reader(io.StringIO(admin.get("/reports/certificates.csv", query_string={
        "issued_from": "2026-03-05", "issued_to": "2026-03-12"}).data.decode("utf-8-sig"))))) == 2  # header + theirs
    assert theirs.serial in admin.get("/reports/certificates", query_string={
        "issued_from": "2026-03-12", "issued_to": "2026-03-12", "course": "CERT-1", "status": "valid"}).get_data(as_text=True)
    assert mine.serial not in admin.get("/reports/certificates", query_string={"status": "revoked"}).get_data(as_text=True)
    for bad in ({"issued_from": "2026-13-01"}, {"status": "lost"}, {"course": "NOPE-1"},
                {"issued_from": "2026-03-10", "issued_to": "2026-03-01"}):
        assert admin.get("/reports/certificates", query_string=bad).status_code == 400, bad
    # the transcript links the certificate
    transcript = manager.get(f"/reports/learners/{world.users['learner']}").get_data(as_text=True)
    assert f"/certificates/{mine.code}" in transcript


def test_api_lists_my_certificates(app, build, world):
    cert = issued(build, world)
    token = build(lambda s: create_api_token(s, user=s.get(User, world.users["learner"]), now=NOW))
    response = app.test_client().get("/api/v1/me/certificates", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    [item] = response.get_json()["certificates"]
    assert (item["serial"], item["kind"], item["course_code"], item["status"]) == (cert.serial, "course", "CERT-1", "valid")
    assert item["verify_url"].endswith(f"/verify/{cert.code}") and item["hours"] == 1.5
    other = build(lambda s: create_api_token(s, user=s.get(User, world.users["other"]), now=NOW))
    assert app.test_client().get("/api/v1/me/certificates",
                                 headers={"Authorization": f"Bearer {other}"}).get_json() == {"certificates": []}
