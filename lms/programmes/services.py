"""Programmes: authoring with review, packages, progress and completion.

A programme is complete for a person when every required course is completed
and at least `min_optional` of its optional ones. The completion is recorded
once (unique per person and programme), never removed, at the moment the last
course completion needed arrives (this module follows events.course_completed,
in the same transaction), and events.programme_completed is raised for it.
Publishing a programme records, set-based, the completions of everyone who
already meets its rule. No flask here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, and_, case, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from content.problems import Problem
from content.programme import ProgrammeCourseSpec, ProgrammeSpec, dump_programme
from content.render import MAX_MARKDOWN_CHARS, render_checked
from lms import events
from lms.auth.models import User
from lms.courses.models import Course
from lms.dbutil import insert_ignoring_duplicates
from lms.enums import PROFESSIONS, STAFF_CATEGORIES
from lms.learn.models import CourseCompletion, Enrolment
from lms.msgids import N_
from lms.programmes.models import (
    Programme,
    ProgrammeAudience,
    ProgrammeCompletion,
    ProgrammeCourse,
    ProgrammeEvent,
    ProgrammeProfession,
)

EDIT_ACTIONS = frozenset({"created", "edited", "package_imported", "submitted"})


class ProgrammeError(Exception):
    """A refused action; str() is a msgid, `params` its placeholders, `problems` package problems."""

    def __init__(self, message: str, problems: list[Problem] | None = None, **params: object) -> None:
        super().__init__(message)
        self.params = params
        self.problems = problems or []


# ---- trail and reading ------------------------------------------------------------

def record(session: Session, programme: Programme, *, action: str, now: datetime, user=None,
           detail: str = "") -> None:
    session.add(ProgrammeEvent(programme_id=programme.id, at=now, user_id=getattr(user, "id", None), action=action,
                               detail=detail[:2000]))


def events_of(session: Session, programme_id: int, limit: int = 100) -> list[ProgrammeEvent]:
    return list(session.scalars(select(ProgrammeEvent).where(ProgrammeEvent.programme_id == programme_id)
                                .order_by(ProgrammeEvent.at.desc(), ProgrammeEvent.id.desc()).limit(limit)))


def get_programme(session: Session, code: str) -> Programme | None:
    if len(code) > 32:
        return None
    return session.scalar(select(Programme).where(Programme.code == code))


def all_programmes(session: Session) -> list[Programme]:
    return list(session.scalars(select(Programme).order_by(Programme.code)))


def published_programmes(session: Session) -> list[Programme]:
    return list(session.scalars(select(Programme).where(Programme.status == "published").order_by(Programme.code)))


def spec_of(programme: Programme) -> ProgrammeSpec:
    return ProgrammeSpec(
        code=programme.code, title=programme.title, description=programme.description_md,
        audience=tuple(programme.audience_names), professions=tuple(programme.profession_names),
        certificate_validity_days=programme.certificate_validity_days, min_optional=programme.min_optional,
        courses=tuple(ProgrammeCourseSpec(pc.course.code, pc.required) for pc in programme.courses),
    )


def export_programme(programme: Programme) -> bytes:
    return dump_programme(spec_of(programme))


def contributors(session: Session, programme: Programme) -> set[int]:
    """Everyone who created, changed or submitted the programme since it was last published."""
    stmt = select(ProgrammeEvent.user_id).where(
        ProgrammeEvent.programme_id == programme.id, ProgrammeEvent.action.in_(EDIT_ACTIONS),
        ProgrammeEvent.user_id.is_not(None))
    if programme.published_at is not None:
        stmt = stmt.where(ProgrammeEvent.at >= programme.published_at)
    ids = set(session.scalars(stmt))
    ids |= {i for i in (programme.created_by_id, programme.submitted_by_id) if i is not None}
    return {i for i in ids if i is not None}


# ---- writing the content ----------------------------------------------------------

def _apply(session: Session, programme: Programme, spec: ProgrammeSpec, *, now: datetime) -> None:
    """Replace the programme's fields and course list by the spec's (codes checked)."""
    codes = [c.code for c in spec.courses]
    found = {c.code: c for c in session.scalars(select(Course).where(Course.code.in_(codes)))} if codes else {}
    missing = [code for code in codes if code not in found]
    if missing:
        raise ProgrammeError(N_("The programme names courses that do not exist: %(codes)s. Nothing was changed."),
                             codes=", ".join(missing))
    html, problem = render_checked(spec.description, "description", max_chars=MAX_MARKDOWN_CHARS)
    if problem is not None:
        raise ProgrammeError(N_("The description cannot be saved: %(reason)s"), reason=str(problem))
    programme.title = spec.title
    programme.description_md, programme.description_html = spec.description, html
    programme.certificate_validity_days = spec.certificate_validity_days
    programme.min_optional = spec.min_optional
    programme.updated_at = now
    programme.courses.clear()
    programme.audiences.clear()
    programme.professions.clear()
    session.flush()  # the old rows go before the new ones take their (programme, position) keys
    programme.courses.extend(ProgrammeCourse(course_id=found[c.code].id, position=i, required=c.required)
                             for i, c in enumerate(spec.courses, start=1))
    programme.audiences.extend(ProgrammeAudience(staff_category=c) for c in spec.audience)
    programme.professions.extend(ProgrammeProfession(profession=p) for p in spec.professions)
    session.flush()


def check_spec(spec: ProgrammeSpec) -> None:
    """The rules the package loader checks, for specs built from a form."""
    if not spec.courses:
        raise ProgrammeError(N_("A programme needs at least one course."))
    optional = spec.optional_count
    if spec.min_optional > optional:
        raise ProgrammeError(N_("The programme asks for %(n)s optional courses but lists %(m)s."),
                             n=spec.min_optional, m=optional)
    if optional == len(spec.courses) and spec.min_optional < 1:
        raise ProgrammeError(N_("With no required course, at least one optional course must be asked for."))
    if any(c not in STAFF_CATEGORIES for c in spec.audience) or any(p not in PROFESSIONS for p in spec.professions):
        raise ProgrammeError(N_("Unknown staff category or profession."))


CODE_RE = re.compile(r"^[A-Z0-9-]{2,32}$")
OPTIONAL_WORDS = ("optional", "可选", "选修")


def parse_course_lines(text: str) -> tuple[ProgrammeCourseSpec, ...]:
    """The course list of the edit form: one code a line, "optional" after an optional one."""
    courses: list[ProgrammeCourseSpec] = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        code, rest = words[0], [w.lower() for w in words[1:]]
        if not CODE_RE.match(code) or len(rest) > 1 or (rest and rest[0] not in OPTIONAL_WORDS):
            raise ProgrammeError(N_("Line %(n)s of the course list is not a course code (optionally followed by "
                                    "“optional”)."), n=number)
        if any(c.code == code for c in courses):
            raise ProgrammeError(N_("Course %(code)s is listed twice."), code=code)
        courses.append(ProgrammeCourseSpec(code, not rest))
    return tuple(courses)


def course_lines(programme: Programme) -> str:
    return "\n".join(pc.course.code + ("" if pc.required else " optional") for pc in programme.courses)


def create_programme(session: Session, spec: ProgrammeSpec, *, user, now: datetime) -> Programme:
    if not CODE_RE.match(spec.code):
        raise ProgrammeError(N_("A code is 2-32 characters of A-Z, 0-9 and '-'."))
    if session.scalar(select(Programme.id).where(Programme.code == spec.code)) is not None:
        raise ProgrammeError(N_("A programme with code %(code)s already exists."), code=spec.code)
    check_spec(spec)
    programme = Programme(code=spec.code, title=spec.title, status="draft", created_at=now, updated_at=now,
                          created_by_id=getattr(user, "id", None), min_optional=0, review_comment="")
    session.add(programme)
    session.flush()
    _apply(session, programme, spec, now=now)
    record(session, programme, action="created", now=now, user=user)
    return programme


def update_programme(session: Session, programme: Programme, spec: ProgrammeSpec, *, user, now: datetime) -> None:
    """Change a draft (a published programme is changed by a package import from the CLI)."""
    if programme.status != "draft":
        raise ProgrammeError(N_("Only a draft programme can be edited."))
    check_spec(spec)
    _apply(session, programme, spec, now=now)
    record(session, programme, action="edited", now=now, user=user)


@dataclass(frozen=True)
class ImportResult:
    programme: Programme
    created: bool
    changed: bool
    kept: bool = False  # changed on the platform since its last package import: left as it is


def _changed_on_platform(session: Session, programme: Programme) -> bool:
    last = session.scalar(select(ProgrammeEvent.action).where(ProgrammeEvent.programme_id == programme.id)
                          .order_by(ProgrammeEvent.id.desc()).limit(1))  # the latest written
    return last is not None and last != "package_imported"


def import_programme(session: Session, spec: ProgrammeSpec, *, now: datetime, user=None,
                     publish: bool, force: bool = False) -> ImportResult:
    """A validated package. `publish` (trusted CLI imports): the programme is
    published as it is, and completions are backfilled; a programme changed on
    the platform since (edited, reviewed, archived) is kept as it is unless
    `force`. Otherwise (the browser) it becomes or replaces a draft; a
    programme in review, published or archived is not replaced from the browser."""
    programme = get_programme(session, spec.code)
    created = programme is None
    if programme is None:
        programme = Programme(code=spec.code, title=spec.title, status="draft", created_at=now, updated_at=now,
                              created_by_id=getattr(user, "id", None), min_optional=0, review_comment="")
        session.add(programme)
        session.flush()
    else:
        if not publish and programme.status != "draft":
            raise ProgrammeError(N_("Programme %(code)s is not a draft: only a draft can be replaced by a package."),
                                 code=programme.code)
        if export_programme(programme) == dump_programme(spec) and (not publish or programme.status == "published"):
            return ImportResult(programme, False, False)
        if publish and not force and _changed_on_platform(session, programme):
            return ImportResult(programme, False, False, kept=True)
    _apply(session, programme, spec, now=now)
    record(session, programme, action="package_imported", now=now, user=user,
           detail="published" if publish else "draft")
    if publish:
        programme.status = "published"
        programme.published_at = now
        backfill_completions(session, programme, now=now)
    return ImportResult(programme, created, True)


# ---- review workflow -----------------------------------------------------------------

def submit_for_review(session: Session, programme: Programme, *, user, now: datetime) -> None:
    if programme.status != "draft":
        raise ProgrammeError(N_("There is no draft to submit."))
    if not programme.courses:
        raise ProgrammeError(N_("A programme needs at least one course."))
    unpublished = [pc.course.code for pc in programme.courses if pc.course.status != "published"]
    if unpublished:
        raise ProgrammeError(N_("Every course of a programme must be published first: %(codes)s."),
                             codes=", ".join(unpublished))
    programme.status = "review"
    programme.submitted_at, programme.submitted_by_id = now, user.id
    programme.reviewed_at = programme.reviewed_by_id = None
    programme.review_comment = ""
    programme.updated_at = now
    record(session, programme, action="submitted", now=now, user=user)
    session.flush()


def can_review(session: Session, programme: Programme, user) -> bool:
    return bool(user.role_names & {"author", "admin"}) and user.id not in contributors(session, programme)


def approve(session: Session, programme: Programme, *, user, now: datetime, comment: str = "") -> int:
    """Publish the programme in review (its authors cannot approve it
    themselves), then record the completions of everyone who already meets its
    rule. Returns the number of completions recorded."""
    if programme.status != "review":
        raise ProgrammeError(N_("There is no version waiting for review."))
    if not user.role_names & {"author", "admin"}:
        raise ProgrammeError(N_("Only an author or an administrator can review a programme."))
    if user.id in contributors(session, programme):
        raise ProgrammeError(N_("You worked on this programme: another author or an administrator must review it."))
    programme.status = "published"
    programme.reviewed_at, programme.reviewed_by_id = now, user.id
    programme.review_comment = (comment or "").strip()[:2000]
    programme.published_at = programme.updated_at = now
    record(session, programme, action="published", now=now, user=user, detail=programme.review_comment)
    session.flush()
    return backfill_completions(session, programme, now=now)


def return_to_authors(session: Session, programme: Programme, *, user, now: datetime, comment: str) -> None:
    if programme.status != "review":
        raise ProgrammeError(N_("There is no version waiting for review."))
    comment = (comment or "").strip()
    if not comment:
        raise ProgrammeError(N_("Say what must change: a comment is required to return a version."))
    programme.status = "draft"
    programme.reviewed_at, programme.reviewed_by_id = now, user.id
    programme.review_comment = comment[:2000]
    programme.updated_at = now
    record(session, programme, action="returned", now=now, user=user, detail=comment)
    session.flush()


def archive_programme(session: Session, programme: Programme, *, user, now: datetime) -> None:
    """Withdraw from the catalogue; completions stay."""
    if programme.status != "published":
        raise ProgrammeError(N_("Only a published programme can be archived."))
    programme.status = "archived"
    programme.updated_at = now
    record(session, programme, action="archived", now=now, user=user)
    session.flush()


def reopen_draft(session: Session, programme: Programme, *, user, now: datetime) -> None:
    """An archived programme back to a draft, to be changed and reviewed again."""
    if programme.status != "archived":
        raise ProgrammeError(N_("Only an archived programme can be reopened as a draft."))
    programme.status = "draft"
    programme.published_at = None
    programme.updated_at = now
    record(session, programme, action="reopened", now=now, user=user)
    session.flush()


# ---- completion ----------------------------------------------------------------------

def _insert(session: Session, table):
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return module.insert(table)


def _rule_met_at(programme_id: int, min_optional: int, required_n: int, user_ids=None):
    """Per person meeting the programme's rule: (user_id, the moment it was met,
    i.e. the last required completion or the min_optional-th optional one)."""
    pc, cc = ProgrammeCourse.__table__, CourseCompletion.__table__
    rank = func.row_number().over(partition_by=(cc.c.user_id, pc.c.required),
                                  order_by=(cc.c.completed_at, cc.c.id))
    rows = (select(cc.c.user_id, cc.c.completed_at, pc.c.required, rank.label("n"))
            .join(pc, and_(pc.c.course_id == cc.c.course_id, pc.c.programme_id == programme_id)))
    if user_ids is not None:
        rows = rows.where(cc.c.user_id.in_(user_ids))
    c = rows.subquery("c")
    is_required = case((c.c.required, 1), else_=0)
    counts = (c.c.required | (c.c.n <= min_optional))
    return (select(c.c.user_id, func.max(case((counts, c.c.completed_at))).label("met_at"))
            .group_by(c.c.user_id)
            .having(func.sum(is_required) == required_n, func.sum(1 - is_required) >= min_optional))


def _record_met(session: Session, programme: Programme, user_ids=None) -> list[int]:
    required_n = sum(1 for pc in programme.courses if pc.required)
    met = _rule_met_at(programme.id, programme.min_optional, required_n, user_ids).subquery("met")
    table = ProgrammeCompletion.__table__
    source = select(met.c.user_id, literal(programme.id, Integer), met.c.met_at).where(
        ~exists().where(table.c.user_id == met.c.user_id, table.c.programme_id == programme.id))
    stmt = (_insert(session, table).from_select(["user_id", "programme_id", "completed_at"], source)
            .on_conflict_do_nothing(index_elements=["user_id", "programme_id"]).returning(table.c.user_id))
    added = sorted(session.execute(stmt).scalars())
    for user_id in added:
        events.programme_completed(session, user_id=user_id, programme_id=programme.id)  # same transaction
    return added


def backfill_completions(session: Session, programme: Programme, *, now: datetime) -> int:
    """Record (one INSERT ... SELECT) the completion of everyone who already
    meets the rule of this published programme; existing ones are kept as they are."""
    session.flush()
    if programme.status != "published" or not programme.courses:
        return 0
    return len(_record_met(session, programme))


def course_completed(session: Session, *, user_id: int, course_id: int) -> list[int]:
    """events.course_completed: record the completion of every published
    programme holding the course whose rule the person now meets."""
    candidates = session.scalars(
        select(Programme).where(Programme.status == "published",
                                Programme.id.in_(select(ProgrammeCourse.programme_id)
                                                 .where(ProgrammeCourse.course_id == course_id)),
                                ~exists().where(ProgrammeCompletion.programme_id == Programme.id,
                                                ProgrammeCompletion.user_id == user_id))).all()
    done = []
    for programme in candidates:
        if _record_met(session, programme, [user_id]):
            done.append(programme.id)
    return done


events.course_completed.connect(course_completed)


def record_completion(session: Session, *, user_id: int, programme_id: int, now: datetime) -> bool:
    """Record a completion directly (once); True when this call recorded it."""
    recorded = insert_ignoring_duplicates(session, ProgrammeCompletion,
                                          {"user_id": user_id, "programme_id": programme_id, "completed_at": now},
                                          unique=["user_id", "programme_id"])
    if recorded:
        events.programme_completed(session, user_id=user_id, programme_id=programme_id)
    return recorded


# ---- progress ------------------------------------------------------------------------

@dataclass(frozen=True)
class CourseStep:
    course: Course
    required: bool
    completed_at: datetime | None
    enrolled: bool


@dataclass(frozen=True)
class Progress:
    programme: Programme
    steps: list[CourseStep]
    completed_at: datetime | None

    @property
    def required_done(self) -> int:
        return sum(1 for s in self.steps if s.required and s.completed_at)

    @property
    def optional_done(self) -> int:
        return sum(1 for s in self.steps if not s.required and s.completed_at)

    @property
    def done(self) -> int:
        """Courses done that count towards completion (optional ones up to the minimum)."""
        return self.required_done + min(self.optional_done, self.programme.min_optional)

    @property
    def needed(self) -> int:
        return self.programme.needed_count

    @property
    def percent(self) -> int:
        return 100 if self.completed_at else int(100 * self.done / self.needed) if self.needed else 0


def progress(session: Session, *, user_id: int | None, programme: Programme) -> Progress:
    ids = [pc.course_id for pc in programme.courses]
    completed: dict[int, datetime] = {}
    enrolled: set[int] = set()
    completed_at = None
    if user_id is not None and ids:
        completed = {course_id: at for course_id, at in session.execute(
            select(CourseCompletion.course_id, CourseCompletion.completed_at)
            .where(CourseCompletion.user_id == user_id, CourseCompletion.course_id.in_(ids))).all()}
        enrolled = set(session.scalars(select(Enrolment.course_id).where(Enrolment.user_id == user_id,
                                                                          Enrolment.course_id.in_(ids))))
        completed_at = session.scalar(select(ProgrammeCompletion.completed_at).where(
            ProgrammeCompletion.user_id == user_id, ProgrammeCompletion.programme_id == programme.id))
    steps = [CourseStep(pc.course, pc.required, completed.get(pc.course_id), pc.course_id in enrolled)
             for pc in programme.courses]
    return Progress(programme, steps, completed_at)


@dataclass(frozen=True)
class MyProgramme:
    programme: Programme
    done: int
    needed: int
    completed_at: datetime | None


def my_programmes(session: Session, user: User) -> list[MyProgramme]:
    """The published programmes a person has started (a course of it followed
    or completed), completed, or that target their profession; with N of M
    courses done (optional ones counted up to the minimum), in one statement."""
    pc, p = ProgrammeCourse.__table__, Programme.__table__
    done_required = func.sum(case((and_(pc.c.required, CourseCompletion.id.is_not(None)), 1), else_=0))
    done_optional = func.sum(case((and_(~pc.c.required, CourseCompletion.id.is_not(None)), 1), else_=0))
    started = func.count(Enrolment.id) + func.count(CourseCompletion.id)
    completion = (select(ProgrammeCompletion.completed_at)
                  .where(ProgrammeCompletion.programme_id == p.c.id, ProgrammeCompletion.user_id == user.id)
                  .scalar_subquery())
    targeted = exists().where(ProgrammeProfession.programme_id == p.c.id,
                              ProgrammeProfession.profession == user.profession) if user.profession else literal(False)
    stmt = (select(p.c.id, done_required, done_optional, completion.label("completed_at"))
            .select_from(p.join(pc, pc.c.programme_id == p.c.id)
                         .outerjoin(Enrolment, and_(Enrolment.course_id == pc.c.course_id, Enrolment.user_id == user.id))
                         .outerjoin(CourseCompletion, and_(CourseCompletion.course_id == pc.c.course_id,
                                                           CourseCompletion.user_id == user.id)))
            .where(p.c.status.in_(("published", "archived")))
            .group_by(p.c.id)
            .having((started > 0) | completion.is_not(None) | targeted))
    rows = session.execute(stmt).all()
    if not rows:
        return []
    programmes = {x.id: x for x in session.scalars(select(Programme).where(Programme.id.in_([r[0] for r in rows])))}
    out = []
    for pid, req, opt, completed_at in rows:
        programme = programmes[pid]
        if programme.status == "archived" and completed_at is None:
            continue  # withdrawn: only kept for those who completed it
        out.append(MyProgramme(programme, int(req or 0) + min(int(opt or 0), programme.min_optional),
                               programme.needed_count, completed_at))
    return sorted(out, key=lambda m: (m.completed_at is not None, m.programme.code))
