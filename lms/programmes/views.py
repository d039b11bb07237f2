"""Programme pages: the catalogue's list and programme page (with the
person's progress), and the authors' pages (edit a draft, review, publish,
archive, import and export programme.toml). Views parse forms, call
lms.programmes.services and never commit."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from content.programme import MAX_PROGRAMME_BYTES, ProgrammeInvalid, ProgrammeSpec, load_programme_bytes
from lms.permissions import public, roles_required
from lms.programmes import forms, services
from lms.programmes.models import Programme
from lms.programmes.services import ProgrammeError
from lms.web import MULTIPART_ALLOWANCE, audit, body_limit, db_session, request_now

bp = Blueprint("programmes", __name__)
AUTHORS = ("author", "admin")


def _message(exc: Exception) -> str:
    params = getattr(exc, "params", None) or {}
    return _(str(exc), **params) if params else _(str(exc))


def _fail(exc: Exception) -> None:
    db_session().rollback()
    flash(_message(exc), "error")


def _programme(code: str) -> Programme:
    programme = services.get_programme(db_session(), code)
    if programme is None:
        abort(404)
    return programme


# ---- catalogue -------------------------------------------------------------------

@bp.get("/programmes")
@public
def index():
    session = db_session()
    programmes = services.published_programmes(session)
    return render_template("programmes/index.html", programmes=programmes)


@bp.get("/programmes/<code>")
@public
def programme(code: str):
    session = db_session()
    found = _programme(code)
    user_id = current_user.id if current_user.is_authenticated else None
    progress = services.progress(session, user_id=user_id, programme=found)
    if found.status != "published" and progress.completed_at is None:
        abort(404)  # drafts and withdrawn programmes: only those who completed one still see it
    return render_template("programmes/programme.html", programme=found, progress=progress,
                           signed_in=user_id is not None)


# ---- authoring -------------------------------------------------------------------

def _spec(form: forms.ProgrammeForm, code: str) -> ProgrammeSpec:
    return ProgrammeSpec(
        code=code, title=(form.title.data or "").strip(), description=(form.description.data or "").strip(),
        audience=tuple(form.audience.data or ()), professions=tuple(form.professions.data or ()),
        certificate_validity_days=form.certificate_validity_days.data, min_optional=form.min_optional.data or 0,
        courses=services.parse_course_lines(form.courses.data or ""))


@bp.get("/authoring/programmes")
@roles_required(*AUTHORS)
def authoring_index():
    return render_template("programmes/authoring_index.html", programmes=services.all_programmes(db_session()),
                           import_form=forms.ImportProgrammeForm())


@bp.route("/authoring/programmes/new", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def new():
    form = forms.NewProgrammeForm()
    status = 200
    if form.validate_on_submit():
        code = (form.code.data or "").strip()
        try:
            programme = services.create_programme(db_session(), _spec(form, code), user=current_user,
                                                  now=request_now())
        except ProgrammeError as exc:
            _fail(exc)
            status = 422
        else:
            audit("programme.created", f"programme {programme.code}")
            flash(_("Programme created as a draft."), "success")
            return redirect(url_for("programmes.authoring", code=programme.code))
    elif request.method == "POST":
        status = 422
    return render_template("programmes/edit.html", form=form, programme=None), status


@bp.get("/authoring/programmes/<code>")
@roles_required(*AUTHORS)
def authoring(code: str):
    session = db_session()
    found = _programme(code)
    return render_template("programmes/authoring.html", programme=found, action_form=forms.ActionForm(),
                           review_form=forms.ReviewForm(), events=services.events_of(session, found.id),
                           can_review=found.status == "review" and services.can_review(session, found, current_user))


@bp.route("/authoring/programmes/<code>/edit", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def edit(code: str):
    found = _programme(code)
    form = forms.ProgrammeForm()
    status = 200
    if request.method == "GET":
        form.title.data = found.title
        form.description.data = found.description_md
        form.courses.data = services.course_lines(found)
        form.min_optional.data = found.min_optional
        form.certificate_validity_days.data = found.certificate_validity_days
        form.audience.data = found.audience_names
        form.professions.data = found.profession_names
    elif form.validate_on_submit():
        try:
            services.update_programme(db_session(), found, _spec(form, found.code), user=current_user,
                                      now=request_now())
        except ProgrammeError as exc:
            _fail(exc)
            status = 422
        else:
            audit("programme.edited", f"programme {found.code}")
            flash(_("Changes saved."), "success")
            return redirect(url_for("programmes.authoring", code=found.code))
    else:
        status = 422
    return render_template("programmes/edit.html", form=form, programme=found), status


def _act(code: str, action: str):
    found = _programme(code)
    form = forms.ReviewForm() if action in ("approve", "return") else forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    session, now = db_session(), request_now()
    comment = getattr(form, "comment", None)
    try:
        if action == "submit":
            services.submit_for_review(session, found, user=current_user, now=now)
            message = _("Submitted for review.")
        elif action == "approve":
            added = services.approve(session, found, user=current_user, now=now,
                                     comment=comment.data if comment else "")
            message = ngettext(
                "Published. %(num)s person who had already completed its courses completed the programme.",
                "Published. %(num)s people who had already completed its courses completed the programme.", added)
        elif action == "return":
            services.return_to_authors(session, found, user=current_user, now=now,
                                       comment=comment.data if comment else "")
            message = _("Returned to its authors.")
        elif action == "archive":
            services.archive_programme(session, found, user=current_user, now=now)
            message = _("Programme archived.")
        else:
            services.reopen_draft(session, found, user=current_user, now=now)
            message = _("Reopened as a draft.")
    except ProgrammeError as exc:
        _fail(exc)
        return redirect(url_for("programmes.authoring", code=found.code))
    audit(f"programme.{action}", f"programme {found.code}")
    flash(message, "success")
    return redirect(url_for("programmes.authoring", code=found.code))


@bp.post("/authoring/programmes/<code>/submit")
@roles_required(*AUTHORS)
def submit(code: str):
    return _act(code, "submit")


@bp.post("/authoring/programmes/<code>/approve")
@roles_required(*AUTHORS)
def approve(code: str):
    return _act(code, "approve")


@bp.post("/authoring/programmes/<code>/return")
@roles_required(*AUTHORS)
def return_to_authors(code: str):
    return _act(code, "return")


@bp.post("/authoring/programmes/<code>/archive")
@roles_required(*AUTHORS)
def archive(code: str):
    return _act(code, "archive")


@bp.post("/authoring/programmes/<code>/reopen")
@roles_required(*AUTHORS)
def reopen(code: str):
    return _act(code, "reopen")


@bp.get("/authoring/programmes/<code>/programme.toml")
@roles_required(*AUTHORS)
def export(code: str):
    found = _programme(code)
    response = Response(services.export_programme(found), content_type="application/toml; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{found.code}-programme.toml"'
    return response


@bp.post("/authoring/programmes/import")
@body_limit(MAX_PROGRAMME_BYTES + MULTIPART_ALLOWANCE)
@roles_required(*AUTHORS)
def import_package():
    """A programme.toml becomes (or replaces) a draft, reviewed before it is published."""
    session = db_session()
    form = forms.ImportProgrammeForm()
    if not form.validate_on_submit():
        flash(_("Choose a programme.toml file."), "error")
        return render_template("programmes/authoring_index.html", programmes=services.all_programmes(session),
                               import_form=form, problems=None), 400
    upload = request.files["file"]
    data = upload.read(MAX_PROGRAMME_BYTES + 1)
    try:
        spec = load_programme_bytes(data, (upload.filename or "programme.toml")[:100])
        result = services.import_programme(session, spec, now=request_now(), user=current_user, publish=False)
    except ProgrammeInvalid as exc:
        session.rollback()
        flash(_("The programme package has errors; nothing was imported."), "error")
        return render_template("programmes/authoring_index.html", programmes=services.all_programmes(session),
                               import_form=form, problems=exc.problems), 422
    except ProgrammeError as exc:
        _fail(exc)
        return render_template("programmes/authoring_index.html", programmes=services.all_programmes(session),
                               import_form=form, problems=None), 422
    if not result.changed:
        flash(_("This package is the same as the programme: nothing changed."), "info")
    else:
        audit("programme.imported", f"programme {result.programme.code}")
        flash(_("Imported as a draft. Submit it for review to publish it."), "success")
    return redirect(url_for("programmes.authoring", code=result.programme.code))
