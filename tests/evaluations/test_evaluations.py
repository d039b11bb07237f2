"""On-the-job tasks, manager evaluations, essay grading, completion rules and
the queue (issue 15), through the services and the Flask client."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from content import load_package_from_files
from content.loader import dump_package
from content.spec import CompletionSpec, content_hash
from lms import events
from lms.courses import services as catalog
from lms.courses.models import Course
from lms.evaluations import services
from lms.evaluations.models import EssayGrade, EvaluationRecord, TaskSubmission
from lms.learn import services as learning
from lms.learn.models import AttemptAnswer, CourseCompletion, QuizAttempt
from lms.orgs.models import OrgUnit
from lms.orgs.scope import staff_scope
from lms.reports import services as reports
from lms.reports.services import Period
from tests.authoring.images import png
from tests.builders import NOW
from tests.evaluations.conftest import ESSAY_QUIZ, activity_files, do_lessons, make_activity_course
from tests.reports.test_counters import raw_figures, report_figures
from tests.web.helpers import login
from tests.web.helpers import text as page_text

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def completed(query, user_id: int, course_id: int) -> bool:
    return query(lambda s: s.scalar(select(CourseCompletion.id).where(
        CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id))) is not None


def submit(client, report="我走访了一家单位，核对了缴费人员比例。", **files):
    data = {"report": report, **{k: (io.BytesIO(v[0]), v[1]) for k, v in files.items()}}
    return client.post("/courses/E-1/tasks/visit", data=data, content_type="multipart/form-data")


def waiting_submission(query, user_id: int) -> int:
    return query(lambda s: s.scalar(select(TaskSubmission.id).where(TaskSubmission.user_id == user_id,
                                                                    TaskSubmission.status == "submitted")))


# ---- packages ----------------------------------------------------------------------

def test_package_with_tasks_evaluation_and_rules_round_trips(db):
    files = activity_files("E-9", tasks=True, evaluation=True, completion="quiz = false\nsessions = 2")
    spec = load_package_from_files(files)
    assert [t.slug for t in spec.tasks] == ["visit"] and "<p>" in spec.tasks[0].instructions_html
    assert spec.evaluation is not None and spec.evaluation.max_score == 20
    assert spec.completion == CompletionSpec(quiz=False, sessions=2)
    again = load_package_from_files(dump_package(spec))
    assert again == spec and content_hash(again) == content_hash(spec)
    # stored and read back as a version: the same content
    course = catalog.import_course(db, spec, now=NOW).course
    stored = catalog.version_spec(catalog.published_version(db, course.id))
    assert content_hash(stored) == content_hash(spec)
    assert stored.tasks == spec.tasks and stored.evaluation == spec.evaluation and stored.completion == spec.completion
    assert course.delivery_mode == "blended"


def test_package_without_activities_keeps_its_hash_and_mode():
    plain = load_package_from_files(activity_files("E-8"))
    assert plain.tasks == () and plain.evaluation is None and plain.completion == CompletionSpec()
    assert '"tasks"' not in str(plain) and dump_package(plain).keys() == activity_files("E-8").keys()


@pytest.mark.parametrize("extra, files, message", [
    ('\n[[tasks]]\nslug = "visit"\ntitle = "x"\n', {}, "tasks/visit.md is missing"),
    ("", {"tasks/stray.md": b"text"}, "no [[tasks]] entry"),
    ('\n[completion]\nsessions = -1\n', {}, "must be between 0 and 50"),
    ('\n[evaluation]\ntitle = "x"\n', {}, "required key is missing"),
])
def test_bad_activity_packages_are_refused_with_a_reason(extra, files, message):
    from content import PackageInvalid

    package = activity_files("E-7")
    package["course.toml"] += extra.encode()
    package.update(files)
    with pytest.raises(PackageInvalid) as caught:
        load_package_from_files(package)
    assert message in str(caught.value.problems)


# ---- completion rules ----------------------------------------------------------------

def test_lessons_only_complete_at_the_last_lesson(build, query, world):
    course_id = build(lambda s: make_activity_course(s, "E-2", quiz=False).id)
    build(lambda s: learning.enrol(s, user_id=world.learner, course=s.get(Course, course_id), now=NOW))
    assert do_lessons(build, world.learner, course_id)
    assert completed(query, world.learner, course_id)


def test_quiz_rule_and_a_course_that_leaves_the_lessons_out(build, query, world):
    def make(s):
        strict = make_activity_course(s, "E-3")
        loose = make_activity_course(s, "E-4", completion="lessons = false")
        for c in (strict, loose):
            learning.enrol(s, user_id=world.learner, course=c, now=NOW)
        return strict.id, loose.id

    strict_id, loose_id = build(make)
    assert not do_lessons(build, world.learner, strict_id)  # the quiz is still required

    def pass_quiz(s, course_id):
        course = s.get(Course, course_id)
        from tests.builders import by_token, correct_answers

        attempt = learning.start_attempt(s, user_id=world.learner, quiz=course.quiz, now=NOW)
        return learning.submit_attempt(s, user_id=world.learner, attempt_id=attempt.id, now=NOW,
                                       raw_answers=by_token(attempt.layout, correct_answers(course))).completed_course

    assert build(lambda s: pass_quiz(s, loose_id))  # no lesson done: the quiz alone completes it
    assert build(lambda s: pass_quiz(s, strict_id))
    assert completed(query, world.learner, strict_id) and completed(query, world.learner, loose_id)


def test_quiz_left_out_completes_at_the_lessons(build, query, world):
    course_id = build(lambda s: make_activity_course(s, "E-5", completion="quiz = false").id)
    build(lambda s: learning.enrol(s, user_id=world.learner, course=s.get(Course, course_id), now=NOW))
    assert do_lessons(build, world.learner, course_id)


def test_sessions_rule_completes_when_the_trainer_marks_attendance(build, query, world):
    from lms.classroom.services import SessionFields, create_session, mark_attendance, sign_up
    from lms.orgs.scope import Scope

    course_id = build(lambda s: make_activity_course(s, "E-6", quiz=False, completion="sessions = 1").id)
    build(lambda s: learning.enrol(s, user_id=world.learner, course=s.get(Course, course_id), now=NOW))
    assert not do_lessons(build, world.learner, course_id)  # no session attended yet
    assert query(lambda s: services.blockers(s, user_id=world.learner, course_id=course_id)) == ["sessions"]

    def book(s):
        cs = create_session(s, SessionFields(
            course_id=course_id, title="面授", instructions="带上身份证。", starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=3), place="201室", org_unit_id=world.unit,
            trainer_id=world.trainer, capacity=5), scope=Scope(everything=True), user_id=None, now=NOW)
        sign_up(s, cs, user_id=world.learner, by_id=world.learner, now=NOW)
        return cs.id

    session_id = build(book)
    from lms.classroom.models import ClassroomSession

    later = NOW + timedelta(days=1, hours=4)
    absent = build(lambda s: mark_attendance(s, s.get(ClassroomSession, session_id), {world.learner: "absent"},
                                             by_id=world.trainer, now=later))
    assert absent.completed == 0 and not completed(query, world.learner, course_id)
    present = build(lambda s: mark_attendance(s, s.get(ClassroomSession, session_id), {world.learner: "present"},
                                              by_id=world.trainer, now=later))
    assert present.completed == 1 and completed(query, world.learner, course_id)
    assert query(lambda s: s.scalar(select(CourseCompletion.completed_at))) == later
    assert query(lambda s: s.get(Course, course_id).delivery_mode) == "blended"


def test_sessions_rule_not_met_while_nobody_counts_attendance(build, query, world):
    course_id = build(lambda s: make_activity_course(s, "E-7", quiz=False, completion="sessions = 1").id)
    build(lambda s: learning.enrol(s, user_id=world.learner, course=s.get(Course, course_id), now=NOW))
    saved = list(events.sessions_attended._subscribers)
    events.sessions_attended._subscribers.clear()
    try:
        assert not do_lessons(build, world.learner, course_id)
        assert query(lambda s: services.sessions_attended(s, user_id=world.learner, course_id=course_id)) is None
    finally:
        events.sessions_attended._subscribers[:] = saved
    assert not completed(query, world.learner, course_id)


def test_delivery_modes(build, query, world):
    def make(s):
        return {code: make_activity_course(s, code, **kw).delivery_mode for code, kw in {
            "M-1": {}, "M-2": {"quiz": False, "completion": "lessons = false\nsessions = 2"},
            "M-3": {"completion": "sessions = 1"}, "M-4": {"tasks": True}}.items()}

    assert build(make) == {"M-1": "online", "M-2": "classroom", "M-3": "blended", "M-4": "blended"}


# ---- tasks -----------------------------------------------------------------------

def test_task_report_redo_and_done_complete_the_course_with_counters(app, client, build, query, world, course):
    assert not do_lessons(build, world.learner, course)  # the task and the evaluation are still missing
    login(client, "learner")
    page = page_text(client.get("/courses/E-1/tasks"))
    assert "走访一家参保单位" in page and "核对其缴费人员比例" in page
    response = submit(client, attachment=(png(), "photo.png"))
    assert response.status_code == 302
    first = waiting_submission(query, world.learner)
    # a second report while one waits is refused and changes nothing
    submit(client)
    assert query(lambda s: s.scalar(select(func.count()).select_from(TaskSubmission))) == 1
    # the attachment: the learner and the markers only
    with client.get(f"/task-reports/{first}/attachment") as response:
        assert response.data == png()
    client.post("/auth/logout")
    login(client, "other")
    assert client.get(f"/task-reports/{first}/attachment").status_code == 404
    client.post("/auth/logout")

    login(client, "manager")
    with client.get(f"/task-reports/{first}/attachment") as response:
        assert response.status_code == 200
    assert "走访一家参保单位" in page_text(client.get("/queue"))
    # to redo needs a comment
    client.post(f"/queue/tasks/{first}", data={"result": "redo", "comment": ""})
    assert query(lambda s: s.get(TaskSubmission, first).status) == "submitted"
    client.post(f"/queue/tasks/{first}", data={"result": "redo", "comment": "请补充单位名称。"})
    assert query(lambda s: s.get(TaskSubmission, first).status) == "redo"
    outbox = query(lambda s: s.execute(text("SELECT recipient, kind, dedupe_key, body FROM outbox")).all())
    assert [(r.recipient, r.kind, r.dedupe_key) for r in outbox] == [
        ("learner@example.org", "task_marked", f"task_submission:{first}:marked")]
    assert "请补充单位名称。" in outbox[0].body
    # marking twice is refused
    client.post(f"/queue/tasks/{first}", data={"result": "done", "comment": ""})
    assert query(lambda s: s.get(TaskSubmission, first).status) == "redo"
    client.post("/auth/logout")

    login(client, "learner")
    submit(client, report="补充：走访的是某某公司。")
    second = waiting_submission(query, world.learner)
    assert second != first
    client.post("/auth/logout")
    login(client, "trainer")  # a trainer of the learner's unit marks too
    client.post(f"/queue/tasks/{second}", data={"result": "done", "comment": "很好。"})
    rows = query(lambda s: [(r.report[:2], r.status) for r in s.scalars(select(TaskSubmission).order_by(TaskSubmission.id))])
    assert rows == [("我走", "redo"), ("补充", "done")]  # history kept, nothing overwritten
    assert not completed(query, world.learner, course)  # the evaluation is still required
    assert query(lambda s: services.blockers(s, user_id=world.learner, course_id=course)) == ["evaluation"]
    audit = query(lambda s: s.execute(text("SELECT action FROM audit_events ORDER BY id")).scalars().all())
    assert audit.count("task_marked") == 2 and audit.count("task_submitted") == 2


def test_refused_attachments_change_nothing(client, query, world, course):
    login(client, "learner")
    for data, name in ((b"<html><script>alert(1)</script>", "x.png"), (PDF.replace(b"Catalog", b"Catalog /JavaScript"),
                                                                       "x.pdf"), (b"MZ\x90", "x.exe")):
        response = submit(client, attachment=(data, name))
        assert response.status_code == 302
    assert query(lambda s: s.scalar(select(func.count()).select_from(TaskSubmission))) == 0
    submit(client, attachment=(PDF, "report.pdf"))
    row = query(lambda s: s.scalar(select(TaskSubmission)))
    assert row.attachment_type == "application/pdf" and row.attachment_original == "report.pdf"
    with client.get(f"/task-reports/{row.id}/attachment") as response:
        assert response.data == PDF and "attachment" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# ---- evaluations ---------------------------------------------------------------------

def test_evaluation_completes_in_the_same_transaction_and_never_regresses(app, client, build, query, db, world,
                                                                          course):
    do_lessons(build, world.learner, course)
    # the task done by a marker, through the service
    build(lambda s: services.submit_task(s, user_id=world.learner, course_id=course, slug="visit", report="报告",
                                         attachment=None, folder=app.config["MEDIA_FOLDER"], now=NOW))
    sid = waiting_submission(query, world.learner)
    build(lambda s: services.mark_submission(s, row=s.get(TaskSubmission, sid), done=True, comment="", marker_id=world.manager,
                                             now=NOW))
    login(client, "manager")
    queue_page = page_text(client.get("/queue"))
    assert "经办实务考核" in queue_page  # everything else is met: the evaluation waits
    url = f"/queue/evaluations/{course}/{world.learner}"
    client.post(url, data={"result": "passed", "score": "25"})  # above the maximum: refused
    assert query(lambda s: s.scalar(select(func.count()).select_from(EvaluationRecord))) == 0
    client.post(url, data={"result": "not_yet", "score": "8", "comment": "再练习。"})
    assert not completed(query, world.learner, course)
    client.post(url, data={"result": "passed", "score": "18"})
    assert completed(query, world.learner, course)
    # the coverage counters moved in the same request's transaction: they agree with plain SQL
    unit_path = query(lambda s: s.execute(text("SELECT path FROM org_units WHERE code = 'C'")).scalar())
    unit = query(lambda s: s.execute(select(OrgUnit).where(OrgUnit.code == "C")).scalar_one())
    period = Period(end=202712)
    figures = report_figures(reports.coverage(db, unit, period).by_category["staff"])
    assert figures == raw_figures(db, unit_path, period, "staff")
    assert figures["completed"] == 1
    db.rollback()
    # a later "not yet" never takes the completion back
    client.post(url, data={"result": "not_yet", "comment": "复核"})
    assert completed(query, world.learner, course)
    assert query(lambda s: [r.passed for r in services.evaluation_history(s, user_id=world.learner,
                                                                           course_id=course)]) == [False, True, False]
    assert "经办实务考核" not in page_text(client.get("/queue"))


def test_evaluation_first_then_tasks_completes_at_the_last_item(app, build, query, world, course):
    do_lessons(build, world.learner, course)
    build(lambda s: services.record_evaluation(s, user_id=world.learner, course_id=course, passed=True, score=None,
                                               comment="", recorder_id=world.manager, now=NOW))
    assert not completed(query, world.learner, course)
    build(lambda s: services.submit_task(s, user_id=world.learner, course_id=course, slug="visit", report="报告",
                                         attachment=None, folder=app.config["MEDIA_FOLDER"], now=NOW))
    sid = waiting_submission(query, world.learner)
    assert build(lambda s: services.mark_submission(s, row=s.get(TaskSubmission, sid), done=True, comment="",
                                                    marker_id=world.trainer, now=NOW + timedelta(hours=1)))
    at = query(lambda s: s.scalar(select(CourseCompletion.completed_at)))
    assert at == NOW + timedelta(hours=1)


# ---- essays ----------------------------------------------------------------------

def test_essay_graded_from_the_queue_passes_the_quiz_and_completes(build, query, client, world):
    def make(s):
        course = make_activity_course(s, "Q-1", quiz_toml=ESSAY_QUIZ, pass_mark=60)
        learning.enrol(s, user_id=world.learner, course=course, now=NOW)
        return course.id

    course_id = build(make)
    do_lessons(build, world.learner, course_id)

    def answer(s):
        course = s.get(Course, course_id)
        attempt = learning.start_attempt(s, user_id=world.learner, quiz=course.quiz, now=NOW)
        choice, essay = course.quiz.questions
        right = next(o.id for o in choice.options if o.is_correct)
        raw = {}
        for entry in attempt.layout:
            if entry["q"] == choice.id:
                raw[entry["t"]] = [dict(entry["o"])[right]]
            else:
                raw[entry["t"]] = "先受理，再审核，最后登记。"
        return learning.submit_attempt(s, user_id=world.learner, attempt_id=attempt.id, raw_answers=raw,
                                       now=NOW).attempt.passed

    assert build(answer) is None  # 50 % so far, the essay awaits
    answer_id = query(lambda s: s.scalar(select(AttemptAnswer.id).where(AttemptAnswer.state == "awaiting_grading")))
    login(client, "outsider")
    assert client.get(f"/queue/essays/{answer_id}").status_code == 404
    client.post("/auth/logout")
    login(client, "manager")
    assert "先受理，再审核，最后登记。" in page_text(client.get(f"/queue/essays/{answer_id}"))
    client.post(f"/queue/essays/{answer_id}", data={"points": "5"})  # more than the question's 1 point
    assert query(lambda s: s.get(AttemptAnswer, answer_id).state) == "awaiting_grading"
    client.post(f"/queue/essays/{answer_id}", data={"points": "1", "comment": "流程完整。"})
    attempt = query(lambda s: s.scalar(select(QuizAttempt)))
    assert attempt.passed is True and attempt.score == 100.0
    assert completed(query, world.learner, course_id)
    assert query(lambda s: s.scalar(select(EssayGrade.comment))) == "流程完整。"
    # graded once: a second grade is refused
    assert client.get(f"/queue/essays/{answer_id}").status_code == 404


# ---- scope, queue, reminders -----------------------------------------------------------

def test_outside_the_subtree_is_not_found_and_learners_are_refused(app, client, build, query, world, course):
    build(lambda s: services.submit_task(s, user_id=world.learner, course_id=course, slug="visit", report="报告",
                                         attachment=None, folder=app.config["MEDIA_FOLDER"], now=NOW))
    sid = waiting_submission(query, world.learner)
    login(client, "outsider")
    assert client.get(f"/queue/tasks/{sid}").status_code == 404
    assert client.post(f"/queue/tasks/{sid}", data={"result": "done"}).status_code == 404
    assert client.get(f"/queue/evaluations/{course}/{world.learner}").status_code == 404
    assert client.post(f"/queue/evaluations/{course}/{world.learner}", data={"result": "passed"}).status_code == 404
    assert client.get(f"/task-reports/{sid}/attachment").status_code == 404
    assert "走访" not in page_text(client.get("/queue"))
    assert query(lambda s: s.get(TaskSubmission, sid).status) == "submitted"
    client.post("/auth/logout")
    login(client, "learner")
    assert client.get("/queue").status_code == 403
    assert client.post(f"/queue/tasks/{sid}", data={"result": "done"}).status_code == 403
    # someone not enrolled has no task page
    client.post("/auth/logout")
    login(client, "other")
    assert client.get("/courses/E-1/tasks").status_code == 404


def test_queue_counts_on_my_learning_and_overdue_highlight(app, client, build, query, world, course):
    build(lambda s: services.submit_task(s, user_id=world.learner, course_id=course, slug="visit", report="报告",
                                         attachment=None, folder=app.config["MEDIA_FOLDER"], now=NOW))
    app.config["NOW"] = lambda: NOW + timedelta(days=1)
    login(client, "manager")
    my = page_text(client.get("/my"))
    assert "queue-counts" in my and re.search(r"Task reports to mark: 1|待批阅的任务报告：1", my), my
    assert 'class="overdue"' not in page_text(client.get("/queue")) and 'p class="overdue"' not in my
    client.post("/auth/logout")
    app.config["NOW"] = lambda: NOW + timedelta(days=8)
    login(client, "manager")
    assert 'class="overdue"' in page_text(client.get("/queue"))
    assert 'p class="overdue"' in page_text(client.get("/my"))
    counts = query(lambda s: services.queue_counts(s, staff_scope(s, s.get(services.User, world.manager)),
                                                   now=NOW + timedelta(days=8)))
    assert (counts.tasks, counts.evaluations, counts.essays, counts.overdue) == (1, 0, 0, 1)
    outsider = query(lambda s: services.queue_counts(s, staff_scope(s, s.get(services.User, world.outsider)),
                                                     now=NOW + timedelta(days=8)))
    assert outsider.total == 0
    client.post("/auth/logout")
    login(client, "learner")
    assert "queue-counts" not in page_text(client.get("/my"))


def test_weekly_queue_reminder_once_per_manager_and_week(app, build, query, world, course):
    from lms.cli import queue_waiting_reminders

    build(lambda s: services.submit_task(s, user_id=world.learner, course_id=course, slug="visit", report="报告",
                                         attachment=None, folder=app.config["MEDIA_FOLDER"], now=NOW))

    def run(at):
        with app.app_context():
            return build(lambda s: queue_waiting_reminders(s, at))

    assert run(NOW + timedelta(days=3)) == 0  # not waiting 7 days yet
    assert run(NOW + timedelta(days=8)) == 1  # the manager (the trainer has no e-mail)
    assert run(NOW + timedelta(days=8, hours=5)) == 0  # same ISO week
    assert run(NOW + timedelta(days=15)) == 1
    keys = query(lambda s: s.execute(text("SELECT dedupe_key FROM outbox WHERE kind = 'queue_reminder'")).scalars().all())
    assert sorted(keys) == [services.reminder_key(world.manager, NOW + timedelta(days=d)) for d in (8, 15)]


def test_course_report_filters_and_shows_the_mode_of_training(client, build, world):
    build(lambda s: [make_activity_course(s, "R-1"), make_activity_course(s, "R-2", tasks=True),
                     make_activity_course(s, "R-3", quiz=False, completion="lessons = false\nsessions = 1")])
    login(client, "manager")
    everything = page_text(client.get("/reports/courses"))
    assert all(f'data-course="R-{n}"' in everything for n in (1, 2, 3))
    shown = {mode: re.findall(r'data-course="(R-\d)"', page_text(client.get(f"/reports/courses?mode={mode}")))
             for mode in ("online", "classroom", "blended")}
    assert shown == {"online": ["R-1"], "classroom": ["R-3"], "blended": ["R-2"]}
    assert client.get("/reports/courses?mode=elsewhere").status_code == 400
    export = client.get("/reports/courses.csv?mode=blended").get_data(as_text=True).splitlines()
    header = export[[i for i, line in enumerate(export) if "R-2" in line][0] - 1]
    assert "Mode of training" in header or "培训方式" in header
    assert [line for line in export if line.startswith("R-")] == [
        line for line in export if line.startswith("R-2") and ("Blended" in line or "混合" in line)]
