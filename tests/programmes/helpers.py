from __future__ import annotations

from content.programme import ProgrammeCourseSpec, ProgrammeSpec
from lms.learn import services as learning
from tests.builders import NOW, make_course


def courses(session, *codes: str):
    return {code: make_course(session, code, lessons=1, quiz=False) for code in codes}


def finish(session, user, course, now=NOW) -> None:
    """The person completes the course (enrolled, every lesson done)."""
    if learning.get_enrolment(session, user_id=user.id, course_id=course.id) is None:
        learning.enrol(session, user_id=user.id, course=course, now=now)
    for lesson in course.lessons:
        learning.complete_lesson(session, user_id=user.id, lesson=lesson, now=now)
    session.flush()


def spec(code="PG-T", *, required=("A-1", "A-2"), optional=("B-1", "B-2", "B-3"), min_optional=2, **kw):
    return ProgrammeSpec(code=code, title="测试项目", description="**项目**说明<script>x</script>",
                         courses=tuple(ProgrammeCourseSpec(c, True) for c in required)
                         + tuple(ProgrammeCourseSpec(c, False) for c in optional),
                         min_optional=min_optional, **kw)
