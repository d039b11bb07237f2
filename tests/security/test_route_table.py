"""Every route x every role -> the expected status (security.md C, D).

A new route that is not in ROUTES fails `test_every_route_is_in_the_table`.
The same walk checks that GET requests leave the database unchanged and that
every cookie-authenticated POST is refused without a CSRF token.

The world (users, a course, an attempt, ...) is built once for the module;
after each test the tables the test wrote to are put back as they were built,
and the teardown checks that every table is back to the world's rows.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from lms import create_app
from lms.assignments.services import create_assignments
from lms.auth.services import create_api_token, start_login_session
from lms.certificates.models import Certificate
from lms.classroom.services import SessionFields
from lms.classroom.services import create_session as create_classroom_session
from lms.classroom.services import sign_up as classroom_sign_up
from lms.discussion.services import ask_question, post_answer
from lms.learn import services as learning
from lms.media.services import store_image
from lms.models import Base
from lms.orgs.scope import Scope
from lms.orgs.services import create_unit
from lms.web import utcnow
from tests.authoring.images import png
from tests.builders import NOW, make_course, make_user
from tests.conftest import delete_statements, empty_tables, shared_engine, writer
from tests.surveys.conftest import make_survey

# The trainer belongs to {unit}, the learner's unit (a trainer acts in their unit's subtree).
ROLES = ("anonymous", "learner", "other_learner", "author", "manager", "trainer", "admin")
SIGNED_IN = ROLES[1:]


def everyone(status):
    return dict.fromkeys(ROLES, status)


def page(ok, others=None):
    """An HTML page for signed-in users: the anonymous are sent to log in."""
    table = {"anonymous": 302, **dict.fromkeys(SIGNED_IN, ok)}
    if others is not None:
        table.update(dict.fromkeys(("other_learner", "author", "manager", "trainer", "admin"), others))
    return table


def staff(ok, admin=None):
    """A management page: managers and administrators only (learners and authors: 403)."""
    return {"anonymous": 302, "learner": 403, "other_learner": 403, "author": 403, "manager": ok,
            "trainer": 403, "admin": ok if admin is None else admin}


def queue_staff(ok):
    """The queue: managers, trainers (of the learner's unit) and administrators."""
    return {"anonymous": 302, "learner": 403, "other_learner": 403, "author": 403, "manager": ok, "trainer": ok,
            "admin": ok}


def authoring(ok):
    """Authors and administrators only: the anonymous log in, other roles get 403."""
    return {"anonymous": 302, "learner": 403, "other_learner": 403, "manager": 403, "trainer": 403, "author": ok,
            "admin": ok}


def qa_page(ok):
    """A course's questions: the enrolled learner and the staff who read them get `ok`;
    the learner who is not enrolled and the manager 404, as if the page did not exist."""
    return {**page(ok), "other_learner": 404, "manager": 404}


def api(ok, others=None):
    table = {"anonymous": 401, **dict.fromkeys(SIGNED_IN, ok)}
    if others is not None:
        table.update(dict.fromkeys(("other_learner", "author", "manager", "trainer", "admin"), others))
    return table


def classroom_staff(ok):
    """Trainers, managers and administrators (classroom sessions in their scope); learners and authors: 403."""
    return {"anonymous": 302, "learner": 403, "other_learner": 403, "author": 403, "manager": ok, "trainer": ok,
            "admin": ok}


CONFIRMED = {"confirm": "yes"}  # destructive actions ask first (a page of their own) unless confirmed
COURSE_FORM = {"title": "养老保险入门（修订）", "skill_type": "social-security", "target_level": "information",
               "language": "zh_CN", "estimated_minutes": "30", "schemes": "pension", "audience": "staff"}


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # formatted with the world's ids
    expect: dict
    data: dict | None = None
    json: dict | None = None


# "the learner" is enrolled in course T-101 and owns attempt {attempt}; the
# other roles are not enrolled and own nothing.
ROUTES = [
    Route("catalog.index", "GET", "/", everyone(200)),
    Route("catalog.course", "GET", "/courses/T-101", everyone(200)),
    Route("health.healthz", "GET", "/healthz", everyone(200)),
    Route("static", "GET", "/static/app.css", everyone(200)),
    Route("auth.login", "GET", "/auth/login", everyone(200)),
    Route("auth.login", "POST", "/auth/login", everyone(401), data={"username": "nobody", "password": "wrong password"}),
    Route("auth.logout", "POST", "/auth/logout", page(302)),
    Route("auth.password", "GET", "/auth/password", page(200)),
    Route("auth.password", "POST", "/auth/password", page(200), data={"current": "wrong", "new": "x"}),
    Route("auth.language", "POST", "/auth/language", everyone(302), data={"language": "en"}),
    Route("auth.preferences", "GET", "/auth/preferences", page(200)),
    Route("auth.preferences", "POST", "/auth/preferences", page(302), data={"timezone": "Asia/Urumqi"}),
    Route("learn.enrol", "POST", "/courses/T-101/enrol", page(302)),
    Route("learn.lesson", "GET", "/courses/T-101/lessons/lesson-1", page(200, others=302)),
    Route("learn.complete_lesson", "POST", "/courses/T-101/lessons/lesson-1/done", page(302)),
    Route("learn.quiz", "GET", "/courses/T-101/quiz", page(200, others=302)),
    Route("learn.start_attempt", "POST", "/courses/T-101/quiz/start", page(302)),
    Route("learn.attempt", "GET", "/attempts/{attempt}", page(200, others=404)),
    Route("learn.attempt", "POST", "/attempts/{attempt}", page(302, others=404), data={}),
    Route("dashboard.my_learning", "GET", "/my", page(200)),
    Route("dashboard.offline_list", "GET", "/my/offline.json", page(200)),
    Route("dashboard.service_worker", "GET", "/sw.js", everyone(200)),
    Route("learn.move_version", "POST", "/courses/T-101/move", page(302)),
    Route("media.serve", "GET", "/media/{media}", everyone(200)),
    Route("authoring.index", "GET", "/authoring/", authoring(200)),
    Route("authoring.new_course", "GET", "/authoring/new", authoring(200)),
    Route("authoring.new_course", "POST", "/authoring/new", authoring(302), data=COURSE_FORM | {"code": "NEW-1"}),
    Route("authoring.import_package", "GET", "/authoring/import", authoring(200)),
    Route("authoring.import_package", "POST", "/authoring/import", authoring(400), data={}),
    Route("authoring.course", "GET", "/authoring/courses/T-101", authoring(200)),
    Route("authoring.metadata", "GET", "/authoring/courses/T-101/metadata", authoring(200)),
    Route("authoring.metadata", "POST", "/authoring/courses/T-101/metadata", authoring(302), data=COURSE_FORM),
    Route("authoring.new_lesson", "GET", "/authoring/courses/T-101/lessons/new", authoring(200)),
    Route("authoring.new_lesson", "POST", "/authoring/courses/T-101/lessons/new", authoring(302),
          data={"title": "第三课", "slug": "lesson-3", "body": "新的一课。"}),
    Route("authoring.lesson", "GET", "/authoring/courses/T-101/lessons/lesson-1", authoring(200)),
    Route("authoring.lesson", "POST", "/authoring/courses/T-101/lessons/lesson-1", authoring(302),
          data={"title": "第一课", "body": "修改后的内容。", "action": "save"}),
    Route("authoring.move_lesson", "POST", "/authoring/courses/T-101/lessons/lesson-1/move", authoring(302),
          data={"direction": "down"}),
    Route("authoring.delete_lesson", "POST", "/authoring/courses/T-101/lessons/lesson-2/delete", authoring(302), data=CONFIRMED),
    Route("authoring.preview_lesson", "GET", "/authoring/courses/T-101/versions/1/lessons/lesson-1", authoring(200)),
    Route("authoring.quiz", "GET", "/authoring/courses/T-101/quiz", authoring(200)),
    Route("authoring.quiz", "POST", "/authoring/courses/T-101/quiz", authoring(302),
          data={"title": "测验", "pass_mark": "70", "attempts_allowed": "2", "questions_per_attempt": "2"}),
    Route("authoring.delete_quiz", "POST", "/authoring/courses/T-101/quiz/delete", authoring(302), data=CONFIRMED),
    Route("authoring.new_question", "GET", "/authoring/courses/T-101/quiz/questions/new", authoring(200)),
    Route("authoring.new_question", "POST", "/authoring/courses/T-101/quiz/questions/new", authoring(302),
          data={"kind": "true_false", "text": "个人账户归个人所有。", "points": "1", "answer": "true"}),
    Route("authoring.question", "GET", "/authoring/courses/T-101/quiz/questions/1", authoring(200)),
    Route("authoring.question", "POST", "/authoring/courses/T-101/quiz/questions/1", authoring(302),
          data={"kind": "single", "text": "最低缴费年限？", "points": "1", "opt-0-text": "15", "opt-0-correct": "y",
                "opt-1-text": "10"}),
    Route("authoring.move_question", "POST", "/authoring/courses/T-101/quiz/questions/1/move", authoring(302),
          data={"direction": "down"}),
    Route("authoring.delete_question", "POST", "/authoring/courses/T-101/quiz/questions/1/delete", authoring(302), data=CONFIRMED),
    Route("authoring.gift", "GET", "/authoring/courses/T-101/quiz/gift", authoring(200)),
    Route("authoring.gift", "POST", "/authoring/courses/T-101/quiz/gift", authoring(200), data={"text": "Q? {=a ~b}"}),
    Route("authoring.images", "GET", "/authoring/courses/T-101/images", authoring(200)),
    Route("authoring.images", "POST", "/authoring/courses/T-101/images", authoring(400), data={}),
    Route("authoring.submit", "POST", "/authoring/courses/T-101/submit", authoring(302)),
    Route("authoring.review", "GET", "/authoring/courses/T-101/review", authoring(200)),
    Route("authoring.approve", "POST", "/authoring/courses/T-101/approve", authoring(302), data={"comment": ""}),
    Route("authoring.return_version", "POST", "/authoring/courses/T-101/return", authoring(302), data={"comment": "x"}),
    Route("authoring.withdraw_review", "POST", "/authoring/courses/T-101/withdraw-review", authoring(302)),
    Route("authoring.archive", "POST", "/authoring/courses/T-101/archive", authoring(302), data=CONFIRMED),
    Route("authoring.discard", "POST", "/authoring/courses/T-101/discard", authoring(302), data=CONFIRMED),
    Route("authoring.export", "GET", "/authoring/courses/T-101/versions/1/export", authoring(200)),
    Route("authoring.export_gift", "GET", "/authoring/courses/T-101/versions/1/quiz.gift", authoring(200)),
    Route("api.openapi", "GET", "/api/v1/openapi.json", everyone(200)),
    Route("api.courses", "GET", "/api/v1/courses", everyone(200)),
    Route("api.catalog_matrix", "GET", "/api/v1/catalog/matrix", everyone(200)),
    Route("api.course_detail", "GET", "/api/v1/courses/T-101", everyone(200)),
    Route("api.enrol", "POST", "/api/v1/courses/T-101/enrolment", api(200, others=201), json={}),
    Route("api.enrolment", "GET", "/api/v1/courses/T-101/enrolment", api(200, others=404)),
    Route("api.lesson", "GET", "/api/v1/courses/T-101/lessons/lesson-1", api(200, others=403)),
    Route("api.complete_lesson", "POST", "/api/v1/courses/T-101/lessons/lesson-1/completion", api(200, others=403), json={}),
    Route("api.start_attempt", "POST", "/api/v1/courses/T-101/quiz/attempts", api(200, others=403), json={}),
    Route("api.attempt", "GET", "/api/v1/attempts/{attempt}", api(200, others=404)),
    Route("api.submit_attempt", "POST", "/api/v1/attempts/{attempt}/submission", api(200, others=404), json={"answers": {}}),
    Route("api.me", "GET", "/api/v1/me", api(200)),
    Route("api.my_learning", "GET", "/api/v1/me/learning", api(200)),
    # org units, people, assigned training (the manager manages the unit {unit}, where the learner is)
    Route("people.users", "GET", "/admin/users", staff(200)),
    Route("people.user", "GET", "/admin/users/{learner}", staff(200)),
    Route("people.user", "POST", "/admin/users/{learner}", staff(200), data={}),
    Route("people.deactivate", "POST", "/admin/users/{learner}/deactivate", staff(302), data=CONFIRMED),
    Route("people.reset_password", "POST", "/admin/users/{learner}/reset-password", staff(200)),
    Route("people.import_users", "GET", "/admin/users/import", staff(403, admin=200)),
    Route("people.import_users", "POST", "/admin/users/import", staff(403, admin=200), data={}),
    Route("people.settings", "GET", "/admin/settings", staff(403, admin=200)),
    Route("people.settings", "POST", "/admin/settings", staff(403, admin=302), data={}),
    Route("orgs.index", "GET", "/admin/org-units", staff(200)),
    Route("orgs.new", "GET", "/admin/org-units/new", staff(403, admin=200)),
    Route("orgs.new", "POST", "/admin/org-units/new", staff(403, admin=200), data={}),
    Route("orgs.unit", "GET", "/admin/org-units/{unit}", staff(200)),
    Route("orgs.edit", "POST", "/admin/org-units/{unit}/edit", staff(403, admin=302), data={}),
    Route("orgs.headcount", "POST", "/admin/org-units/{unit}/headcounts", staff(403, admin=302), data={}),
    Route("orgs.move", "GET", "/admin/org-units/{unit}/move", staff(403, admin=200)),
    Route("orgs.move", "POST", "/admin/org-units/{unit}/move", staff(403, admin=302), data={}),
    Route("orgs.import_units", "GET", "/admin/org-units/import", staff(403, admin=200)),
    Route("orgs.import_units", "POST", "/admin/org-units/import", staff(403, admin=200), data={}),
    Route("assignments.assignments", "GET", "/manage/assignments", staff(200)),
    Route("assignments.new_assignment", "GET", "/manage/assignments/new", staff(200)),
    Route("assignments.new_assignment", "POST", "/manage/assignments/new", staff(200), data={}),
    Route("assignments.assignment", "GET", "/manage/assignments/{assignment}", staff(200)),
    Route("assignments.cancel", "POST", "/manage/assignments/{assignment}/cancel", staff(302), data=CONFIRMED),
    Route("people.registrations", "GET", "/admin/registrations", staff(200)),
    Route("people.approve", "POST", "/admin/registrations/{pending}/approve", staff(302)),
    Route("people.reject", "POST", "/admin/registrations/{pending}/reject", staff(302)),
    # Self-registration is closed by default (404); signed-in people are sent to My learning.
    Route("registration.register", "GET", "/auth/register", {"anonymous": 404, **dict.fromkeys(SIGNED_IN, 302)}),
    Route("registration.register", "POST", "/auth/register", {"anonymous": 404, **dict.fromkeys(SIGNED_IN, 302)},
          data={}),
    # Reports (issue 5): managers and administrators; the learner's transcript also
    # for the learner; the report API is bearer-only like the rest of /api/v1.
    Route("reports.index", "GET", "/reports/", staff(302)),
    Route("reports.coverage", "GET", "/reports/coverage", staff(200)),
    Route("reports.coverage", "GET", "/reports/coverage?unit={unit}&start=2026-01&end=2026-03&category=staff", staff(200)),
    Route("reports.coverage_export", "GET", "/reports/coverage.csv?table=units&unit={unit}", staff(200)),
    Route("reports.coverage_export", "GET", "/reports/coverage.xlsx?table=matrix", staff(200)),
    Route("reports.courses", "GET", "/reports/courses?unit={unit}", staff(200)),
    Route("reports.courses_export", "GET", "/reports/courses.xlsx", staff(200)),
    Route("reports.course", "GET", "/reports/courses/T-101", staff(200)),
    Route("reports.course_export", "GET", "/reports/courses/T-101/units.csv", staff(200)),
    Route("reports.learners", "GET", "/reports/learners?q=learn", staff(200)),
    Route("reports.learners_export", "GET", "/reports/learners.csv", staff(200)),
    Route("reports.my_transcript", "GET", "/reports/transcript", page(302)),
    Route("reports.transcript", "GET", "/reports/learners/{learner}", page(200, others=404) | {"manager": 200, "admin": 200}),
    Route("reports.transcript_export", "GET", "/reports/learners/{learner}/transcript.xlsx",
          page(200, others=404) | {"manager": 200, "admin": 200}),
    Route("reports_api.coverage", "GET", "/api/v1/reports/coverage?unit={unit}", api(403) | {"manager": 200, "admin": 200}),
    Route("reports_api.courses", "GET", "/api/v1/reports/courses", api(403) | {"manager": 200, "admin": 200}),
    Route("reports_api.course", "GET", "/api/v1/reports/courses/T-101", api(403) | {"manager": 200, "admin": 200}),
    Route("reports_api.transcript", "GET", "/api/v1/reports/learners/{learner}/transcript",
          api(403) | {"manager": 200, "admin": 200}),
    # training-needs surveys (issue 14): {survey} is open, asks the staff of {unit} (the learner), built there
    Route("surveys.index", "GET", "/surveys/", staff(200)),
    Route("surveys.new", "GET", "/surveys/new", staff(200)),
    Route("surveys.new", "POST", "/surveys/new", staff(200), data={}),
    Route("surveys.survey", "GET", "/surveys/{survey}", staff(200)),
    Route("surveys.edit", "GET", "/surveys/{survey}/edit", staff(200)),
    Route("surveys.edit", "POST", "/surveys/{survey}/edit", staff(200), data={}),
    Route("surveys.new_topic", "GET", "/surveys/{survey}/topics/new", staff(200)),
    Route("surveys.new_topic", "POST", "/surveys/{survey}/topics/new", staff(200), data={}),
    Route("surveys.topic", "GET", "/surveys/{survey}/topics/{topic}", staff(200)),
    Route("surveys.topic", "POST", "/surveys/{survey}/topics/{topic}", staff(200), data={}),
    Route("surveys.delete_topic", "POST", "/surveys/{survey}/topics/{topic}/delete", staff(302)),
    Route("surveys.move_topic", "POST", "/surveys/{survey}/topics/{topic}/move", staff(302), data={"direction": "up"}),
    Route("surveys.open_survey", "POST", "/surveys/{survey}/open", staff(302)),
    Route("surveys.close_survey", "POST", "/surveys/{survey}/close", staff(302)),
    Route("surveys.version", "GET", "/surveys/{survey}/versions/1", staff(200)),
    Route("surveys.import_responses", "GET", "/surveys/{survey}/import", staff(200)),
    Route("surveys.import_responses", "POST", "/surveys/{survey}/import", staff(200), data={}),
    Route("surveys.import_template", "GET", "/surveys/{survey}/import/template.csv", staff(200)),
    Route("surveys.needs_page", "GET", "/surveys/{survey}/needs?unit={unit}&category=staff", staff(200)),
    Route("surveys.needs_export", "GET", "/surveys/{survey}/needs.csv?table=units", staff(200)),
    Route("surveys.needs_export", "GET", "/surveys/{survey}/needs.xlsx?table=cells", staff(200)),
    Route("surveys.answer", "GET", "/surveys/{survey}/answer", page(200, others=403)),
    Route("surveys.answer", "POST", "/surveys/{survey}/answer", page(302, others=403), data={}),
    Route("surveys_api.surveys", "GET", "/api/v1/surveys", api(403) | {"manager": 200, "admin": 200}),
    Route("surveys_api.survey_needs", "GET", "/api/v1/surveys/{survey}/needs", api(403) | {"manager": 200, "admin": 200}),
    # Programmes (issue 16): PG-RT is published (T-101 and T-102 required), PG-DRAFT a draft.
    Route("programmes.index", "GET", "/programmes", everyone(200)),
    Route("programmes.programme", "GET", "/programmes/PG-RT", everyone(200)),
    Route("programmes.authoring_index", "GET", "/authoring/programmes", authoring(200)),
    Route("programmes.new", "GET", "/authoring/programmes/new", authoring(200)),
    Route("programmes.new", "POST", "/authoring/programmes/new", authoring(302),
          data={"code": "PG-NEW", "title": "新项目", "courses": "T-101", "min_optional": "0"}),
    Route("programmes.authoring", "GET", "/authoring/programmes/PG-RT", authoring(200)),
    Route("programmes.edit", "GET", "/authoring/programmes/PG-DRAFT/edit", authoring(200)),
    Route("programmes.edit", "POST", "/authoring/programmes/PG-DRAFT/edit", authoring(302),
          data={"title": "草稿项目", "courses": "T-101\nT-102 optional", "min_optional": "1"}),
    Route("programmes.submit", "POST", "/authoring/programmes/PG-DRAFT/submit", authoring(302)),
    Route("programmes.approve", "POST", "/authoring/programmes/PG-RT/approve", authoring(302)),
    Route("programmes.return_to_authors", "POST", "/authoring/programmes/PG-RT/return", authoring(302),
          data={"comment": "请修改"}),
    Route("programmes.archive", "POST", "/authoring/programmes/PG-RT/archive", authoring(302)),
    Route("programmes.reopen", "POST", "/authoring/programmes/PG-RT/reopen", authoring(302)),
    Route("programmes.export", "GET", "/authoring/programmes/PG-RT/programme.toml", authoring(200)),
    Route("programmes.import_package", "POST", "/authoring/programmes/import", authoring(400), data={}),
    Route("reports.programmes", "GET", "/reports/programmes", staff(200)),
    Route("reports.programme", "GET", "/reports/programmes/PG-RT?profession=trainer", staff(200)),
    Route("reports.programme_export", "GET", "/reports/programmes/PG-RT.csv?table=people", staff(200)),
    Route("reports.programme_export", "GET", "/reports/programmes/PG-RT.xlsx?table=units&category=staff", staff(200)),
    # course questions and answers (issue 15): the learner asked {question} in T-101, the author answered {answer};
    # only the enrolled, authors, trainers and administrators read (others: 404); authors and administrators moderate
    Route("discussion.index", "GET", "/courses/T-101/questions", qa_page(200)),
    Route("discussion.ask", "GET", "/courses/T-101/questions/new", qa_page(302) | {"learner": 200}),
    Route("discussion.ask", "POST", "/courses/T-101/questions/new", qa_page(302), data={"title": "缴费基数怎么定？", "body": "请问。"}),
    Route("discussion.question", "GET", "/courses/T-101/questions/{question}", qa_page(200)),
    Route("discussion.answer", "POST", "/courses/T-101/questions/{question}/answers", qa_page(302), data={"body": "见第一课。"}),
    Route("discussion.accept", "POST", "/courses/T-101/questions/{question}/answers/{answer}/accept",
          qa_page(302) | {"trainer": 403}),
    Route("discussion.moderate_question", "POST", "/courses/T-101/questions/{question}/hide",
          qa_page(302) | {"learner": 403, "trainer": 403}, data={"reason": "重复"}),
    Route("discussion.moderate_answer", "POST", "/courses/T-101/questions/{question}/answers/{answer}/hide",
          qa_page(302) | {"learner": 403, "trainer": 403}, data={"reason": "广告"}),
    Route("discussion.unanswered", "GET", "/discussion/unanswered", authoring(200)),
    # classroom sessions (issue 15): {session} is held by {unit}, the trainer runs it, starts in a week, the learner is booked
    Route("classroom.index", "GET", "/classroom/", page(200)),
    Route("classroom.index", "GET", "/classroom/?course=T-101", page(200)),
    Route("classroom.new", "GET", "/classroom/new?course=T-101", classroom_staff(200)),
    Route("classroom.new", "POST", "/classroom/new", classroom_staff(200), data={}),
    Route("classroom.session_page", "GET", "/classroom/sessions/{session}", page(200)),
    Route("classroom.edit", "GET", "/classroom/sessions/{session}/edit", classroom_staff(200)),
    Route("classroom.edit", "POST", "/classroom/sessions/{session}/edit", classroom_staff(200), data={}),
    Route("classroom.cancel", "POST", "/classroom/sessions/{session}/cancel", classroom_staff(302), data=CONFIRMED),
    Route("classroom.signup", "POST", "/classroom/sessions/{session}/signup", page(302)),
    Route("classroom.withdraw", "POST", "/classroom/sessions/{session}/withdraw", page(302)),
    Route("classroom.attendance", "POST", "/classroom/sessions/{session}/attendance", classroom_staff(302), data={}),
    Route("classroom.import_attendance", "GET", "/classroom/sessions/{session}/attendance/import", classroom_staff(200)),
    Route("classroom.import_attendance", "POST", "/classroom/sessions/{session}/attendance/import", classroom_staff(200),
          data={}),
    Route("classroom.ics", "GET", "/classroom/sessions/{session}.ics", page(200)),
    Route("classroom.queue", "GET", "/classroom/queue", classroom_staff(200)),
    # xAPI statements (issue 16): everyone reads their own, managers their scope; the download is for managers
    Route("xapi_api.statements", "GET", "/api/v1/xapi/statements", api(200)),
    Route("xapi_api.statements", "GET", "/api/v1/xapi/statements?verb=completed&user={learner}&limit=5", api(200)),
    Route("xapi.download", "GET", "/xapi/statements.json", staff(200)),
    # on-the-job tasks, evaluations, essays and the queue (issue 15): the learner is enrolled in T-EV, has a
    # report {submission} (with an image) waiting and an essay answer {essay} awaiting grading
    Route("evaluations.tasks", "GET", "/courses/T-EV/tasks", page(200, others=404)),
    Route("evaluations.submit", "POST", "/courses/T-EV/tasks/visit", page(302, others=404), data={"report": "报告"}),
    Route("evaluations.attachment", "GET", "/task-reports/{submission}/attachment",
          page(200, others=404) | {"manager": 200, "trainer": 200, "admin": 200}),
    Route("evaluations.queue", "GET", "/queue", queue_staff(200)),
    Route("evaluations.mark", "GET", "/queue/tasks/{submission}", queue_staff(200)),
    Route("evaluations.mark", "POST", "/queue/tasks/{submission}", queue_staff(302), data={"result": "done"}),
    Route("evaluations.evaluate", "GET", "/queue/evaluations/{evaluation_course}/{learner}", queue_staff(200)),
    Route("evaluations.evaluate", "POST", "/queue/evaluations/{evaluation_course}/{learner}", queue_staff(302),
          data={"result": "not_yet"}),
    Route("evaluations.grade", "GET", "/queue/essays/{essay}", queue_staff(200)),
    Route("evaluations.grade", "POST", "/queue/essays/{essay}", queue_staff(302), data={"points": "0"}),
    Route("authoring.activities", "GET", "/authoring/courses/T-101/activities", authoring(200)),
    Route("authoring.activities", "POST", "/authoring/courses/T-101/activities", authoring(302),
          data={"lessons": "y", "sessions": "1", "tasks": "y"}),
    Route("authoring.new_task", "GET", "/authoring/courses/T-101/tasks/new", authoring(200)),
    Route("authoring.new_task", "POST", "/authoring/courses/T-101/tasks/new", authoring(302),
          data={"title": "走访", "slug": "visit", "instructions": "走访一家参保单位。"}),
    Route("authoring.task", "GET", "/authoring/courses/T-EV/tasks/visit", authoring(200)),
    Route("authoring.task", "POST", "/authoring/courses/T-EV/tasks/visit", authoring(302),
          data={"title": "走访", "instructions": "走访两家参保单位。"}),
    Route("authoring.delete_task", "POST", "/authoring/courses/T-EV/tasks/visit/delete", authoring(302),
          data=CONFIRMED),
    Route("authoring.evaluation", "POST", "/authoring/courses/T-101/evaluation", authoring(302),
          data={"title": "考核", "instructions": "现场考核。", "max_score": "10"}),
    Route("authoring.delete_evaluation", "POST", "/authoring/courses/T-EV/evaluation/delete", authoring(302),
          data=CONFIRMED),
    # training recorded from elsewhere (issue 15): managers, trainers (in their subtree) and administrators
    Route("recorded.index", "GET", "/records/?course=1&q=x&since=2026-01-01&until=2026-12-31&page=2",
          staff(200) | {"trainer": 200}),
    Route("recorded.new", "GET", "/records/new", staff(200) | {"trainer": 200}),
    Route("recorded.new", "POST", "/records/new", staff(200) | {"trainer": 200},
          data={"course": "T-101", "usernames": "learner", "completed_on": "2026-01-15", "place": "市培训中心",
                "evidence": "签到表第1号"}),
    Route("recorded.import_csv", "GET", "/records/import", staff(200) | {"trainer": 200}),
    Route("recorded.import_csv", "POST", "/records/import", staff(200) | {"trainer": 200}, data={}),
    Route("recorded.template_csv", "GET", "/records/template.csv", staff(200) | {"trainer": 200}),
    # certificates (issue 16): {certificate} is the learner's (course T-102 completed), in the manager's unit
    Route("certificates.certificate", "GET", "/certificates/{certificate}", page(200, others=404) | {"manager": 200, "admin": 200}),
    Route("certificates.certificate_pdf", "GET", "/certificates/{certificate}.pdf",
          page(200, others=404) | {"manager": 200, "admin": 200}),
    Route("certificates.revoke", "POST", "/certificates/{certificate}/revoke", staff(302),
          data={"reason": "Issued by mistake"}),
    Route("certificates.verify", "GET", "/verify/{certificate}", everyone(200)),
    Route("reports.certificate_list", "GET", "/reports/certificates?unit={unit}&status=valid", staff(200)),
    Route("reports.certificates_export", "GET", "/reports/certificates.csv?course=T-102", staff(200)),
    Route("reports.certificates_export", "GET", "/reports/certificates.xlsx", staff(200)),
    Route("api.my_certificates", "GET", "/api/v1/me/certificates", api(200)),
    Route("authoring.due_for_review", "GET", "/authoring/due-for-review", authoring(200)),
]


def _route_keys(app) -> set[tuple[str, str]]:
    keys = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            keys.add((rule.endpoint, method))
    return keys


def test_every_route_is_in_the_table(app):
    assert _route_keys(app) == {(r.endpoint, r.method) for r in ROUTES}


def test_every_view_declares_who_may_reach_it(app):
    """Each view carries a decorator of lms.permissions (static files are public)."""
    missing = [endpoint for endpoint, view in app.view_functions.items()
               if endpoint != "static" and not getattr(view, "access_rule", None)]
    assert missing == []


@pytest.fixture(scope="module")
def route_config(database_url, tmp_path_factory) -> dict:
    """The apps of this module share one media folder: the world's image lives there."""
    media = tmp_path_factory.mktemp("route-table-media")
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "MEDIA_FOLDER": str(media),
        "ENVIRON": {"LMS_DATABASE_URL": database_url, "LMS_SECRET_KEY": "test-secret-key"},
    }


@pytest.fixture(scope="module")
def app(route_config):
    """One app for the module (its content cache keys on version id and
    publication time, so a restored world can never be served stale)."""
    return create_app(route_config)


def _build_world(app, db, now):
    learner = make_user(db, username="learner")
    users = {
        "learner": learner,
        "other_learner": make_user(db, username="other"),
        "author": make_user(db, username="author", roles=("author",), staff_category="professional"),
        "manager": make_user(db, username="manager", roles=("manager",), staff_category="manager"),
        "trainer": make_user(db, username="trainer", roles=("trainer",), staff_category="professional"),
        "admin": make_user(db, username="admin", roles=("admin",), staff_category="manager"),
    }
    course = make_course(db, "T-101")
    learning.enrol(db, user_id=learner.id, course=course, now=now)
    # The manager manages the org unit of the learner; an assignment and a pending registration there.
    unit = create_unit(db, code="RT", name="Route-table city", level="city", kind="social_insurance", parent_id=None)
    learner.org_unit_id = users["manager"].org_unit_id = users["trainer"].org_unit_id = unit.id
    assignment = create_assignments(db, course_ids=[course.id], org_unit_id=unit.id, categories=["staff"],
                                    due_on=now.date(), created_by_id=None, now=now)[0]
    pending = make_user(db, username="pending", org_unit_id=unit.id, status="pending")
    pending.self_registered = True  # only a self-registration can be rejected
    attempt = learning.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=now)
    survey = make_survey(db, unit.id, categories=("staff",), now=utcnow())  # open today; asks the learner
    classroom_session = create_classroom_session(db, SessionFields(
        course_id=course.id, title="面授", instructions="带上身份证。", starts_at=utcnow() + timedelta(days=7),
        ends_at=utcnow() + timedelta(days=7, hours=3), place="201室", org_unit_id=unit.id,
        trainer_id=users["trainer"].id, capacity=5), scope=Scope(everything=True), user_id=None, now=now)
    classroom_sign_up(db, classroom_session, user_id=learner.id, by_id=learner.id, now=now)
    image = store_image(db, app.config["MEDIA_FOLDER"], data=png(), filename="chart.png", now=now, course_id=course.id)
    _build_programmes(db, now)
    activities = _activities_world(app, db, learner, now)
    question = ask_question(db, course_id=course.id, user_id=learner.id, title="养老金怎么算？", body="", now=now)
    answer = post_answer(db, question=question, user_id=users["author"].id, body="见第二课。", now=now)
    done = make_course(db, "T-102", lessons=1, quiz=False)  # the learner completed it: a certificate
    learning.enrol(db, user_id=learner.id, course=done, now=now)
    learning.complete_lesson(db, user_id=learner.id, lesson=done.lessons[0], now=now)
    certificate = db.scalar(select(Certificate).where(Certificate.user_id == learner.id, Certificate.course_id == done.id))
    real_now = utcnow()  # login sessions age by the server clock
    sessions = {role: start_login_session(db, user=user, now=real_now) for role, user in users.items()}
    tokens = {role: create_api_token(db, user=user, now=real_now) for role, user in users.items()}
    db.commit()
    return {"attempt": attempt.id, "media": image.name, "sessions": sessions, "tokens": tokens, "learner": learner.id, "unit": unit.id,
            "assignment": assignment.id, "pending": pending.id,
            "survey": survey.id, "topic": survey.topics[0].id, "question": question.id, "answer": answer.id,
            "session": classroom_session.id, "certificate": certificate.code, **activities}


def _activities_world(app, db, learner, now) -> dict:
    """Course T-EV (issue 15): a task, an evaluation and an essay question; the
    learner's report waits for its mark and their essay for its grade."""
    from lms.evaluations import services as evaluations
    from lms.learn.models import AttemptAnswer
    from tests.evaluations.conftest import ESSAY_QUIZ, make_activity_course

    course = make_activity_course(db, "T-EV", tasks=True, evaluation=True, quiz_toml=ESSAY_QUIZ)
    learning.enrol(db, user_id=learner.id, course=course, now=now)
    report = evaluations.submit_task(db, user_id=learner.id, course_id=course.id, slug="visit", report="报告",
                                     attachment=(png(), "photo.png"), now=now,
                                     folder=evaluations.attachment_folder_of(app.config, app.instance_path))
    attempt = learning.start_attempt(db, user_id=learner.id, quiz=course.quiz, now=now)
    essay = next(e for e in attempt.layout if not e["o"])
    learning.submit_attempt(db, user_id=learner.id, attempt_id=attempt.id, raw_answers={essay["t"]: "流程"}, now=now)
    answer = db.scalar(select(AttemptAnswer.id).where(AttemptAnswer.state == "awaiting_grading"))
    return {"evaluation_course": course.id, "submission": report.id, "essay": answer}


def _build_programmes(db, now):
    from content.programme import ProgrammeCourseSpec, ProgrammeSpec
    from lms.programmes.services import import_programme

    make_course(db, "T-102")
    both = (ProgrammeCourseSpec("T-101"), ProgrammeCourseSpec("T-102"))
    import_programme(db, ProgrammeSpec("PG-RT", "路线项目", courses=both, professions=("trainer",)), now=now,
                     publish=True)
    import_programme(db, ProgrammeSpec("PG-DRAFT", "草稿项目", courses=both[:1]), now=now, publish=False)


_WRITE = re.compile(r'\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_READ = re.compile(r"\s*(?:SELECT|WITH|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|PRAGMA|SHOW|SET)\b", re.IGNORECASE)


class Writes:
    """The tables written to by any statement of this process (every engine)."""

    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.unknown = False  # a statement we cannot place: restore everything

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        tables = _WRITE.findall(statement)
        if tables:
            self.tables.update(name.lower() for name in tables)
        elif not _READ.match(statement):
            self.unknown = True

    def take(self) -> set[str] | None:
        taken = None if self.unknown else self.tables
        self.tables, self.unknown = set(), False
        return taken


_CHILDREN: dict[str, set[str]] = {t.name: set() for t in Base.metadata.sorted_tables}
for _table in Base.metadata.sorted_tables:
    for _fk in _table.foreign_keys:
        if _fk.column.table is not _table:
            _CHILDREN[_fk.column.table.name].add(_table.name)


def _with_children(names: set[str]) -> set[str]:
    """Deleting a parent's rows cascades to (or is restricted by) its children's."""
    todo, seen = list(names), set(names)
    while todo:
        for child in _CHILDREN.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


class Snapshot:
    """Every row of every table and the id sequences (PostgreSQL), as built."""

    def __init__(self, conn) -> None:
        self.rows = {t.name: [dict(r) for r in conn.execute(select(t)).mappings()] for t in Base.metadata.sorted_tables}
        self.sequences = []
        if conn.dialect.name == "postgresql":
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key:
                    seq = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table.name}', 'id')").scalar()
                    if seq:
                        last, called = conn.exec_driver_sql(f"SELECT last_value, is_called FROM {seq}").one()
                        self.sequences.append(f"setval('{seq}', {last}, {str(called).lower()})")

    def restore(self, conn, names: set[str] | None) -> None:
        names = set(self.rows) if names is None else _with_children(names & set(self.rows))
        for statement in delete_statements(names):
            conn.exec_driver_sql(statement)
        for table in Base.metadata.sorted_tables if names else ():
            if table.name in names and self.rows[table.name]:
                conn.execute(table.insert(), self.rows[table.name])
        if self.sequences:
            conn.exec_driver_sql("SELECT " + ", ".join(self.sequences))


@pytest.fixture(scope="module")
def built_world(app, database_url):
    """The world, built once; yields it with its snapshot and the write watch."""
    database = app.extensions["lms_db"]
    session = database.session(write=True)
    try:
        world = _build_world(app, session, NOW)
    finally:
        session.close()
    media = Path(app.config["MEDIA_FOLDER"])
    saved_media = media.with_name(media.name + "-saved")
    shutil.copytree(media, saved_media)
    with database.engine.connect() as conn:
        snapshot = Snapshot(conn)
        digest = fingerprint(conn, skip=())
        conn.rollback()
    writes = Writes()
    event.listen(Engine, "before_cursor_execute", writes)
    try:
        yield world, snapshot, digest, writes, media, saved_media
    finally:
        event.remove(Engine, "before_cursor_execute", writes)
        empty_tables(database_url)


@pytest.fixture
def world(built_world, database_url):
    """The module's world for one test; afterwards, what the test wrote is put back."""
    world, snapshot, digest, writes, media, saved_media = built_world
    writes.take()
    yield world
    written = writes.take()
    with writer(database_url).begin() as conn:
        snapshot.restore(conn, written)
    writes.take()  # the restore's own statements
    shutil.rmtree(media)
    shutil.copytree(saved_media, media)
    with shared_engine(database_url).connect() as conn:
        assert fingerprint(conn, skip=()) == digest, "the world was not restored"
        conn.rollback()


def _client_for(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        with client.session_transaction() as s:
            s["_user_id"], s["_fresh"], s["seen"] = world["sessions"][role], True, int(time.time())
    return client


def _call(client, world, role, route: Route, *, with_token=True):
    headers = {}
    if route.path.startswith("/api/") and role != "anonymous" and with_token:
        headers["Authorization"] = f"Bearer {world['tokens'][role]}"
    return client.open(route.path.format(**world), method=route.method, headers=headers,
                       data=route.data, json=route.json)


def fingerprint(session, *, skip=("audit_events",)) -> str:
    """A digest of every row of every table (but the audit log)."""
    digest = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        if table.name in skip:
            continue
        for row in session.execute(select(table).order_by(*table.primary_key.columns)):
            digest.update(repr(tuple(row)).encode())
    session.rollback()
    return digest.hexdigest()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.endpoint}")
def test_route_answers_each_role_as_expected(app, db, world, route, role):
    client = _client_for(app, world, role)
    before = fingerprint(db) if route.method == "GET" else None
    response = _call(client, world, role, route)
    response.close()  # static files are streamed from an open file
    assert response.status_code == route.expect[role], response.get_data(as_text=True)[:500]
    if response.status_code == 302 and route.expect[role] == 302 and role == "anonymous" and route.expect["learner"] != 302:
        assert response.headers["Location"].startswith("/auth/login")
    if route.method == "GET":
        assert fingerprint(db) == before, "a GET changed the database"
    _assert_security_headers(response)


def _assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy")


@pytest.fixture(scope="module")
def csrf_app(route_config):
    return create_app({**route_config, "WTF_CSRF_ENABLED": True})


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "POST" and not r.path.startswith("/api/")],
                         ids=lambda r: r.endpoint)
def test_every_cookie_post_needs_a_csrf_token(csrf_app, db, world, route):
    client = _client_for(csrf_app, world, "learner")
    before = fingerprint(db)
    response = _call(client, world, "learner", route)
    assert response.status_code == 400
    assert fingerprint(db) == before


def test_api_ignores_session_cookies(app, db, world):
    """The API authenticates by bearer token only: a browser's cookie is no credential there,
    so a forged cross-site request cannot act through it."""
    client = _client_for(app, world, "learner")
    assert client.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/courses/T-101/enrolment", json={}).status_code == 401
