"""certificate_validity_days travels in packages and the metadata form; the
demo learner who completed a course holds its certificate."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from content import PackageInvalid, content_hash, dump_package, load_package, load_package_from_files
from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.courses.models import Course, CourseVersion
from lms.courses.services import import_course
from lms.demo import DEMO_COMPLETION, create_demo
from tests.builders import NOW, make_user
from tests.certificates.conftest import certificate_course_files, login

ROOT = Path(__file__).resolve().parents[2]


def test_the_validity_is_read_written_and_hashed_only_when_set():
    spec = load_package_from_files(certificate_course_files(validity=730))
    assert spec.certificate_validity_days == 730
    again = load_package_from_files(dump_package(spec))
    assert again.certificate_validity_days == 730 and content_hash(again) == content_hash(spec)
    never = load_package_from_files(certificate_course_files(validity=None))
    assert never.certificate_validity_days is None
    assert b"certificate_validity_days" not in dump_package(never)["course.toml"]
    assert content_hash(never) != content_hash(spec)
    try:
        load_package_from_files(certificate_course_files(validity=0))
    except PackageInvalid as exc:
        assert "certificate_validity_days" in str(exc.problems)
    else:
        raise AssertionError("a validity of 0 days was accepted")


def test_the_metadata_form_sets_the_validity(app, build, query, world):
    author = build(lambda s: make_user(s, username="author", roles=("author",), staff_category="professional").id)
    client = login(app, build, author)
    form = {"title": "社会保险经办实务", "skill_type": "social-security", "target_level": "information",
            "language": "zh_CN", "estimated_minutes": "90", "schemes": "pension", "audience": "staff",
            "certificate_validity_days": "180"}
    assert client.post("/authoring/courses/CERT-1/metadata", data=form).status_code == 302
    refused = client.post("/authoring/courses/CERT-1/metadata", data=form | {"certificate_validity_days": "0"})
    assert refused.status_code == 400 and "36500" in refused.get_data(as_text=True)  # shown again with its error
    drafts = query(lambda s: list(s.scalars(select(CourseVersion.certificate_validity_days)
                                            .where(CourseVersion.status == "draft"))))
    assert drafts == [180]


def test_the_demo_learner_holds_a_certificate(build, query):
    build(lambda s: import_course(s, load_package(ROOT / "courses" / "ss-pension-basics"), now=NOW))
    build(lambda s: create_demo(s, now=NOW))
    build(lambda s: create_demo(s, now=NOW))  # again: nothing new
    username, code = DEMO_COMPLETION
    rows = query(lambda s: s.execute(select(Certificate.holder_name, Course.code).join(Course)
                                     .join(User, User.id == Certificate.user_id).where(User.username == username)).all())
    assert rows == [("王小红", code)]
