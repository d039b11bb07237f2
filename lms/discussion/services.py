"""Course questions and answers: who may read, ask, answer and moderate;
asking and answering (sanitised Markdown, length limits, an hourly limit per
person); the accepted answer; hiding and restoring; the lists.

Who: the learners enrolled in the course read, ask and answer; authors,
administrators and trainers read and answer; authors and administrators
moderate (hide, restore) and, like the asker, choose the accepted answer.
Anyone else is told the course has no such page.

A hidden item is gone for everyone but the moderators; a question counts as
answered when it has an answer that is not hidden.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, delete, exists, func, select
from sqlalchemy.orm import Session

from content.render import markdown_problem, render_checked
from lms.assignments.services import queue_messages
from lms.auth.models import User
from lms.courses.models import Course
from lms.discussion.models import REASON_MAX, TITLE_MAX, DiscussionAcceptance, DiscussionAnswer, DiscussionQuestion
from lms.learn.models import Enrolment
from lms.msgids import N_

BODY_MAX = 10_000  # characters of Markdown in a question or an answer
QUESTIONS_PER_HOUR = 5
ANSWERS_PER_HOUR = 20
PER_PAGE = 20
FILTERS = ("all", "unanswered", "answered", "mine")
READERS = frozenset({"author", "admin", "trainer"})  # besides the learners enrolled in the course
MODERATORS = frozenset({"author", "admin"})
VISIBLE_STATUSES = ("published", "archived")


class DiscussionError(Exception):
    """A refusal, with a translatable message and its parameters."""

    def __init__(self, message: str, **params) -> None:
        super().__init__(message)
        self.params = params


class RateLimited(DiscussionError):
    pass


@dataclass(frozen=True)
class Access:
    read: bool = False
    ask: bool = False
    answer: bool = False
    moderate: bool = False


def access(session: Session, *, user_id: int, roles: frozenset[str], course_id: int) -> Access:
    enrolled = session.scalar(select(exists().where(Enrolment.user_id == user_id,
                                                    Enrolment.course_id == course_id))) or False
    staff = bool(roles & READERS)
    return Access(read=enrolled or staff, ask=enrolled, answer=enrolled or staff, moderate=bool(roles & MODERATORS))


def course_by_code(session: Session, code: str) -> Course | None:
    """A course whose questions can be reached: published, or archived (still read by those enrolled)."""
    return session.scalar(select(Course).where(Course.code == code, Course.status.in_(VISIBLE_STATUSES)))


# ---- writing ------------------------------------------------------------------------------------------------------

def _checked_body(text: str, *, required: bool) -> tuple[str, str]:
    text = text.replace("\r\n", "\n").strip()
    if not text:
        if required:
            raise DiscussionError(N_("Write your answer."))
        return "", ""
    if len(text) > BODY_MAX:
        raise DiscussionError(N_("The text is %(n)s characters long; at most %(max)s are accepted."),
                              n=len(text), max=BODY_MAX)
    problem = markdown_problem(text, "text", max_chars=BODY_MAX)
    if problem is not None:
        raise DiscussionError(N_("The text cannot be shown as written (%(problem)s). Simplify its formatting."),
                              problem=problem.message)
    html, problem = render_checked(text, "text", max_chars=BODY_MAX)
    if problem is not None:  # pragma: no cover - markdown_problem said it was fine
        raise DiscussionError(N_("The text cannot be shown as written (%(problem)s). Simplify its formatting."),
                              problem=problem.message)
    return text, html


def _recent(session: Session, model, *, user_id: int, now: datetime) -> int:
    """The person's posts of the last hour. Their user row is locked first (PostgreSQL; SQLite
    serialises writers anyway), so two posts sent at once cannot both slip under the limit."""
    session.execute(select(User.id).where(User.id == user_id).with_for_update())
    return session.scalar(select(func.count()).select_from(model)
                          .where(model.author_id == user_id, model.created_at > now - timedelta(hours=1))) or 0


def ask_question(session: Session, *, course_id: int, user_id: int, title: str, body: str,
                 now: datetime) -> DiscussionQuestion:
    title = " ".join(title.split())
    if not title:
        raise DiscussionError(N_("Give your question a title."))
    if len(title) > TITLE_MAX:
        raise DiscussionError(N_("The title is %(n)s characters long; at most %(max)s are accepted."),
                              n=len(title), max=TITLE_MAX)
    body_md, body_html = _checked_body(body, required=False)
    if _recent(session, DiscussionQuestion, user_id=user_id, now=now) >= QUESTIONS_PER_HOUR:
        raise RateLimited(N_("You have asked %(n)s questions in the last hour, the most we take. "
                             "Please wait a while and send it again."), n=QUESTIONS_PER_HOUR)
    question = DiscussionQuestion(course_id=course_id, author_id=user_id, title=title, body_md=body_md,
                                  body_html=body_html, created_at=now, hidden_reason="")
    session.add(question)
    session.flush()
    return question


# What the asker is told of a new answer: (subject, body) in their language, made by the caller.
Notice = Callable[[User, DiscussionQuestion, DiscussionAnswer], tuple[str, str]]


def post_answer(session: Session, *, question: DiscussionQuestion, user_id: int, body: str, now: datetime,
                notice: Notice | None = None) -> DiscussionAnswer:
    """Add an answer; the asker (when someone else answers and they have an
    e-mail address) gets an outbox message, queued once per answer."""
    if question.hidden_at is not None:
        raise DiscussionError(N_("This question was hidden by a moderator; it takes no more answers."))
    body_md, body_html = _checked_body(body, required=True)
    if _recent(session, DiscussionAnswer, user_id=user_id, now=now) >= ANSWERS_PER_HOUR:
        raise RateLimited(N_("You have written %(n)s answers in the last hour, the most we take. "
                             "Please wait a while and send it again."), n=ANSWERS_PER_HOUR)
    answer = DiscussionAnswer(question_id=question.id, author_id=user_id, body_md=body_md, body_html=body_html,
                              created_at=now, hidden_reason="")
    session.add(answer)
    session.flush()
    asker = session.get(User, question.author_id)
    if notice is not None and asker is not None and asker.id != user_id and asker.email and asker.is_active:
        subject, text = notice(asker, question, answer)
        queue_messages(session, [{"recipient": asker.email, "subject": subject[:300], "body": text,
                                  "kind": "discussion_answer", "dedupe_key": f"discussion:answer:{answer.id}",
                                  "user_id": asker.id}], now=now)
    return answer


def accept_answer(session: Session, *, question: DiscussionQuestion, answer_id: int, user_id: int,
                  now: datetime) -> int | None:
    """Make `answer_id` the accepted answer (replacing any other). Returns the one it replaced."""
    answer = session.get(DiscussionAnswer, answer_id)
    if answer is None or answer.question_id != question.id or answer.hidden_at is not None:
        raise DiscussionError(N_("Choose one of the answers shown."))
    # One chooser at a time per question: two first acceptances at once would both insert.
    session.execute(select(DiscussionQuestion.id).where(DiscussionQuestion.id == question.id).with_for_update())
    current = session.get(DiscussionAcceptance, question.id)
    if current is None:
        session.add(DiscussionAcceptance(question_id=question.id, answer_id=answer.id, accepted_by_id=user_id,
                                         accepted_at=now))
        session.flush()
        return None
    replaced = current.answer_id
    current.answer_id, current.accepted_by_id, current.accepted_at = answer.id, user_id, now
    session.flush()
    return replaced


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise DiscussionError(N_("Give the reason for hiding it: the other moderators will see it."))
    if len(reason) > REASON_MAX:
        raise DiscussionError(N_("The reason is %(n)s characters long; at most %(max)s are accepted."),
                              n=len(reason), max=REASON_MAX)
    return reason


def hide(session: Session, item: DiscussionQuestion | DiscussionAnswer, *, user_id: int, reason: str,
         now: datetime) -> None:
    """Hide a question or an answer with a reason. A hidden answer stops being the accepted one."""
    reason = _reason(reason)
    if item.hidden_at is not None:
        raise DiscussionError(N_("It is already hidden."))
    item.hidden_at, item.hidden_by_id, item.hidden_reason = now, user_id, reason
    if isinstance(item, DiscussionAnswer):
        session.execute(delete(DiscussionAcceptance).where(DiscussionAcceptance.answer_id == item.id))
    session.flush()


def restore(session: Session, item: DiscussionQuestion | DiscussionAnswer) -> str:
    """Show a hidden item again; returns the reason it had been hidden for."""
    if item.hidden_at is None:
        raise DiscussionError(N_("It is not hidden."))
    reason = item.hidden_reason
    item.hidden_at, item.hidden_by_id, item.hidden_reason = None, None, ""
    session.flush()
    return reason


# ---- reading ------------------------------------------------------------------------------------------------------

def _visible_answers(question_id_column):
    return (select(func.count()).select_from(DiscussionAnswer)
            .where(DiscussionAnswer.question_id == question_id_column, DiscussionAnswer.hidden_at.is_(None))
            .correlate(DiscussionQuestion).scalar_subquery())


@dataclass(frozen=True)
class QuestionRow:
    question: DiscussionQuestion
    author_name: str
    answers: int
    accepted: bool


def _author_name():
    return case((User.full_name != "", User.full_name), else_=User.username)


def list_questions(session: Session, *, course_id: int, show: str, user_id: int, include_hidden: bool,
                   page: int = 1, per_page: int = PER_PAGE) -> tuple[list[QuestionRow], int]:
    """One page of a course's questions, newest first, and how many match in all."""
    answers = _visible_answers(DiscussionQuestion.id)
    conditions = [DiscussionQuestion.course_id == course_id]
    if not include_hidden:
        conditions.append(DiscussionQuestion.hidden_at.is_(None))
    if show == "unanswered":
        conditions.append(answers == 0)
    elif show == "answered":
        conditions.append(answers > 0)
    elif show == "mine":
        conditions.append(DiscussionQuestion.author_id == user_id)
    total = session.scalar(select(func.count()).select_from(DiscussionQuestion).where(*conditions)) or 0
    accepted = exists().where(DiscussionAcceptance.question_id == DiscussionQuestion.id)
    rows = session.execute(
        select(DiscussionQuestion, _author_name(), answers, accepted)
        .join(User, User.id == DiscussionQuestion.author_id)
        .where(*conditions)
        .order_by(DiscussionQuestion.created_at.desc(), DiscussionQuestion.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [QuestionRow(q, name, n, bool(a)) for q, name, n, a in rows], total


# Built once: every lesson page runs it.
_QUESTION_COUNT = (select(func.count()).select_from(DiscussionQuestion)
                   .where(DiscussionQuestion.course_id == bindparam("course_id"), DiscussionQuestion.hidden_at.is_(None)))


def question_count(session: Session, course_id: int) -> int:
    """The questions a learner of the course sees (the figure on the course and lesson pages)."""
    return session.scalar(_QUESTION_COUNT, {"course_id": course_id}) or 0


def get_question(session: Session, *, course_id: int, question_id: int) -> DiscussionQuestion | None:
    question = session.get(DiscussionQuestion, question_id)
    return question if question is not None and question.course_id == course_id else None


def get_answer(session: Session, *, question_id: int, answer_id: int) -> DiscussionAnswer | None:
    answer = session.get(DiscussionAnswer, answer_id)
    return answer if answer is not None and answer.question_id == question_id else None


def display_name(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return "" if user is None else (user.full_name or user.username)


@dataclass(frozen=True)
class AnswerRow:
    answer: DiscussionAnswer
    author_name: str
    accepted: bool


def answers_of(session: Session, *, question_id: int, include_hidden: bool) -> list[AnswerRow]:
    """A question's answers: the accepted one first, then oldest first."""
    accepted = and_(DiscussionAcceptance.question_id == question_id,
                    DiscussionAcceptance.answer_id == DiscussionAnswer.id)
    is_accepted = exists().where(accepted)
    conditions = [DiscussionAnswer.question_id == question_id]
    if not include_hidden:
        conditions.append(DiscussionAnswer.hidden_at.is_(None))
    rows = session.execute(
        select(DiscussionAnswer, _author_name(), is_accepted)
        .join(User, User.id == DiscussionAnswer.author_id)
        .where(*conditions)
        .order_by(case((is_accepted, 0), else_=1), DiscussionAnswer.created_at, DiscussionAnswer.id)).all()
    return [AnswerRow(a, name, bool(acc)) for a, name, acc in rows]


@dataclass(frozen=True)
class UnansweredRow:
    question: DiscussionQuestion
    course_code: str
    course_title: str
    author_name: str


def _unanswered_conditions():
    return (DiscussionQuestion.hidden_at.is_(None), Course.status.in_(VISIBLE_STATUSES),
            _visible_answers(DiscussionQuestion.id) == 0)


def unanswered_count(session: Session) -> int:
    """Questions waiting for an answer across every course (what authors answer)."""
    return session.scalar(select(func.count()).select_from(DiscussionQuestion)
                          .join(Course, Course.id == DiscussionQuestion.course_id)
                          .where(*_unanswered_conditions())) or 0


def unanswered(session: Session, *, page: int = 1, per_page: int = 50) -> list[UnansweredRow]:
    """Unanswered questions across every course, the longest waiting first."""
    rows = session.execute(
        select(DiscussionQuestion, Course.code, Course.title, _author_name())
        .join(Course, Course.id == DiscussionQuestion.course_id)
        .join(User, User.id == DiscussionQuestion.author_id)
        .where(*_unanswered_conditions())
        .order_by(DiscussionQuestion.created_at, DiscussionQuestion.id)
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [UnansweredRow(q, code, title, name) for q, code, title, name in rows]
