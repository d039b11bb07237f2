"""Public pages, access for visitors, headers, health check, catalogue links
and the interface language."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web.helpers import location, login, text


def test_anonymous_can_browse_catalogue_and_course_page(client, make_course):
    make_course("WP-1", title="养老保险入门")
    client.set_cookie("lang", "en")
    page = client.get("/")
    assert page.status_code == 200
    assert "Course catalogue" in text(page)
    course = client.get("/courses/WP-1")
    assert course.status_code == 200
    body = text(course)
    assert "养老保险入门" in body
    assert "第1课" in body and "第2课" in body  # the syllabus
    assert "/auth/login?next=/courses/WP-1" in body  # log in to enrol
    assert "/courses/WP-1/enrol" not in body


def test_unknown_or_unpublished_course_is_404(client, make_course, build):
    make_course("WP-2")

    def unpublish(session):
        from sqlalchemy import update

        from lms.courses.models import Course
        session.execute(update(Course).where(Course.code == "WP-2").values(status="draft"))

    build(unpublish)
    assert client.get("/courses/NOPE").status_code == 404
    assert client.get("/courses/WP-2").status_code == 404


@pytest.mark.parametrize("path", [
    "/my",
    "/courses/WP-3/lessons/lesson-1",
    "/courses/WP-3/quiz",
    "/attempts/1",
    "/auth/password",
])
def test_anonymous_is_sent_to_login(client, make_course, path):
    make_course("WP-3")
    response = client.get(path)
    assert response.status_code == 302
    target = urlsplit(location(response))
    assert target.path == "/auth/login"
    assert parse_qs(target.query)["next"] == [path]


@pytest.mark.parametrize("path", ["/courses/WP-4/enrol", "/courses/WP-4/lessons/lesson-1/done",
                                  "/courses/WP-4/quiz/start", "/attempts/1", "/auth/logout"])
def test_anonymous_posts_are_sent_to_login_and_change_nothing(client, make_course, query, path):
    make_course("WP-4")
    response = client.post(path)
    assert response.status_code == 302
    assert urlsplit(location(response)).path == "/auth/login"

    from sqlalchemy import func, select

    from lms.learn.models import Enrolment, LessonCompletion, QuizAttempt
    assert query(lambda s: [s.scalar(select(func.count()).select_from(m))
                            for m in (Enrolment, LessonCompletion, QuizAttempt)]) == [0, 0, 0]


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("path", ["/", "/healthz", "/my", "/auth/login", "/courses/NOPE"])
def test_security_headers(client, path):
    response = client.get(path)
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("script-src") == "script-src 'self'"
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'"
    assert directives.get("object-src") == "object-src 'none'"
    assert directives.get("base-uri") == "base-uri 'none'"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")


def test_private_pages_are_not_cached(client, make_user):
    username = make_user()
    login(client, username)
    assert client.get("/my").headers.get("Cache-Control") == "no-store"
    assert client.get("/auth/login").headers.get("Cache-Control") == "no-store"


def test_session_cookie_flags(client, make_user):
    username = make_user()
    response = login(client, username)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    assert "HttpOnly" in cookies[-1]
    assert "SameSite=Lax" in cookies[-1]


# ---- catalogue matrix -----------------------------------------------------------------

def test_catalogue_shows_nine_cells_with_counts(client, make_course):
    make_course("CM-1", skill_type="professional", target_level="capacity")
    make_course("CM-2", skill_type="professional", target_level="capacity")
    client.set_cookie("lang", "en")
    page = text(client.get("/"))
    cells = re.findall(r'data-cell="([^"]+)">\s*([^<]+?)</a>', page)
    assert len(cells) == 9
    counts = dict(cells)
    assert counts["professional:capacity"] == "2 courses"
    assert counts["social-security:information"] == "0 courses"


def test_catalogue_cell_link_filters(client, make_course):
    make_course("CL-1", skill_type="professional", target_level="capacity", title="统计方法")
    make_course("CL-2", skill_type="professional", target_level="expertise", title="精算模型")
    make_course("CL-3", skill_type="transversal", target_level="capacity", title="沟通技巧")
    client.set_cookie("lang", "en")
    page = text(client.get("/"))
    href = re.search(r'href="([^"]+)" data-cell="professional:capacity"', page).group(1)
    href = href.replace("&amp;", "&")
    listing = client.get(href)
    assert listing.status_code == 200
    body = text(listing)
    assert "统计方法" in body
    assert "精算模型" not in body and "沟通技巧" not in body
    assert "1 course found" in body


def test_catalogue_keyword_search(client, make_course):
    make_course("CS-1", title="医疗保险基金监管", lesson_body="欺诈骗保的识别。")
    make_course("CS-2", title="窗口服务礼仪", lesson_body="微笑服务。")
    body = text(client.get("/", query_string={"q": "骗保"}))
    assert "医疗保险基金监管" in body and "窗口服务礼仪" not in body
    body = text(client.get("/", query_string={"q": "礼仪", "level": "information"}))
    assert "窗口服务礼仪" in body and "医疗保险基金监管" not in body


def test_catalogue_filters(client, make_course):
    make_course("CF-1", title="养老课程", schemes=("pension",), audience=("staff",), language="zh_CN")
    make_course("CF-2", title="English course", schemes=("medical",), audience=("manager",), language="en")
    assert "English course" not in text(client.get("/?scheme=pension"))
    assert "养老课程" in text(client.get("/?scheme=pension"))
    body = text(client.get("/?language=en"))
    assert "English course" in body and "养老课程" not in body
    body = text(client.get("/?audience=manager"))
    assert "English course" in body and "养老课程" not in body


def test_catalogue_bad_filter_is_ignored_not_an_error(client, make_course):
    make_course("CB-1", title="养老课程")
    client.set_cookie("lang", "en")
    response = client.get("/?skill=astrology")
    assert response.status_code == 200
    assert "养老课程" in text(response)  # the filter is dropped: every course is listed
    assert "Some filters were not understood" in text(response)


# ---- interface language -----------------------------------------------------------

def test_english_user_sees_english_interface(client, make_user):
    username = make_user(language="en")
    login(client, username)
    page = text(client.get("/my"))
    assert '<html lang="en">' in page
    assert ">Catalogue</a>" in page
    assert ">My learning</a>" in page
    assert 'value="zh_CN"' in page  # the switch offers the other language


def test_chinese_user_gets_chinese_page_language(client, make_user):
    # Translated strings depend on compiled catalogues; the page language does not.
    username = make_user(language="zh_CN")
    login(client, username)
    page = text(client.get("/my"))
    assert '<html lang="zh-CN">' in page
    assert 'value="en"' in page


def test_language_switch_for_a_visitor(client):
    assert '<html lang="zh-CN">' in text(client.get("/"))  # the default language
    response = client.post("/auth/language", data={"language": "en", "next": "/?skill=professional"})
    assert response.status_code == 302
    assert location(response) == "/?skill=professional"
    assert client.get_cookie("lang").value == "en"
    page = text(client.get("/"))
    assert '<html lang="en">' in page and ">Catalogue</a>" in page


def test_language_switch_is_remembered_for_a_user(client, make_user, query):
    username = make_user(language="zh_CN")
    login(client, username)
    client.post("/auth/language", data={"language": "en", "next": "/my"})
    assert '<html lang="en">' in text(client.get("/my"))

    from sqlalchemy import select

    from lms.auth.models import User
    assert query(lambda s: s.scalar(select(User.language).where(User.username == username))) == "en"


def test_language_switch_next_stays_local(client):
    response = client.post("/auth/language", data={"language": "en", "next": "https://evil.com/"})
    assert urlsplit(location(response)).netloc in ("", "localhost")
