"""Light pages on slow links: responses are compressed (brotli when asked,
else gzip), the stylesheet is named by its content and cached for a year, and
a lesson page with its CSS stays under 10 KB on a first visit."""
from __future__ import annotations

import re

from tests.web.helpers import login


def _lesson(client, make_user, make_course, enrol):
    course = make_course("Z-1")
    make_user(username="reader")
    enrol("reader", "Z-1")
    login(client, "reader")
    return f"/courses/Z-1/lessons/{course.lesson_slugs[0]}"


def test_pages_are_compressed_as_the_browser_asks(client, make_user, make_course, enrol):
    path = _lesson(client, make_user, make_course, enrol)
    plain = client.get(path)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert client.get(path, headers={"Accept-Encoding": "br, gzip"}).headers["Content-Encoding"] == "br"
    gzipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in gzipped.headers["Vary"]
    assert client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"}).headers.get("Content-Encoding") == "gzip"


def test_the_stylesheet_is_versioned_and_cached_for_a_year(client, make_user, make_course, enrol):
    path = _lesson(client, make_user, make_course, enrol)
    page = client.get(path, headers={"Accept-Encoding": "br"})
    html = client.get(path).get_data(as_text=True)
    css_url = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    with client.get(css_url, headers={"Accept-Encoding": "br"}) as css:
        assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        css_bytes = len(css.data)
    with client.get("/static/app.css?v=stale") as stale:
        assert "immutable" not in stale.headers.get("Cache-Control", "")
    assert len(page.data) + css_bytes <= 10 * 1024, (len(page.data), css_bytes)
