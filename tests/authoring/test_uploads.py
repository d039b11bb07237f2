"""Image uploads: judged by their bytes, size-capped, random names, stored
outside static/, served with nosniff; everything else refused clearly."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask.testing import EnvironBuilder
from sqlalchemy import func, select

from lms.media.models import MediaFile
from lms.media.services import MAX_IMAGE_BYTES, MediaRefused, check_image
from tests.authoring.images import gif, jpeg, png, webp
from tests.web.helpers import login


@pytest.mark.parametrize("data, name, kind", [(png(), "a.png", "png"), (jpeg(), "photo.JPG", "jpg"),
                                              (jpeg(), "photo.jpeg", "jpg"), (gif(), "anim.gif", "gif"),
                                              (webp(), "pic.webp", "webp")])
def test_real_images_are_accepted(data, name, kind):
    assert check_image(data, name).kind == kind


@pytest.mark.parametrize("data, name, fragment", [
    (gif()[:-1] + b"<script>alert(1)</script>;", "poly.gif", "web page or script"),  # GIF header + HTML/JS
    (b"GIF89a/*\x01\x00*/=1;alert(1);//" + b"\x00" * 10 + b";", "poly.gif", "damaged"),  # GIF/JavaScript
    (png() + b"<html><script>alert(1)</script>", "poly.png", "extra data"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "SVG"),
    (b"<html><body>hi</body></html>", "page.html", "Only PNG, JPEG, GIF and WebP"),
    (b"<html><body>hi</body></html>", "page.png", "not a PNG, JPEG, GIF or WebP"),
    (png(), "image.gif", "says .gif but the content is PNG"),
    (png(), "../../etc/passwd.png", "not allowed"),
    (png(), "..\\evil.png", "not allowed"),
    (png(), ".hidden.png", "not allowed"),
    (b"", "empty.png", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 10, "cut.png", "damaged"),
])
def test_refused_files(data, name, fragment):
    with pytest.raises(MediaRefused) as caught:
        check_image(data, name)
    message = str(caught.value) % caught.value.params if caught.value.params else str(caught.value)
    assert fragment in message


def test_oversized_image_is_refused():
    big = png()[:-12] + b"\x00" * (MAX_IMAGE_BYTES) + png()[-12:]
    with pytest.raises(MediaRefused, match="5 MB"):
        check_image(big, "big.png")


@pytest.fixture
def author_client(app, make_user, make_course):
    make_course("UP-1")
    make_user(username="writer", roles=("author",), staff_category="professional")
    client = app.test_client()
    login(client, "writer")
    return client


def _count(query):
    return query(lambda s: s.scalar(select(func.count()).select_from(MediaFile)))


def test_upload_stores_a_random_name_outside_static_and_serves_it_with_nosniff(app, author_client, query):
    response = author_client.post("/authoring/courses/UP-1/images",
                                  data={"file": (io.BytesIO(png()), "chart.png"), "alt": "图表"},
                                  content_type="multipart/form-data")
    assert response.status_code == 200
    name = query(lambda s: s.scalar(select(MediaFile.name)))
    assert name != "chart.png" and len(name) == 36
    assert f"![图表](/media/{name})" in response.get_data(as_text=True)
    stored = Path(app.config["MEDIA_FOLDER"]) / name
    assert stored.read_bytes() == png()
    static = Path(app.static_folder)
    assert not any(p.name == name for p in static.rglob("*"))
    served = app.test_client().get(f"/media/{name}")
    assert served.status_code == 200 and served.data == png()
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    served.close()
    assert app.test_client().get("/media/..%2Fsecret_key").status_code == 404
    assert app.test_client().get("/media/" + "0" * 32 + ".png").status_code == 404


@pytest.mark.parametrize("data, name, status", [
    (b'<svg onload="alert(1)"/>', "x.svg", 422), (b"<html></html>", "x.html", 422),
    (gif()[:-1] + b"<script>alert(1)</script>;", "x.gif", 422), (png(), "../x.png", 422),
])
def test_refused_upload_stores_nothing(app, author_client, query, data, name, status):
    response = author_client.post("/authoring/courses/UP-1/images", data={"file": (io.BytesIO(data), name)},
                                  content_type="multipart/form-data")
    assert response.status_code == status
    assert 'class="flash error"' in response.get_data(as_text=True)
    assert _count(query) == 0
    folder = Path(app.config["MEDIA_FOLDER"])
    assert not folder.exists() or not any(folder.iterdir())


def test_oversized_upload_answers_413_and_stores_nothing(app, author_client, query):
    big = png()[:-12] + b"\x00" * (MAX_IMAGE_BYTES + 10) + png()[-12:]
    builder = EnvironBuilder(app, path="/authoring/courses/UP-1/images", method="POST",
                             data={"file": (io.BytesIO(big), "big.png")}, content_type="multipart/form-data")
    environ = builder.get_environ()
    try:
        response = author_client.open(environ)
    finally:  # the body is spooled to a temporary file that the view never reads
        environ["wsgi.input"].close()
        builder.close()
    assert response.status_code == 413
    assert "5 MB" in response.get_data(as_text=True)
    assert _count(query) == 0


def test_an_image_whose_transaction_does_not_commit_leaves_no_file(app, tmp_path):
    """The file is written before the commit; a rollback, a failed commit or a
    session closed without committing removes it (no unreachable files)."""
    from lms.media.services import store_image
    from tests.builders import NOW

    database = app.extensions["lms_db"]
    written = []
    for end in ("rollback", "close", "commit"):
        session = database.session(write=True)
        row = store_image(session, tmp_path, data=png(), filename="chart.png", now=NOW)
        path = tmp_path / row.name
        assert path.exists()
        getattr(session, end)()
        session.close()
        written.append((end, path.exists()))
    assert written == [("rollback", False), ("close", False), ("commit", True)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # only the committed image remains
