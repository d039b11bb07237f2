"""Authoring pages (authors and administrators). Every change is a POST with
a CSRF token; GET pages never write. Views parse forms, call
lms.authoring.services and commit once."""
from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from content import PackageInvalid, load_package_zip
from content.gift import MAX_GIFT_BYTES
from content.grading import numerical_value
from content.loader import MAX_PACKAGE_BYTES
from content.spec import CompletionSpec, ReviewSpec
from lms import labels
from lms.authoring import forms, services
from lms.authoring.services import AuthoringError
from lms.catalog.delivery import version_delivery
from lms.courses import services as catalog
from lms.courses.models import Course
from lms.forms import confirm_first
from lms.media.services import MAX_IMAGE_BYTES, MediaRefused, images_of_course, media_folder_of, store_image
from lms.msgids import N_
from lms.params import parse_float
from lms.permissions import roles_required
from lms.web import MULTIPART_ALLOWANCE, body_limit, db_session, request_now, request_today

bp = Blueprint("authoring", __name__, url_prefix="/authoring")
AUTHORS = ("author", "admin")


def media_folder() -> str:
    return media_folder_of(current_app.config, current_app.instance_path)


def _course(code: str) -> Course:
    course = catalog.get_course(db_session(), code)
    if course is None:
        abort(404)
    return course


def _message(exc: Exception) -> str:
    params = getattr(exc, "params", None) or {}
    return _(str(exc), **params) if params else _(str(exc))


def _fail(exc: Exception) -> None:
    db_session().rollback()
    flash(_message(exc), "error")


def _done(message: str, endpoint: str = "authoring.course", **values):
    if message:
        flash(message, "success")
    return redirect(url_for(endpoint, **values))


def _require_action_form() -> None:
    if not forms.ActionForm().validate_on_submit():
        abort(400)


def _course_action(code: str, action, message, *, back: str = "authoring.course", done: str = "authoring.course"):
    """Run `action(session, course)`, a step the services may refuse. Refused:
    say why (and list any package problems) and go back to `back`. Done:
    commit, flash `message` (text, or a function of what the action returned)
    and go to `done`."""
    course = _course(code)
    try:
        result = action(db_session(), course)
    except AuthoringError as exc:
        _fail(exc)
        for problem in exc.problems[:20]:
            flash(str(problem), "error")
        return redirect(url_for(back, code=code))
    return _done(message(result) if callable(message) else message, done, code=code)


# ---- lists and course page ---------------------------------------------------------------

@bp.route("/")
@roles_required(*AUTHORS)
def index():
    rows = services.course_list(db_session())
    due, overdue = services.review_counts(db_session(), today=request_today(), days=_review_days())
    return render_template("authoring/index.html", rows=rows, package_form=forms.PackageForm(),
                           review_due=due, review_overdue=overdue)


def _review_days() -> int:
    return int(current_app.config.get("REVIEW_DUE_DAYS", services.REVIEW_DUE_DAYS))


@bp.route("/due-for-review")
@roles_required(*AUTHORS)
def due_for_review():
    """Published courses whose review date is past or near, soonest first."""
    days = _review_days()
    today = request_today()
    return render_template("authoring/due_for_review.html", rows=services.review_queue(db_session(), today=today,
                                                                                       days=days),
                           days=days, today=today)


def _metadata_from(form: forms.MetadataForm) -> services.Metadata:
    return services.Metadata(
        title=form.title.data or "", summary=form.summary.data or "", skill_type=form.skill_type.data,
        target_level=form.target_level.data, language=form.language.data,
        estimated_minutes=form.estimated_minutes.data or 0, schemes=list(form.schemes.data or []),
        audience=list(form.audience.data or []),
        terms={f: getattr(form, f).data or "" for f in services.TERMS_FIELDS},
        certificate_validity_days=form.certificate_validity_days.data,
        policy_as_of=form.policy_as_of.data, review_by=form.review_by.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_course():
    form = forms.NewCourseForm()
    if form.validate_on_submit():
        try:
            course = services.create_course(db_session(), code=form.code.data, data=_metadata_from(form),
                                            user=current_user, now=request_now())
        except AuthoringError as exc:
            _fail(exc)
        else:
            return _done(_("Course created as a draft. Add its lessons."), code=course.code)
    return render_template("authoring/metadata.html", form=form, course=None, version=None), \
        (400 if request.method == "POST" else 200)


@bp.route("/courses/<code>")
@roles_required(*AUTHORS)
def course(code: str):
    session = db_session()
    course = _course(code)
    version = services.current_version(session, course)
    live = catalog.published_version(session, course.id)
    return render_template(
        "authoring/course.html", course=course, version=version, live=live,
        versions=list(reversed(course.versions)), events=services.course_events(session, course.id),
        problems=services.stored_problems(version) if version.status == "draft" and version.lessons else [],
        can_review=version.status == "review" and services.can_review(session, version, current_user),
        action_form=forms.ActionForm(), review_form=forms.ReviewForm(),
        missing_terms=services.missing_terms(version), delivery=version_delivery(version),
    )


@bp.route("/courses/<code>/metadata", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def metadata(code: str):
    session, course, version = _editor(code)
    if request.method == "GET":
        form = forms.MetadataForm(data={
            "title": version.title, "summary": version.summary_md, "skill_type": version.skill_type,
            "target_level": version.target_level, "language": version.language,
            "estimated_minutes": version.estimated_minutes, "schemes": version.scheme_names,
            "audience": version.audience_names, "certificate_validity_days": version.certificate_validity_days,
            **{f: getattr(version, f"{f}_md") for f in services.TERMS_FIELDS},
            "policy_as_of": version.policy_as_of, "review_by": version.review_by})
    else:
        form = forms.MetadataForm()
        if form.validate_on_submit():
            try:
                services.update_metadata(session, course, data=_metadata_from(form), user=current_user,
                                         now=request_now())
            except AuthoringError as exc:
                _fail(exc)
            else:
                return _done(_("Saved in the draft."), code=code)
    return render_template("authoring/metadata.html", form=form, course=course, version=version), \
        (400 if request.method == "POST" else 200)


# ---- lessons -----------------------------------------------------------------------------

@bp.route("/courses/<code>/lessons/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_lesson(code: str):
    session, course, version = _editor(code)
    form = forms.NewLessonForm()
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            preview = Markup(services.preview(form.body.data))  # nosec B704 - content.render_markdown output (nh3)
        else:
            try:
                lesson = services.add_lesson(session, course, title=form.title.data, slug=form.slug.data,
                                             body=form.body.data, minutes=form.estimated_minutes.data,
                                             user=current_user, now=request_now())
            except AuthoringError as exc:
                _fail(exc)
            else:
                return _done(_("Lesson added to the draft."), "authoring.lesson", code=code, slug=lesson.slug)
    status = 400 if request.method == "POST" and preview is None else 200
    return render_template("authoring/lesson.html", form=form, course=course, version=version, lesson=None,
                           preview=preview, action_form=forms.ActionForm()), status


@bp.route("/courses/<code>/lessons/<slug>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def lesson(code: str, slug: str):
    session, course, version = _editor(code)
    lesson = next((ls for ls in version.lessons if ls.slug == slug), None)
    if lesson is None:
        abort(404)
    preview = None
    if request.method == "GET":
        form = forms.LessonForm(data={"title": lesson.title, "body": lesson.body_md,
                                      "estimated_minutes": lesson.estimated_minutes})
    else:
        form = forms.LessonForm()
        if form.validate_on_submit():
            if request.form.get("action") == "preview":
                preview = Markup(services.preview(form.body.data))  # nosec B704 - content.render_markdown output (nh3)
            else:
                try:
                    services.update_lesson(session, course, slug, title=form.title.data, body=form.body.data,
                                           minutes=form.estimated_minutes.data, user=current_user, now=request_now())
                except AuthoringError as exc:
                    _fail(exc)
                else:
                    return _done(_("Lesson saved in the draft."), "authoring.lesson", code=code, slug=slug)
    status = 400 if request.method == "POST" and preview is None else 200
    return render_template("authoring/lesson.html", form=form, course=course, version=version, lesson=lesson,
                           preview=preview, action_form=forms.ActionForm()), status


@bp.route("/courses/<code>/lessons/<slug>/move", methods=["POST"])
@roles_required(*AUTHORS)
def move_lesson(code: str, slug: str):
    _require_action_form()
    up = request.form.get("direction") == "up"
    return _course_action(code, lambda session, course: services.move_lesson(
        session, course, slug, up=up, user=current_user, now=request_now()), "")


def _editor(code: str):
    """(session, course, its current version) for an editor page. An editor
    opened on a version in review says so before anything is typed, and goes
    back to the course page, which offers to withdraw it from review."""
    session = db_session()
    course = _course(code)
    version = services.current_version(session, course)
    if request.method == "GET" and version is not None and version.status == "review":
        flash(_("This version is in review. Withdraw it from review to change it, or wait for the reviewer."), "error")
        abort(redirect(url_for("authoring.course", code=course.code)))
    return session, course, version


@bp.route("/courses/<code>/lessons/<slug>/delete", methods=["POST"])
@roles_required(*AUTHORS)
def delete_lesson(code: str, slug: str):
    _require_action_form()
    if (page := confirm_first(_("Remove this lesson from the draft?"), url_for("authoring.course", code=code),
                               _("Published versions keep it; learners following them are not affected."))):
        return page
    return _course_action(code, lambda session, course: services.remove_lesson(
        session, course, slug, user=current_user, now=request_now()), _("Lesson removed from the draft."))


@bp.route("/courses/<code>/versions/<int:number>/lessons/<slug>")
@roles_required(*AUTHORS)
def preview_lesson(code: str, number: int, slug: str):
    """A saved lesson of any version, exactly as learners get it."""
    session = db_session()
    course = _course(code)
    version = catalog.get_version(session, course.id, number)
    lesson = next((ls for ls in version.lessons if ls.slug == slug), None) if version else None
    if lesson is None:
        abort(404)
    return render_template("authoring/preview.html", course=course, version=version, lesson=lesson)


# ---- quiz --------------------------------------------------------------------------------

@bp.route("/courses/<code>/quiz", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def quiz(code: str):
    session, course, version = _editor(code)
    quiz = version.quiz
    if request.method == "GET":
        form = forms.QuizSettingsForm(obj=quiz) if quiz is not None else forms.QuizSettingsForm()
    else:
        form = forms.QuizSettingsForm()
        if form.validate_on_submit():
            try:
                services.update_quiz_settings(session, course, settings=services.QuizSettings(
                    title=form.title.data, pass_mark=form.pass_mark.data, attempts_allowed=form.attempts_allowed.data,
                    shuffle_questions=form.shuffle_questions.data, shuffle_options=form.shuffle_options.data,
                    time_limit_minutes=form.time_limit_minutes.data,
                    questions_per_attempt=form.questions_per_attempt.data,
                    review=ReviewSpec(score=form.review_score.data, correctness=form.review_correctness.data,
                                      right_answers=form.review_right_answers.data,
                                      feedback=form.review_feedback.data)),
                    user=current_user, now=request_now())
            except AuthoringError as exc:
                _fail(exc)
            else:
                return _done(_("Quiz settings saved in the draft."), "authoring.quiz", code=code)
    return render_template("authoring/quiz.html", form=form, course=course, version=version, quiz=quiz,
                           action_form=forms.ActionForm()), (400 if request.method == "POST" else 200)


@bp.route("/courses/<code>/quiz/delete", methods=["POST"])
@roles_required(*AUTHORS)
def delete_quiz(code: str):
    _require_action_form()
    if (page := confirm_first(_("Remove the quiz and all its questions from the draft?"),
                               url_for("authoring.quiz", code=code),
                               _("Published versions keep their quiz; learners' attempts are never deleted."))):
        return page
    return _course_action(code, lambda session, course: services.remove_quiz(
        session, course, user=current_user, now=request_now()), _("Quiz removed from the draft."), back="authoring.quiz")


def _float(name: str, *, minimum: float | None = None, maximum: float | None = None) -> float | None:
    """A number from a row of the question form; None when the field is empty."""
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    value = parse_float(raw, minimum=minimum, maximum=maximum)
    if value is None:
        raise AuthoringError(N_("“%(value)s” is not a number in the range allowed here."), value=raw[:40])
    return value


def _question_input(form: forms.QuestionForm) -> services.QuestionInput:
    kind = form.kind.data
    options = []
    for n in range(forms.MAX_OPTIONS):
        text = request.form.get(f"opt-{n}-text", "")[:5000]
        if text.strip():
            options.append(services.OptionInput(text=text, correct=request.form.get(f"opt-{n}-correct") == "y",
                                                feedback=request.form.get(f"opt-{n}-feedback", "")[:5000],
                                                weight=_float(f"opt-{n}-weight", minimum=-100, maximum=100)))
    numbers = []
    if kind == "numerical":
        for n in range(forms.MAX_OPTIONS):
            numbers.append(services.NumberInput(
                value=_float(f"num-{n}-value"), tolerance=_float(f"num-{n}-tolerance", minimum=0),
                minimum=_float(f"num-{n}-min"), maximum=_float(f"num-{n}-max"),
                other=request.form.get(f"num-{n}-other") == "y", weight=_float(f"num-{n}-weight", minimum=0, maximum=100),
                feedback=request.form.get(f"num-{n}-feedback", "")[:5000]))
    units = []
    for n in range(forms.MAX_UNITS):
        unit = request.form.get(f"unit-{n}-name", "")[:40]
        if unit.strip():
            units.append((unit, _float(f"unit-{n}-multiplier", minimum=1e-12) or 1.0))
    pairs = [(request.form.get(f"pair-{n}-text", "")[:5000], request.form.get(f"pair-{n}-match", "")[:200])
             for n in range(forms.MAX_OPTIONS)]
    answer = {"true": True, "false": False}.get(form.answer.data or "")
    return services.QuestionInput(kind=kind, text=form.text.data or "", feedback=form.feedback.data or "",
                                  points=form.points.data or 1, title=form.title.data or "", options=options,
                                  answer=answer, feedback_true=form.feedback_true.data or "",
                                  feedback_false=form.feedback_false.data or "", numbers=numbers, units=units,
                                  pairs=pairs, distractors=(form.distractors.data or "").splitlines(),
                                  max_chars=form.max_chars.data)


def _rows(question=None) -> dict[str, list[dict]]:
    """The answer rows of the question form: as posted, or from the question being edited."""
    n_options = range(forms.MAX_OPTIONS)
    if request.method == "POST":
        get = request.form.get
        return {
            "options": [{"text": get(f"opt-{n}-text", ""), "correct": get(f"opt-{n}-correct") == "y",
                         "weight": get(f"opt-{n}-weight", ""), "feedback": get(f"opt-{n}-feedback", "")}
                        for n in n_options],
            "numbers": [{k: get(f"num-{n}-{k}", "") for k in ("value", "tolerance", "min", "max", "weight", "feedback")}
                        | {"other": get(f"num-{n}-other") == "y"} for n in n_options],
            "pairs": [{"text": get(f"pair-{n}-text", ""), "match": get(f"pair-{n}-match", "")} for n in n_options],
            "units": [{"name": get(f"unit-{n}-name", ""), "multiplier": get(f"unit-{n}-multiplier", "")}
                      for n in range(forms.MAX_UNITS)],
        }
    rows: dict[str, list[dict]] = {"options": [], "numbers": [], "pairs": [], "units": []}
    kind = question.kind if question is not None else ""
    for o in question.options if question is not None else ():
        weight = "" if o.weight is None else f"{o.weight:g}"
        if kind in ("single", "multiple", "short_answer"):
            rows["options"].append({"text": o.text_md, "correct": o.is_correct, "weight": weight,
                                    "feedback": o.feedback_md})
        elif kind == "numerical":
            row = {"value": "", "tolerance": "", "min": "", "max": "", "weight": weight, "feedback": o.feedback_md,
                   "other": o.min_value is None or o.max_value is None}
            if not row["other"]:
                exact = numerical_value(o.min_value, o.max_value)
                if exact is None:
                    row.update(min=f"{o.min_value!r}", max=f"{o.max_value!r}")
                else:
                    row.update(value=f"{exact[0]!r}", tolerance=f"{exact[1]!r}" if exact[1] else "")
            rows["numbers"].append(row)
        elif kind == "matching" and o.text_md:
            rows["pairs"].append({"text": o.text_md, "match": o.match_text})
    for unit, multiplier in question.units or () if question is not None else ():
        rows["units"].append({"name": unit, "multiplier": f"{multiplier:g}"})
    blank: dict[str, dict] = {"options": {"text": "", "correct": False, "weight": "", "feedback": ""},
             "numbers": {"value": "", "tolerance": "", "min": "", "max": "", "weight": "", "feedback": "", "other": False},
             "pairs": {"text": "", "match": ""}, "units": {"name": "", "multiplier": ""}}
    for name, size in (("options", forms.MAX_OPTIONS), ("numbers", forms.MAX_OPTIONS), ("pairs", forms.MAX_OPTIONS),
                       ("units", forms.MAX_UNITS)):
        rows[name] += [dict(blank[name]) for _ in range(max(0, size - len(rows[name])))]
    return rows


def _question_page(course, version, form, question, number, status):
    return render_template("authoring/question.html", form=form, course=course, version=version, question=question,
                           number=number, rows=_rows(question)), status


@bp.route("/courses/<code>/quiz/questions/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_question(code: str):
    session, course, version = _editor(code)
    form = forms.QuestionForm()
    if form.validate_on_submit():
        try:
            services.add_question(session, course, data=_question_input(form), user=current_user, now=request_now())
        except AuthoringError as exc:
            _fail(exc)
        else:
            return _done(_("Question added to the draft."), "authoring.quiz", code=code)
    return _question_page(course, version, form, None, None, 400 if request.method == "POST" else 200)


@bp.route("/courses/<code>/quiz/questions/<int:number>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def question(code: str, number: int):
    session, course, version = _editor(code)
    questions = version.quiz.questions if version.quiz is not None else []
    if not 1 <= number <= len(questions):
        abort(404)
    question = questions[number - 1]
    if request.method == "GET":
        data = {"kind": question.kind, "text": question.text_md, "feedback": question.feedback_md,
                "points": question.points, "title": question.title, "max_chars": question.max_chars,
                "distractors": "\n".join(o.match_text for o in question.options
                                          if question.kind == "matching" and not o.text_md)}
        if question.kind == "true_false":
            true_option, false_option = question.options
            data.update(answer="true" if true_option.is_correct else "false",
                        feedback_true=true_option.feedback_md, feedback_false=false_option.feedback_md)
        form = forms.QuestionForm(data=data)
    else:
        form = forms.QuestionForm()
        if form.validate_on_submit():
            try:
                services.update_question(session, course, number, data=_question_input(form), user=current_user,
                                         now=request_now())
            except AuthoringError as exc:
                _fail(exc)
            else:
                return _done(_("Question saved in the draft."), "authoring.quiz", code=code)
    return _question_page(course, version, form, question, number, 400 if request.method == "POST" else 200)


@bp.route("/courses/<code>/quiz/questions/<int:number>/move", methods=["POST"])
@roles_required(*AUTHORS)
def move_question(code: str, number: int):
    _require_action_form()
    up = request.form.get("direction") == "up"
    return _course_action(code, lambda session, course: services.move_question(
        session, course, number, up=up, user=current_user, now=request_now()), "",
        back="authoring.quiz", done="authoring.quiz")


@bp.route("/courses/<code>/quiz/questions/<int:number>/delete", methods=["POST"])
@roles_required(*AUTHORS)
def delete_question(code: str, number: int):
    _require_action_form()
    if (page := confirm_first(_("Remove question %(n)s from the draft?", n=number), url_for("authoring.quiz", code=code))):
        return page
    return _course_action(code, lambda session, course: services.remove_question(
        session, course, number, user=current_user, now=request_now()), _("Question removed from the draft."),
        back="authoring.quiz", done="authoring.quiz")


@bp.route("/courses/<code>/quiz/gift", methods=["GET", "POST"])
@body_limit(4 * MAX_GIFT_BYTES + MULTIPART_ALLOWANCE)  # pasted text arrives percent-encoded
@roles_required(*AUTHORS)
def gift(code: str):
    session, course, version = _editor(code)
    form = forms.GiftForm()
    report = problems = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = request.files.get("file")
        data = upload.read(1024 * 1024 + 1) if upload is not None and upload.filename else (form.text.data or "")
        if not data:
            flash(_("Choose a GIFT file or paste its text."), "error")
            status = 400
        else:
            try:
                report = services.import_gift(session, course, data=data, replace=form.replace.data,
                                              user=current_user, now=request_now())
            except AuthoringError as exc:
                _fail(exc)
                problems = exc.problems
                status = 422
            else:
                flash(_("%(n)s questions imported into the draft.", n=len(report.questions)), "success")
    return render_template("authoring/gift.html", form=form, course=course, version=version, report=report,
                           problems=problems), status


@bp.route("/courses/<code>/versions/<int:number>/quiz.gift")
@roles_required(*AUTHORS)
def export_gift(code: str, number: int):
    """The version's questions in GIFT, to reuse in Moodle or import again."""
    course = _course(code)
    version = catalog.get_version(db_session(), course.id, number)
    if version is None or version.quiz is None:
        abort(404)
    name, text = services.export_gift(version)
    return Response(text, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


# ---- images ------------------------------------------------------------------------------

@bp.route("/courses/<code>/images", methods=["GET", "POST"])
@body_limit(MAX_IMAGE_BYTES + MULTIPART_ALLOWANCE)
@roles_required(*AUTHORS)
def images(code: str):
    session = db_session()
    course = _course(code)
    form = forms.UploadForm()
    status, uploaded = 200, None
    if request.method == "POST":
        if (request.content_length or 0) > MAX_IMAGE_BYTES + 64 * 1024:
            flash(_("The image is larger than 5 MB; make it smaller and upload it again."), "error")
            status = 413
        elif not form.validate_on_submit():
            abort(400)
        else:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                flash(_("Choose an image file."), "error")
                status = 400
            else:
                data = upload.read(MAX_IMAGE_BYTES + 1)
                try:
                    uploaded = store_image(session, media_folder(), data=data, filename=upload.filename,
                                           now=request_now(), user_id=current_user.id, course_id=course.id)
                except MediaRefused as exc:
                    _fail(exc)
                    status = 413 if len(data) > MAX_IMAGE_BYTES else 422
                else:
                    services.record(session, course, action="image_uploaded", now=request_now(), user=current_user,
                                    detail=f"{uploaded.name} ({upload.filename[:100]})")
                    flash(_("Image uploaded. Copy its Markdown into a lesson."), "success")
    return render_template("authoring/images.html", form=form, course=course, images=images_of_course(session, course.id),
                           uploaded=uploaded, alt=(form.alt.data or "").replace("]", "").replace("[", "")), status


# ---- review workflow ---------------------------------------------------------------------

@bp.route("/courses/<code>/submit", methods=["POST"])
@roles_required(*AUTHORS)
def submit(code: str):
    _require_action_form()
    return _course_action(code, lambda session, course: services.submit_for_review(
        session, course, user=current_user, now=request_now()),
        _("Submitted for review. Another author or an administrator will review it."))


_CODE_LABELS = {"skill_type": labels.SKILL_TYPE_LABELS, "target_level": labels.TARGET_LEVEL_LABELS,
                "language": labels.LANGUAGE_LABELS, "schemes": labels.SCHEME_LABELS,
                "audience": labels.STAFF_CATEGORY_LABELS}


def _code_label(field: str, code: str) -> str:
    """A vocabulary code of the review diff in the reader's words."""
    return str(_CODE_LABELS.get(field, {}).get(code, code))


@bp.route("/courses/<code>/review")
@roles_required(*AUTHORS)
def review(code: str):
    session = db_session()
    course = _course(code)
    version = services.current_version(session, course)
    diff = services.version_diff(session, version, label=_code_label)
    return render_template("authoring/review.html", course=course, version=version, diff=diff,
                           can_review=version.status == "review" and services.can_review(session, version, current_user),
                           review_form=forms.ReviewForm())


@bp.route("/courses/<code>/approve", methods=["POST"])
@roles_required(*AUTHORS)
def approve(code: str):
    form = forms.ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    return _course_action(code, lambda session, course: services.approve(
        session, course, user=current_user, now=request_now(), comment=form.comment.data),
        lambda version: _("Version %(n)s is published.", n=version.number))


@bp.route("/courses/<code>/return", methods=["POST"])
@roles_required(*AUTHORS)
def return_version(code: str):
    form = forms.ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    return _course_action(code, lambda session, course: services.return_to_authors(
        session, course, user=current_user, now=request_now(), comment=form.comment.data),
        _("Returned to the authors with your comment."), back="authoring.review")


@bp.route("/courses/<code>/withdraw-review", methods=["POST"])
@roles_required(*AUTHORS)
def withdraw_review(code: str):
    _require_action_form()
    return _course_action(code, lambda session, course: services.withdraw_from_review(
        session, course, user=current_user, now=request_now()), _("The version is withdrawn from review: it is a draft again."))


@bp.route("/courses/<code>/archive", methods=["POST"])
@roles_required(*AUTHORS)
def archive(code: str):
    _require_action_form()
    if (page := confirm_first(_("Withdraw this course from the catalogue?"), url_for("authoring.course", code=code),
                               _("Nobody can enrol any more; people already enrolled keep reading it and their "
                                 "records are kept."))):
        return page
    return _course_action(code, lambda session, course: services.archive_course(
        session, course, user=current_user, now=request_now()), _("The course is withdrawn from the catalogue."))


@bp.route("/courses/<code>/discard", methods=["POST"])
@roles_required(*AUTHORS)
def discard(code: str):
    _require_action_form()
    if (page := confirm_first(_("Discard the draft and every change made in it?"),
                               url_for("authoring.course", code=code), _("This cannot be undone."))):
        return page
    return _course_action(code, lambda session, course: services.discard_draft(
        session, course, user=current_user, now=request_now()), _("The draft is discarded."))


# ---- packages ----------------------------------------------------------------------------

@bp.route("/courses/<code>/versions/<int:number>/export")
@roles_required(*AUTHORS)
def export(code: str, number: int):
    session = db_session()
    course = _course(code)
    version = catalog.get_version(session, course.id, number)
    if version is None:
        abort(404)
    name, data = services.export_version(session, version, media_folder())
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/import", methods=["GET", "POST"])
@body_limit(MAX_PACKAGE_BYTES + MULTIPART_ALLOWANCE)
@roles_required(*AUTHORS)
def import_package():
    session = db_session()
    form = forms.PackageForm()
    problems, status = None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = request.files.get("file")
        data = upload.read(MAX_PACKAGE_BYTES + 1) if upload is not None and upload.filename else b""
        if not data:
            flash(_("Choose a course package (.zip)."), "error")
            status = 400
        else:
            try:
                from content.loader import package_images_from_zip

                spec = load_package_zip(data)
                result = services.import_package(session, spec, package_images_from_zip(data, spec),
                                                 media_folder=media_folder(), now=request_now(), user=current_user,
                                                 publish=False)
            except PackageInvalid as exc:
                session.rollback()
                problems, status = exc.problems, 422
                flash(_("The package has errors; nothing was imported."), "error")
            except AuthoringError as exc:
                _fail(exc)
                problems, status = exc.problems, 422
            else:
                if result.version is None:  # an imported package always has a version
                    abort(500)
                if not result.changed:
                    flash(_("This package is the same as version %(n)s: nothing changed.", n=result.version.number),
                          "info")
                    return redirect(url_for("authoring.course", code=result.course.code))
                return _done(_("Imported as a draft (version %(n)s). Submit it for review to publish it.",
                               n=result.version.number), code=result.course.code)
    return render_template("authoring/import.html", form=form, problems=problems), status


# ---- on-the-job tasks, the manager evaluation, completion rules (issue 15) ---------------

@bp.route("/courses/<code>/activities", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def activities(code: str):
    """The tasks, the evaluation and the completion rules of the draft (POST: the rules)."""
    session = db_session()
    course = _course(code)
    version = services.current_version(session, course)
    rules = catalog.completion_spec(version)
    form = forms.CompletionForm(data=dataclasses.asdict(rules)) if request.method == "GET" else forms.CompletionForm()
    if request.method == "POST":
        if not form.validate():
            flash(_("The number of sessions to attend is between 0 and 50."), "error")
            return redirect(url_for("authoring.activities", code=code))
        chosen = CompletionSpec(lessons=form.lessons.data, quiz=form.quiz.data, sessions=form.sessions.data or 0,
                                tasks=form.tasks.data, evaluation=form.evaluation.data)
        return _course_action(code, lambda s, c: services.save_completion(s, c, rules=chosen, user=current_user,
                                                                          now=request_now()),
                              _("Completion rules saved in the draft."), back="authoring.activities",
                              done="authoring.activities")
    evaluation = version.evaluation
    evaluation_form = forms.EvaluationForm(data={"title": evaluation.title, "instructions": evaluation.instructions_md,
                                                 "max_score": evaluation.max_score} if evaluation else None)
    return render_template("authoring/activities.html", course=course, version=version, form=form,
                           evaluation_form=evaluation_form, action_form=forms.ActionForm())


@bp.route("/courses/<code>/tasks/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new_task(code: str):
    session = db_session()
    course = _course(code)
    version = services.current_version(session, course)
    form = forms.TaskForm()
    if form.validate_on_submit():
        try:
            services.add_task(session, course, title=form.title.data, slug=form.slug.data or "",
                              instructions=form.instructions.data, user=current_user, now=request_now())
        except AuthoringError as exc:
            _fail(exc)
        else:
            return _done(_("Task added to the draft."), "authoring.activities", code=code)
    status = 400 if request.method == "POST" else 200
    return render_template("authoring/task.html", course=course, version=version, form=form, task=None), status


@bp.route("/courses/<code>/tasks/<slug>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def task(code: str, slug: str):
    session = db_session()
    course = _course(code)
    version = services.current_version(session, course)
    found = next((t for t in version.tasks if t.slug == slug), None)
    if found is None:
        abort(404)
    form = (forms.TaskForm(data={"title": found.title, "instructions": found.instructions_md})
            if request.method == "GET" else forms.TaskForm())
    if form.validate_on_submit():
        try:
            services.update_task(session, course, slug, title=form.title.data, instructions=form.instructions.data,
                                 user=current_user, now=request_now())
        except AuthoringError as exc:
            _fail(exc)
        else:
            return _done(_("Task saved in the draft."), "authoring.activities", code=code)
    status = 400 if request.method == "POST" else 200
    return render_template("authoring/task.html", course=course, version=version, form=form, task=found), status


@bp.route("/courses/<code>/tasks/<slug>/delete", methods=["POST"])
@roles_required(*AUTHORS)
def delete_task(code: str, slug: str):
    _require_action_form()
    if (page := confirm_first(_("Remove this task from the draft?"), url_for("authoring.activities", code=code),
                               _("Published versions keep it; learners following them are not affected."))):
        return page
    return _course_action(code, lambda s, c: services.remove_task(s, c, slug, user=current_user, now=request_now()),
                          _("Task removed from the draft."), back="authoring.activities", done="authoring.activities")


@bp.route("/courses/<code>/evaluation", methods=["POST"])
@roles_required(*AUTHORS)
def evaluation(code: str):
    form = forms.EvaluationForm()
    if not form.validate_on_submit():
        flash(_("Give the evaluation a title and instructions; the maximum score is between 1 and 1000."), "error")
        return redirect(url_for("authoring.activities", code=code))
    return _course_action(code, lambda s, c: services.save_evaluation(
        s, c, title=form.title.data, instructions=form.instructions.data, max_score=form.max_score.data,
        user=current_user, now=request_now()), _("Manager evaluation saved in the draft."),
        back="authoring.activities", done="authoring.activities")


@bp.route("/courses/<code>/evaluation/delete", methods=["POST"])
@roles_required(*AUTHORS)
def delete_evaluation(code: str):
    _require_action_form()
    if (page := confirm_first(_("Remove the manager evaluation from the draft?"),
                               url_for("authoring.activities", code=code))):
        return page
    return _course_action(code, lambda s, c: services.remove_evaluation(s, c, user=current_user, now=request_now()),
                          _("Manager evaluation removed from the draft."), back="authoring.activities",
                          done="authoring.activities")
