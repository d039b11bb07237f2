"""Authors add on-the-job tasks, the manager evaluation and completion rules to
a draft; the exported package holds them and imports back to the same content."""
from __future__ import annotations

import io
import zipfile

from sqlalchemy import select

from content import load_package_zip
from content.spec import CompletionSpec
from lms.courses import services as catalog
from lms.courses.models import Course, CourseEvent, CourseVersion
from tests.builders import make_course, make_user
from tests.web.helpers import login
from tests.web.helpers import text as page_text


def draft(query, code="A-1") -> CourseVersion:
    def read(s):
        course = s.scalar(select(Course).where(Course.code == code))
        version = catalog.open_version(s, course.id)
        return version, catalog.version_spec(version) if version is not None else None

    return query(read)


def test_author_edits_tasks_evaluation_and_rules_and_the_package_round_trips(client, build, query):
    build(lambda s: (make_course(s, "A-1"), make_user(s, username="author", roles=("author",),
                                                      staff_category="professional")))
    login(client, "author")
    assert client.post("/authoring/courses/A-1/tasks/new",
                       data={"title": "走访", "slug": "Bad slug!", "instructions": "走访。"}).status_code == 400
    assert draft(query)[0] is None  # refused: nothing changed, no draft started
    client.post("/authoring/courses/A-1/tasks/new",
                data={"title": "走访参保单位", "slug": "visit", "instructions": "走访一家参保单位，**核对**缴费人员比例。"})
    client.post("/authoring/courses/A-1/tasks/visit", data={"title": "走访两家参保单位", "instructions": "走访两家。"})
    client.post("/authoring/courses/A-1/evaluation",
                data={"title": "实务考核", "instructions": "负责人现场考核。", "max_score": "20"})
    client.post("/authoring/courses/A-1/activities", data={"lessons": "y", "sessions": "2", "tasks": "y",
                                                          "evaluation": "y"})
    page = page_text(client.get("/authoring/courses/A-1/activities"))
    assert "走访两家参保单位" in page and "实务考核" in page
    _version, spec = draft(query)
    assert [(t.slug, t.title, t.instructions_md) for t in spec.tasks] == [("visit", "走访两家参保单位", "走访两家。")]
    assert spec.evaluation.max_score == 20 and spec.completion == CompletionSpec(quiz=False, sessions=2)

    number = draft(query)[0].number
    exported = client.get(f"/authoring/courses/A-1/versions/{number}/export").data
    names = zipfile.ZipFile(io.BytesIO(exported)).namelist()
    assert any(n.endswith("tasks/visit.md") for n in names)
    again = load_package_zip(exported)
    assert again.tasks == spec.tasks and again.evaluation == spec.evaluation and again.completion == spec.completion

    asked = page_text(client.post("/authoring/courses/A-1/tasks/visit/delete"))
    assert "Remove this task from the draft?" in asked or "删除" in asked
    assert [t.slug for t in draft(query)[1].tasks] == ["visit"]  # asked first: nothing removed yet
    client.post("/authoring/courses/A-1/tasks/visit/delete", data={"confirm": "yes"})
    client.post("/authoring/courses/A-1/evaluation/delete", data={"confirm": "yes"})
    _version, spec = draft(query)
    assert spec.tasks == () and spec.evaluation is None
    trail = query(lambda s: s.scalars(select(CourseEvent.detail).where(CourseEvent.action == "activities_edited")
                                      .order_by(CourseEvent.id)).all())
    assert trail[0] == "task visit added" and trail[-1] == "evaluation removed" and len(trail) == 6
