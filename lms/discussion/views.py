"""Course questions and answers (讨论区): the list, asking, a question with its
answers, the accepted answer, moderation, and the authors' list of unanswered
questions. Someone who may not read a course's questions is answered 404, as
if the page did not exist; the anonymous are sent to log in."""
from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.courses.models import Course
from lms.discussion import services
from lms.discussion.forms import AnswerForm, HideForm, QuestionForm
from lms.discussion.models import DiscussionAnswer, DiscussionQuestion
from lms.forms import ActionForm
from lms.params import int_arg
from lms.permissions import deny, login_required, roles_required
from lms.web import audit, db_session, record_refusal, request_now

bp = Blueprint("discussion", __name__)

MAX_PAGE = 10_000


# ---- access ----------------------------------------------------------------------------------------------------------

def _course(code: str) -> tuple[Course, services.Access]:
    session = db_session()
    course = services.course_by_code(session, code)
    if course is None:
        abort(404)
    allowed = services.access(session, user_id=current_user.id, roles=current_user.role_names, course_id=course.id)
    if not allowed.read:
        deny(current_user, f"questions of course {code}: not enrolled", code=404)
    return course, allowed


def _question(code: str, question_id: int) -> tuple[Course, services.Access, DiscussionQuestion]:
    course, allowed = _course(code)
    question = services.get_question(db_session(), course_id=course.id, question_id=question_id)
    if question is None or (question.hidden_at is not None and not allowed.moderate):
        abort(404)
    return course, allowed, question


def _message(exc: services.DiscussionError) -> str:
    return _(str(exc), **exc.params)


def _refuse(exc: services.DiscussionError) -> int:
    """Undo the request's work; a throttled post is also written to the security log. The status to answer."""
    if isinstance(exc, services.RateLimited):
        record_refusal("discussion_throttled", user=current_user, detail=f"{request.method} {request.path}")
        return 429
    db_session().rollback()
    return 200


@bp.app_template_global()
def discussion_count(course_id: int) -> int:
    """The number after "Questions and answers" on the course and lesson pages."""
    return services.question_count(db_session(), course_id)


# ---- the list and asking ------------------------------------------------------------------------------------------

@bp.get("/courses/<code>/questions")
@login_required
def index(code: str):
    course, allowed = _course(code)
    show = request.args.get("show", "all")
    if show not in services.FILTERS:
        show = "all"
    page = int_arg("page", maximum=MAX_PAGE) or 1
    rows, total = services.list_questions(db_session(), course_id=course.id, show=show, user_id=current_user.id,
                                          include_hidden=allowed.moderate, page=page)
    pages = max(1, -(-total // services.PER_PAGE))
    return render_template("discussion/index.html", course=course, allowed=allowed, rows=rows, total=total, show=show,
                           page=page, pages=pages)


@bp.route("/courses/<code>/questions/new", methods=["GET", "POST"])
@login_required
def ask(code: str):
    course, allowed = _course(code)
    if not allowed.ask:
        flash(_("Only the learners enrolled in this course ask questions here."), "info")
        return redirect(url_for("discussion.index", code=code))
    form = QuestionForm()
    status = 200
    if form.validate_on_submit():
        try:
            question = services.ask_question(db_session(), course_id=course.id, user_id=current_user.id,
                                             title=form.title.data or "", body=form.body.data or "",
                                             now=request_now())
        except services.DiscussionError as exc:
            status = _refuse(exc)
            flash(_message(exc), "error")
        else:
            audit("discussion_question_asked", f"course {course.code} question #{question.id}")
            flash(_("Your question is posted. If your account has an e-mail address, you will get an e-mail when someone answers."), "success")
            return redirect(url_for("discussion.question", code=code, question_id=question.id))
    elif request.method == "POST":
        abort(400)  # no CSRF token
    return render_template("discussion/ask.html", course=course, form=form, limits=_limits()), status


def _limits() -> dict:
    return {"title": services.TITLE_MAX, "body": services.BODY_MAX}


# ---- one question ---------------------------------------------------------------------------------------------------

def _question_page(course, allowed, question, form: AnswerForm, status: int = 200):
    session = db_session()
    answers = services.answers_of(session, question_id=question.id, include_hidden=allowed.moderate)
    may_accept = allowed.moderate or question.author_id == current_user.id
    return render_template(
        "discussion/question.html", course=course, allowed=allowed, question=question,
        asker=services.display_name(session, question.author_id), answers=answers, form=form,
        may_accept=may_accept and question.hidden_at is None, action_form=ActionForm(), hide_form=HideForm(),
        limits=_limits()), status


@bp.get("/courses/<code>/questions/<int:question_id>")
@login_required
def question(code: str, question_id: int):
    course, allowed, item = _question(code, question_id)
    return _question_page(course, allowed, item, AnswerForm(formdata=None))


def _notice(code: str, asker, question: DiscussionQuestion, answer: DiscussionAnswer) -> tuple[str, str]:
    """The asker's e-mail, in their language."""
    url = (str(current_app.config["BASE_URL"]).rstrip("/")
           + url_for("discussion.question", code=code, question_id=question.id)
           + f"#answer-{answer.id}")
    with force_locale(asker.language):
        subject = _("New answer to your question: %(title)s", title=question.title)
        body = "\n\n".join([
            _("Hello %(name)s,", name=asker.full_name or asker.username),
            _("Someone answered your question “%(title)s”.", title=question.title),
            _("Read the answer here: %(url)s", url=url),
            "-- \n" + _("@learning"),
        ]) + "\n"
    return subject, body


@bp.post("/courses/<code>/questions/<int:question_id>/answers")
@login_required
def answer(code: str, question_id: int):
    course, allowed, item = _question(code, question_id)
    if not allowed.answer:
        abort(404)  # pragma: no cover - whoever reads may answer
    form = AnswerForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        posted = services.post_answer(db_session(), question=item, user_id=current_user.id, body=form.body.data or "",
                                      now=request_now(), notice=partial(_notice, course.code))
    except services.DiscussionError as exc:
        status = _refuse(exc)
        flash(_message(exc), "error")
        return _question_page(course, allowed, item, form, status)
    audit("discussion_answer_posted", f"course {course.code} question #{item.id} answer #{posted.id}")
    flash(_("Your answer is posted."), "success")
    return redirect(url_for("discussion.question", code=code, question_id=item.id, _anchor=f"answer-{posted.id}"))


@bp.post("/courses/<code>/questions/<int:question_id>/answers/<int:answer_id>/accept")
@login_required
def accept(code: str, question_id: int, answer_id: int):
    course, allowed, item = _question(code, question_id)
    if not (allowed.moderate or item.author_id == current_user.id):
        deny(current_user, f"question #{item.id}: only the asker or an author accepts an answer")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        replaced = services.accept_answer(db_session(), question=item, answer_id=answer_id, user_id=current_user.id,
                                          now=request_now())
    except services.DiscussionError as exc:
        _refuse(exc)
        flash(_message(exc), "error")
    else:
        audit("discussion_answer_accepted", f"course {course.code} question #{item.id} answer #{answer_id}"
              + (f" (instead of #{replaced})" if replaced else ""))
        flash(_("The answer is marked as accepted."), "success")
    return redirect(url_for("discussion.question", code=code, question_id=item.id, _anchor=f"answer-{answer_id}"))


# ---- moderation ---------------------------------------------------------------------------------------------------------

def _moderated(code: str, question_id: int) -> tuple[Course, DiscussionQuestion]:
    course, allowed, item = _question(code, question_id)
    if not allowed.moderate:
        deny(current_user, f"question #{item.id}: moderation is for authors and administrators")
    return course, item


def _moderate(course: Course, question: DiscussionQuestion, target, action: str, what: str):
    if action == "hide":
        form = HideForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            services.hide(db_session(), target, user_id=current_user.id, reason=form.reason.data or "",
                          now=request_now())
        except services.DiscussionError as exc:
            _refuse(exc)
            flash(_message(exc), "error")
        else:
            audit(f"discussion_{what}_hidden", f"course {course.code} {what} #{target.id}: {target.hidden_reason}")
            flash(_("Hidden. Learners no longer see it; you can restore it."), "success")
    else:
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            reason = services.restore(db_session(), target)
        except services.DiscussionError as exc:
            _refuse(exc)
            flash(_message(exc), "error")
        else:
            audit(f"discussion_{what}_restored", f"course {course.code} {what} #{target.id} (had been hidden: {reason})")
            flash(_("Restored: everyone who reads the course's questions sees it again."), "success")
    anchor = f"answer-{target.id}" if what == "answer" else None
    return redirect(url_for("discussion.question", code=course.code, question_id=question.id, _anchor=anchor))


@bp.post("/courses/<code>/questions/<int:question_id>/<any(hide,restore):action>")
@login_required
def moderate_question(code: str, question_id: int, action: str):
    course, item = _moderated(code, question_id)
    return _moderate(course, item, item, action, "question")


@bp.post("/courses/<code>/questions/<int:question_id>/answers/<int:answer_id>/<any(hide,restore):action>")
@login_required
def moderate_answer(code: str, question_id: int, answer_id: int, action: str):
    course, item = _moderated(code, question_id)
    target = services.get_answer(db_session(), question_id=item.id, answer_id=answer_id)
    if target is None:
        abort(404)
    return _moderate(course, item, target, action, "answer")


# ---- the authors' list ------------------------------------------------------------------------------------------------

@bp.get("/discussion/unanswered")
@roles_required("author", "admin")
def unanswered():
    session = db_session()
    page = int_arg("page", maximum=MAX_PAGE) or 1
    per_page = 50
    total = services.unanswered_count(session)
    rows = services.unanswered(session, page=page, per_page=per_page)
    return render_template("discussion/unanswered.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // per_page)))


@bp.app_template_global()
def unanswered_questions() -> int:
    """The count shown next to the link on the authoring page."""
    return services.unanswered_count(db_session())
