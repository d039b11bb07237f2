"""Benchmark data: a migrated database with the starter course and many
logged-in learners, created in bulk (Core INSERTs of many rows, one password
hash shared by all), plus the session cookies and CSRF tokens Flask would
have given them."""
from __future__ import annotations

import hashlib
import os
import random
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, selectinload

ROOT = Path(__file__).resolve().parent.parent
COURSE_DIR = ROOT / "courses" / "ss-pension-basics"
COURSE_CODE = "SS-PEN-101"
BENCH_PASSWORD = "bench-password-not-for-login-2026"  # nosec B105 - throwaway benchmark accounts
CHUNK = 2000


class BenchSetupError(RuntimeError):
    """The benchmark cannot run; the message says why."""


@dataclass
class BenchUser:
    user_id: int
    username: str
    token: str  # the login-session token (Flask-Login's user id)
    csrf_raw: str  # the raw CSRF token kept in the session
    attempt_id: int = 0
    answers: str = ""  # "q-<token>=<token>&..." the correct answers of this user's attempt


@dataclass
class Fixture:
    url: str
    secret_key: str
    course_code: str
    lesson_slug: str
    quiz_id: int
    users: list[BenchUser] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def lesson_path(self) -> str:
        return f"/courses/{self.course_code}/lessons/{self.lesson_slug}"

    @property
    def done_path(self) -> str:
        return self.lesson_path + "/done"


def app_environ(url: str, secret_key: str) -> dict[str, str]:
    """The LMS_* settings given to gunicorn and to the in-process app alike."""
    return {
        "LMS_DATABASE_URL": url,
        "LMS_SECRET_KEY": secret_key,
        "LMS_ENV": "production",
        "LMS_LOG_LEVEL": "WARNING",
    }


def make_app(url: str, secret_key: str):
    from lms import create_app

    return create_app({"ENVIRON": app_environ(url, secret_key)})


def _chunks(rows: list, size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _bulk_insert(conn, table, rows: list[dict]) -> None:
    for part in _chunks(rows):
        conn.execute(insert(table), part)


def prepare(url: str, n_users: int, secret_key: str, *, log=print) -> Fixture:
    """Migrate, import the starter course, create `n_users` enrolled, logged-in
    learners with one open quiz attempt each."""
    from content import PackageInvalid, load_package
    from lms.auth.models import LoginSession, User, UserRole
    from lms.auth.passwords import hash_password
    from lms.courses.models import Course, Question, Quiz
    from lms.courses.services import import_course
    from lms.db import Database
    from lms.learn.models import Enrolment, QuizAttempt
    from lms.learn.services import draw_layout
    from lms.migrate import upgrade
    from lms.web import utcnow

    timings: dict[str, float] = {}
    t = time.perf_counter()
    upgrade(url)
    timings["migrate"] = time.perf_counter() - t

    db = Database(url)
    try:
        with db.transaction() as session:
            existing = session.scalar(select(func.count()).select_from(User))
            if existing:
                raise BenchSetupError(
                    f"the database at LMS_DATABASE_URL already has {existing} user(s); "
                    "the benchmark needs an EMPTY database (it creates 'bench*' users)")

        t = time.perf_counter()
        try:
            spec = load_package(COURSE_DIR)
        except PackageInvalid as exc:
            raise BenchSetupError(f"starter course {COURSE_DIR} is invalid: {exc.problems}") from None
        with db.transaction() as session:
            import_course(session, spec, now=utcnow())
        timings["import course"] = time.perf_counter() - t

        with db.session() as session:
            course = session.scalar(select(Course).where(Course.code == COURSE_CODE)
                                    .options(selectinload(Course.lessons)))
            if course is None or not course.lessons:
                raise BenchSetupError(f"course {COURSE_CODE} was not imported (or has no lessons)")
            if course.status != "published":
                raise BenchSetupError(f"course {COURSE_CODE} is {course.status}, not published")
            lesson_slug = course.lessons[0].slug
            version_id = course.published_version.id  # learners follow the live version
            quiz = session.scalar(select(Quiz).where(Quiz.version_id == version_id)
                                  .options(selectinload(Quiz.questions).selectinload(Question.options)))
            if quiz is None:
                raise BenchSetupError(f"course {COURSE_CODE} has no quiz")
            correct = {o.id for q in quiz.questions for o in q.options if o.is_correct}
            rng = random.Random(2026)  # nosec B311 - reproducible benchmark data, not security
            layouts = [draw_layout(quiz, rng) for _ in range(n_users)]
            quiz_id, course_id, time_limit = quiz.id, course.id, quiz.time_limit_minutes

        t = time.perf_counter()
        now = utcnow()
        password_hash = hash_password(BENCH_PASSWORD)
        names = [f"bench{i:06d}" for i in range(n_users)]
        with db.engine.begin() as conn:
            _bulk_insert(conn, User.__table__, [
                {"username": name, "full_name": f"Bench Learner {i}", "email": "", "password_hash": password_hash,
                 "staff_category": "staff", "org_unit_id": None, "language": "zh_CN", "status": "active",
                 "created_at": now, "last_login_at": now}
                for i, name in enumerate(names)])
            ids = dict(conn.execute(select(User.username, User.id).where(User.username.like("bench%"))).all())
            user_ids = [ids[name] for name in names]
            tokens = [secrets.token_urlsafe(32) for _ in names]
            _bulk_insert(conn, UserRole.__table__, [{"user_id": uid, "role": "learner"} for uid in user_ids])
            _bulk_insert(conn, Enrolment.__table__, [
                {"user_id": uid, "course_id": course_id, "version_id": version_id, "enrolled_at": now, "source": "self"}
                for uid in user_ids])
            _bulk_insert(conn, LoginSession.__table__, [
                {"token_hash": hashlib.sha256(tok.encode()).hexdigest(), "user_id": uid,
                 "created_at": now, "last_seen_at": now}
                for uid, tok in zip(user_ids, tokens, strict=True)])
            deadline = None
            if time_limit:
                from datetime import timedelta
                deadline = now + timedelta(minutes=time_limit)
            _bulk_insert(conn, QuizAttempt.__table__, [
                {"user_id": uid, "quiz_id": quiz_id, "number": 1, "started_at": now, "deadline_at": deadline,
                 "layout": layout}
                for uid, layout in zip(user_ids, layouts, strict=True)])
            attempts = dict(conn.execute(select(QuizAttempt.user_id, QuizAttempt.id)
                                         .where(QuizAttempt.quiz_id == quiz_id)).all())
        timings[f"create {n_users} learners"] = time.perf_counter() - t

        users = []
        for name, uid, tok, layout in zip(names, user_ids, tokens, layouts, strict=True):
            # The form names questions and options by the attempt's own tokens.
            answers = "&".join(f"q-{entry['t']}={token}" for entry in layout for oid, token in entry["o"]
                               if oid in correct)
            users.append(BenchUser(uid, name, tok, hashlib.sha1(os.urandom(64), usedforsecurity=False).hexdigest(),
                                   attempts[uid], answers))
    finally:
        db.dispose()
    return Fixture(url, secret_key, COURSE_CODE, lesson_slug, quiz_id, users, timings)


class CookieJar:
    """Session cookies and CSRF form tokens exactly as Flask / Flask-WTF make them."""

    def __init__(self, app) -> None:
        self.session_serializer = app.session_interface.get_signing_serializer(app)
        if self.session_serializer is None:
            raise BenchSetupError("the app has no secret key: cannot sign session cookies")
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.csrf_field = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        csrf_secret = app.config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
        self.csrf_serializer = URLSafeTimedSerializer(csrf_secret, salt="wtf-csrf-token")

    def cookie(self, user: BenchUser, seen: int | None = None) -> str:
        # What lms.auth.login.log_in leaves in the session, plus Flask-WTF's raw token.
        return self.session_serializer.dumps({
            "_user_id": user.token, "_fresh": True, "seen": int(time.time()) if seen is None else seen,
            self.csrf_field: user.csrf_raw, "_permanent": True,
        })

    def csrf_form_token(self, user: BenchUser) -> str:
        return self.csrf_serializer.dumps(user.csrf_raw)


def verify(app, fixture: Fixture, jar: CookieJar, *, reader: BenchUser, writer: BenchUser) -> list[str]:
    """Check with the Flask test client that the forged cookies are accepted.
    Returns the problems found (empty: all good)."""
    problems = []
    client = app.test_client()
    client.set_cookie(jar.cookie_name, jar.cookie(reader))
    resp = client.get(fixture.lesson_path)
    if resp.status_code != 200:
        problems.append(f"GET {fixture.lesson_path} with a bench cookie answered {resp.status_code} "
                        f"(expected 200; Location: {resp.headers.get('Location')})")
    elif b"Mark as done" not in resp.data and jar.csrf_field.encode() not in resp.data:
        problems.append(f"GET {fixture.lesson_path}: 200 but the page has no completion form")
    # A permanent session is re-sent on every response (SESSION_REFRESH_EACH_REQUEST):
    # what comes back must be the session we forged, unchanged.
    sent = jar.session_serializer.loads(jar.cookie(reader, seen=0)) | {"seen": 0}
    back = _returned_session(resp, jar)
    if back is not None and back | {"seen": 0} != sent:
        problems.append(f"the app rewrote the forged session: {sorted(back)} != {sorted(sent)}")

    client = app.test_client()
    client.set_cookie(jar.cookie_name, jar.cookie(writer))
    token = jar.csrf_form_token(writer)
    resp = client.post(fixture.done_path, data={jar.csrf_field: token})
    if resp.status_code != 302:
        problems.append(f"POST {fixture.done_path} answered {resp.status_code} (expected 302)")
    resp = client.post(f"/attempts/{writer.attempt_id}", data=f"{jar.csrf_field}={token}&{writer.answers}",
                       content_type="application/x-www-form-urlencoded")
    if resp.status_code != 302:
        problems.append(f"POST /attempts/{writer.attempt_id} answered {resp.status_code} (expected 302)")
    else:
        graded, passed = attempt_state(app, [writer.attempt_id])
        if graded != 1 or passed != 1:
            problems.append(f"POST /attempts/{writer.attempt_id}: 302 but the attempt is not graded as passed "
                            f"(graded={graded}, passed={passed}): the answers were not accepted")
    return problems


def _returned_session(resp, jar: CookieJar) -> dict | None:
    for header in resp.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == jar.cookie_name:
            value = rest.split(";", 1)[0]
            return jar.session_serializer.loads(value) if value else {}
    return None


def attempt_state(app, attempt_ids: list[int]) -> tuple[int, int]:
    """(graded, passed) among these attempts."""
    from lms.learn.models import QuizAttempt

    graded = passed = 0
    with Session(app.extensions["lms_db"].engine) as session:
        for part in _chunks(attempt_ids, 500):
            rows = session.execute(select(QuizAttempt.submitted_at, QuizAttempt.passed)
                                   .where(QuizAttempt.id.in_(part))).all()
            graded += sum(1 for sub, _p in rows if sub is not None)
            passed += sum(1 for _s, p in rows if p)
    return graded, passed
