"""Packages both ways: export -> import gives the same course (content hash),
the starter catalogue round-trips, images travel with the zip, invalid zips
write nothing, and the CLI stays idempotent."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from content import content_hash, load_package, load_package_zip
from content.loader import package_images_from_zip
from lms.authoring import services as authoring
from lms.courses import services as catalog
from lms.courses.models import Course, CourseVersion
from lms.media.models import MediaFile
from lms.media.services import store_image
from tests.authoring.images import png
from tests.builders import NOW, TERMS, make_course, make_user

COURSES = Path(__file__).resolve().parents[2] / "courses"
STARTERS = sorted(p.parent.name for p in COURSES.glob("*/course.toml"))


def _round_trip(db, folder, version):
    name, data = authoring.export_version(db, version, folder)
    spec = load_package_zip(data)
    return name, data, spec


@pytest.mark.parametrize("package", STARTERS)
def test_every_starter_package_round_trips(db, app, package):
    spec = load_package(COURSES / package)
    result = authoring.import_package(db, spec, {}, media_folder=app.config["MEDIA_FOLDER"], now=NOW, publish=True)
    version = result.version
    _name, data, again = _round_trip(db, app.config["MEDIA_FOLDER"], version)
    assert content_hash(again) == content_hash(spec) == version.content_hash
    assert content_hash(catalog.version_spec(version)) == version.content_hash
    # Importing the export changes nothing.
    assert not authoring.import_package(db, again, {}, media_folder=app.config["MEDIA_FOLDER"], now=NOW,
                                        publish=True).changed


def test_import_export_import_into_a_fresh_course_is_identical(db, app):
    folder = app.config["MEDIA_FOLDER"]
    author = make_user(db, roles=("author",))
    course = make_course(db, "RT-1")
    image = store_image(db, folder, data=png(), filename="chart.png", now=NOW, course_id=course.id)
    authoring.update_lesson(db, course, "lesson-1", title="第1课", body=f"图：\n\n![图表](/media/{image.name})",
                            minutes=None, user=author, now=NOW)
    draft = catalog.open_version(db, course.id)
    name, data, spec = _round_trip(db, folder, draft)
    assert name == "rt-1-v2.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert f"rt-1/images/{image.name}" in archive.namelist()
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
    assert authoring.export_version(db, draft, folder)[1] == data  # reproducible bytes
    # Remove the course, then import its package: same content, same hash, same image link.
    digest = draft.content_hash
    db.delete(db.get(Course, course.id))
    db.flush()
    images = package_images_from_zip(data, spec)
    result = authoring.import_package(db, spec, images, media_folder=folder, now=NOW, user=author, publish=False)
    assert result.created and result.version.status == "draft"
    assert result.version.content_hash == digest == content_hash(spec)
    assert f"/media/{image.name}" in result.version.lessons[0].body_md


def test_package_images_get_stored_names_and_links_are_rewritten(db, app):
    folder = app.config["MEDIA_FOLDER"]
    files = {
        "course.toml": b'code = "IMG-1"\ntitle = "T"\nskill_type = "transversal"\ntarget_level = "information"\n'
                       b'language = "en"\n',
        "lessons/01-a.md": b"# A\n\n![chart](../images/chart.png)\n",
        "images/chart.png": png(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(f"img-1/{path}", data)
    data = buffer.getvalue()
    spec = load_package_zip(data)
    result = authoring.import_package(db, spec, package_images_from_zip(data, spec), media_folder=folder, now=NOW,
                                      publish=True)
    stored = db.scalar(select(MediaFile))
    assert stored.name != "chart.png" and (Path(folder) / stored.name).read_bytes() == png()
    body = result.version.lessons[0].body_md
    assert f"![chart](/media/{stored.name})" in body and f'src="/media/{stored.name}"' in result.version.lessons[0].body_html
    # Same package again: unchanged, no second image.
    again = authoring.import_package(db, load_package_zip(data), package_images_from_zip(data, spec),
                                     media_folder=folder, now=NOW, publish=True)
    assert not again.changed and db.scalar(select(func.count()).select_from(MediaFile)) == 1


def test_a_package_with_a_fake_image_writes_nothing(db, app):
    folder = Path(app.config["MEDIA_FOLDER"])
    spec = load_package(COURSES / STARTERS[0])
    spec = spec.__class__(**{**spec.__dict__, "images": ("images/x.png",)})
    with pytest.raises(authoring.AuthoringError) as caught:
        authoring.import_package(db, spec, {"images/x.png": b"GIF89a<script>alert(1)</script>"}, media_folder=folder,
                                 now=NOW, publish=True)
    assert caught.value.problems[0].file == "images/x.png"
    assert db.scalar(select(func.count()).select_from(Course)) == 0
    assert not folder.exists() or not any(folder.iterdir())


def test_browser_import_of_a_changed_package_is_a_draft_for_review(db, app):
    course = make_course(db, "BR-1")
    spec = catalog.version_spec(course.published_version)
    changed = spec.__class__(**{**spec.__dict__, "title": "改版"})
    result = authoring.import_package(db, changed, {}, media_folder=app.config["MEDIA_FOLDER"], now=NOW,
                                      user=make_user(db, roles=("author",)), publish=False)
    assert result.version.number == 2 and result.version.status == "draft"
    assert course.title != "改版" and course.published_version.number == 1


def test_cli_import_is_idempotent_and_a_change_publishes_a_new_version(app, tmp_path):
    runner = app.test_cli_runner()
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "lessons").mkdir()
    (package / "course.toml").write_text('code = "CLI-1"\ntitle = "CLI"\nskill_type = "transversal"\n'
                                         'target_level = "information"\nlanguage = "en"\n[terms]\n'
                                         + "".join(f'{k} = "{k}"\n' for k in TERMS), encoding="utf-8")
    (package / "lessons" / "01-a.md").write_text("# A\n\nBody.\n", encoding="utf-8")
    assert "CLI-1: created (version 1, published" in runner.invoke(args=["lms", "import-courses", str(package)]).output
    assert "CLI-1: unchanged" in runner.invoke(args=["lms", "import-courses", str(package)]).output
    (package / "lessons" / "01-a.md").write_text("# A\n\nBody, revised.\n", encoding="utf-8")
    assert "CLI-1: updated (version 2, published" in runner.invoke(args=["lms", "import-courses", str(package)]).output
    out = tmp_path / "out.zip"
    result = runner.invoke(args=["lms", "export-course", "CLI-1", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "CLI-1: unchanged (version 2" in runner.invoke(args=["lms", "import-courses", str(out)]).output
    folder = tmp_path / "exported"
    assert runner.invoke(args=["lms", "export-course", "CLI-1", "--version", "1", "--output", str(folder)]).exit_code == 0
    assert "Body.\n" in (folder / "lessons" / "01-a.md").read_text(encoding="utf-8")
    session = app.extensions["lms_db"].session()
    try:
        assert session.scalar(select(func.count()).select_from(CourseVersion)) == 2
    finally:
        session.close()


def test_cli_reports_an_invalid_package_and_writes_nothing(app, tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "course.toml").write_text('code = "bad code"\n', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["lms", "import-courses", str(tmp_path / "bad")])
    assert result.exit_code != 0 and "course.toml:1: code" in result.output


def test_cli_import_never_replaces_what_the_platform_published_since(app, tmp_path):
    """make run re-imports courses/ at every start: a course edited on the web
    and approved since must stay as it is, unless an administrator forces it."""
    runner = app.test_cli_runner()
    package = tmp_path / "pkg"
    (package / "lessons").mkdir(parents=True)
    (package / "course.toml").write_text('code = "CLI-2"\ntitle = "CLI"\nskill_type = "transversal"\n'
                                         'target_level = "information"\nlanguage = "en"\n[terms]\n'
                                         + "".join(f'{k} = "{k}"\n' for k in TERMS), encoding="utf-8")
    (package / "lessons" / "01-a.md").write_text("# A\n\nBody.\n", encoding="utf-8")
    assert "CLI-2: created (version 1, published" in runner.invoke(args=["lms", "import-courses", str(package)]).output

    with app.extensions["lms_db"].transaction() as session:  # an author edits, an administrator approves
        author = make_user(session, roles=("learner", "author"))
        admin = make_user(session, roles=("learner", "admin"))
        course = session.scalar(select(Course).where(Course.code == "CLI-2"))
        authoring.update_lesson(session, course, "a", title="A", body="Edited on the web.", minutes=None,
                                user=author, now=NOW)
        authoring.submit_for_review(session, course, user=author, now=NOW)
        assert authoring.approve(session, course, user=admin, now=NOW).number == 2

    def live_body():
        session = app.extensions["lms_db"].session()
        try:
            live = catalog.published_version(session, session.scalar(select(Course.id).where(Course.code == "CLI-2")))
            count = session.scalar(select(func.count()).select_from(CourseVersion)
                                   .join(Course, Course.id == CourseVersion.course_id).where(Course.code == "CLI-2"))
            return live.number, live.lessons[0].body_md, count
        finally:
            session.close()

    for _restart in range(2):  # the unchanged package, as at every `make run`
        result = runner.invoke(args=["lms", "import-courses", str(package)])
        assert result.exit_code == 0 and "CLI-2: skipped" in result.output, result.output
        assert live_body() == (2, "Edited on the web.", 2)
    (package / "lessons" / "01-a.md").write_text("# A\n\nBody, revised in git.\n", encoding="utf-8")
    assert "CLI-2: skipped" in runner.invoke(args=["lms", "import-courses", str(package)]).output
    assert live_body() == (2, "Edited on the web.", 2)
    result = runner.invoke(args=["lms", "import-courses", "--force", str(package)])
    assert "CLI-2: updated (version 3, published" in result.output, result.output
    assert live_body() == (3, "Body, revised in git.", 3)
