"""Classroom pages: upcoming sessions, a session (sign-up, people, attendance),
scheduling by trainers, managers and administrators in their scope, the
sign-in sheet import, the .ics file and the trainer's queue."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import NotFound

from lms.auth.models import User
from lms.classroom import services
from lms.classroom.forms import SessionForm, SignUpOtherForm, local_to_utc, utc_to_local, zone_name
from lms.classroom.ical import session_ics
from lms.classroom.labels import ATTENDANCE_LABELS
from lms.classroom.mail import render_notice, session_url
from lms.classroom.models import ATTENDANCE_STATUSES, ClassroomSession
from lms.courses.services import get_course, published_courses
from lms.csv_upload import import_errors
from lms.csvfile import ImportInvalid
from lms.db import must_get
from lms.forms import ActionForm, ImportForm, confirm_first
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope, require_user_in_scope, staff_scope
from lms.orgs.services import search_units
from lms.params import parse_int, valid_id
from lms.permissions import deny, login_required, roles_required
from lms.web import audit, db_session, request_now

bp = Blueprint("classroom", __name__, url_prefix="/classroom")
STAFF = services.STAFF_ROLES


def _scope() -> Scope:
    return staff_scope(db_session(), current_user)


def _get(session_id: int) -> ClassroomSession:
    cs = db_session().get(ClassroomSession, session_id)
    if cs is None or cs.course.status not in ("published", "archived"):
        abort(404)
    return cs


def _managed(session_id: int) -> tuple[ClassroomSession, Scope]:
    """A session the user may manage; else 404 (out of scope is indistinguishable from absent)."""
    cs, scope = _get(session_id), _scope()
    if not services.can_manage(current_user, scope, cs):
        abort(404)
    return cs, scope


def _error(exc: services.ClassroomError) -> str:
    return _(str(exc), **exc.params)


@bp.route("/")
@login_required
def index():
    session = db_session()
    code = _text(request.args.get("course")).strip()[:40]
    course = get_course(session, code) if code else None
    if code and course is None:
        abort(404)
    scope = _scope()
    is_staff = bool(current_user.role_names & set(STAFF)) and not scope.empty
    sessions = services.upcoming_sessions(session, now=request_now(), course_id=course.id if course else None,
                                          include_cancelled=is_staff)
    states = services.states_for(session, current_user.id, [s.id for s in sessions])
    return render_template("classroom/index.html", sessions=sessions, course=course, states=states,
                           courses=published_courses(session), is_staff=is_staff)


def _form_context(form: SessionForm, scope: Scope) -> dict:
    session = db_session()
    chosen_id = valid_id(form.org_unit_id.data)
    chosen = session.get(OrgUnit, chosen_id) if chosen_id else None
    unit_q = request.args.get("unit_q", "").strip()[:100]
    return {"unit": chosen if chosen is not None and scope.contains_path(chosen.path) else None, "unit_q": unit_q,
            "unit_matches": search_units(session, unit_q, scope=scope, limit=30) if unit_q else []}


def _text(value: str | None) -> str:
    """Typed text as it can be stored (PostgreSQL refuses NUL characters)."""
    return (value or "").replace("\x00", "")


def _fields(form: SessionForm) -> services.SessionFields:
    return services.SessionFields(
        course_id=form.course_id.data, title=_text(form.title.data), instructions=_text(form.instructions.data).strip(),
        starts_at=local_to_utc(form.starts_at.data), ends_at=local_to_utc(form.ends_at.data),
        place=_text(form.place.data), org_unit_id=form.org_unit_id.data, trainer_id=form.trainer_id.data,
        capacity=form.capacity.data)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new():
    session = db_session()
    scope = _scope()
    if scope.empty:
        abort(403)
    form = SessionForm()
    form.course_id.choices = [(c.id, f"{c.code} · {c.title}") for c in published_courses(session)]
    form.trainer_id.choices = [(t.id, f"{t.username} · {t.full_name}") for t in services.trainers_in_scope(session, scope)]
    if request.method == "GET":
        code = _text(request.args.get("course")).strip()[:40]
        course = get_course(session, code) if code else None
        if course is not None:
            form.course_id.data = course.id
        if scope.unit_id is not None:
            form.org_unit_id.data = scope.unit_id
        if "trainer" in current_user.role_names:
            form.trainer_id.data = current_user.id
        form.capacity.data = form.capacity.data or 20
    if form.validate_on_submit():
        try:
            cs = services.create_session(session, _fields(form), scope=scope, user_id=current_user.id,
                                         now=request_now())
        except services.ClassroomError as exc:
            session.rollback()
            flash(_error(exc), "error")
        else:
            audit("session_created", f"#{cs.id} course {cs.course_id} unit {cs.org_unit_id} trainer {cs.trainer_id} "
                                     f"{cs.starts_at:%Y-%m-%d %H:%M}Z capacity {cs.capacity}")
            flash(_("The session is scheduled."), "success")
            return redirect(url_for("classroom.session_page", session_id=cs.id))
    return render_template("classroom/edit.html", form=form, cs=None, zone=zone_name(), **_form_context(form, scope))


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit(session_id: int):
    session = db_session()
    cs, scope = _managed(session_id)
    form = SessionForm(obj=None if request.method == "POST" else cs)
    form.course_id.choices = [(cs.course_id, f"{cs.course.code} · {cs.course.title}")]
    trainers = services.trainers_in_scope(session, scope)
    if cs.trainer is not None and cs.trainer not in trainers:
        trainers.append(cs.trainer)
    form.trainer_id.choices = [(t.id, f"{t.username} · {t.full_name}") for t in trainers]
    if request.method == "GET":
        form.instructions.data = cs.instructions_md
        form.starts_at.data, form.ends_at.data = utc_to_local(cs.starts_at), utc_to_local(cs.ends_at)
    if form.validate_on_submit():
        try:
            promoted = services.update_session(session, cs, _fields(form), scope=scope, now=request_now(),
                                               render=render_notice)
        except services.ClassroomError as exc:
            session.rollback()
            flash(_error(exc), "error")
        else:
            audit("session_updated", f"#{cs.id} unit {cs.org_unit_id} trainer {cs.trainer_id} "
                                     f"{cs.starts_at:%Y-%m-%d %H:%M}Z capacity {cs.capacity}"
                                     + (f"; booked from the waiting list: {','.join(u.username for u in promoted)}"
                                        if promoted else ""))
            flash(_("The session is saved."), "success")
            return redirect(url_for("classroom.session_page", session_id=cs.id))
    return render_template("classroom/edit.html", form=form, cs=cs, zone=zone_name(), **_form_context(form, scope))


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@roles_required(*STAFF)
def cancel(session_id: int):
    session = db_session()
    cs, _scope_ = _managed(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not cs.cancelled and (page := confirm_first(
            _("Cancel this session?"), url_for("classroom.session_page", session_id=cs.id),
            _("Everyone booked or waiting is told by e-mail; this cannot be undone."))):
        return page
    if not cs.cancelled:
        told = services.cancel_session(session, cs, now=request_now(), render=render_notice)
        audit("session_cancelled", f"#{cs.id}: {told} people told")
        flash(ngettext("The session is cancelled; %(num)s person is told.",
                       "The session is cancelled; %(num)s people are told.", told), "success")
    return redirect(url_for("classroom.session_page", session_id=cs.id))


@bp.route("/sessions/<int:session_id>")
@login_required
def session_page(session_id: int):
    session = db_session()
    cs = _get(session_id)
    scope = _scope()
    manages = services.can_manage(current_user, scope, cs)
    # Staff of the session see everyone; a manager elsewhere sees the people of their own scope.
    people = services.people_of(session, cs) if manages else (
        services.people_of(session, cs, scope=scope) if not scope.empty else [])
    mine = services.signup_of(session, cs.id, current_user.id)
    rank = services.waiting_rank(session, mine) if mine is not None else None
    now = request_now()
    return render_template("classroom/session.html", cs=cs, manages=manages, people=people, mine=mine, rank=rank,
                           now=now, action=ActionForm(), other=SignUpOtherForm(), statuses=ATTENDANCE_STATUSES,
                           status_labels=ATTENDANCE_LABELS, can_sign_up_others=not scope.empty, started=cs.starts_at <= now)


def _person_for(cs: ClassroomSession, raw_user: str | None, raw_username: str | None):
    """The person an action is for: the user; or someone of the user's scope; or, to cancel a
    sign-up, anyone signed up for a session the user manages."""
    session = db_session()
    if not raw_user and not raw_username:
        return current_user
    scope = _scope()
    if scope.empty:
        deny(current_user, "acting for someone else needs a scope")
    if raw_username:
        person = services.user_by_username(session, _text(raw_username).strip()[:80])
        user_id = person.id if person is not None else None
    else:
        user_id = parse_int(raw_user)
    if user_id is None:
        return None
    if user_id == current_user.id:
        return current_user
    if raw_user and services.can_manage(current_user, scope, cs) and services.signup_of(session, cs.id, user_id) is not None:
        return must_get(session, User, user_id)
    try:
        return require_user_in_scope(session, current_user, user_id, scope)
    except NotFound:
        return None


@bp.route("/sessions/<int:session_id>/signup", methods=["POST"])
@login_required
def signup(session_id: int):
    session = db_session()
    cs = _get(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    person = _person_for(cs, None, request.form.get("username"))
    if person is None:
        flash(_("No one of your org unit has this username."), "error")
        return redirect(url_for("classroom.session_page", session_id=cs.id))
    try:
        state = services.sign_up(session, cs, user_id=person.id, by_id=current_user.id, now=request_now())
    except services.ClassroomError as exc:
        session.rollback()
        flash(_error(exc), "error")
    else:
        audit("session_signup", f"#{cs.id} {person.username}: {state}")
        myself = person.id == current_user.id
        if state == "booked":
            flash(_("You are booked.") if myself else _("%(name)s is booked.", name=person.username), "success")
        else:
            flash(_("The session is full: you are on the waiting list.") if myself else
                  _("The session is full: %(name)s is on the waiting list.", name=person.username), "success")
    if request.form.get("back") == "course":
        return redirect(url_for("catalog.course", code=cs.course.code))
    return redirect(url_for("classroom.session_page", session_id=cs.id))


@bp.route("/sessions/<int:session_id>/withdraw", methods=["POST"])
@login_required
def withdraw(session_id: int):
    session = db_session()
    cs = _get(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    person = _person_for(cs, request.form.get("user_id"), None)
    if person is None:
        abort(404)
    try:
        promoted = services.cancel_signup(session, cs, user_id=person.id, now=request_now(), render=render_notice)
    except services.ClassroomError as exc:
        session.rollback()
        flash(_error(exc), "error")
    else:
        audit("session_signup_cancelled", f"#{cs.id} {person.username}"
              + (f"; booked from the waiting list: {','.join(u.username for u in promoted)}" if promoted else ""))
        flash(_("The sign-up is cancelled."), "success")
    return redirect(url_for("classroom.session_page", session_id=cs.id))


@bp.route("/sessions/<int:session_id>/attendance", methods=["POST"])
@roles_required(*STAFF)
def attendance(session_id: int):
    session = db_session()
    cs, _scope_ = _managed(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    marks: dict[int, str] = {}
    for key, value in request.form.items():
        if key.startswith("status-") and value:
            user_id = parse_int(key.removeprefix("status-"))
            if user_id is None or value not in ATTENDANCE_STATUSES:
                abort(400)
            marks[user_id] = value
    try:
        result = services.mark_attendance(session, cs, marks, by_id=current_user.id, now=request_now())
    except services.ClassroomError as exc:
        session.rollback()
        flash(_error(exc), "error")
    else:
        audit("attendance_marked", f"#{cs.id}: {result}; " + ",".join(f"{u}={s}" for u, s in sorted(marks.items())))
        flash(_("Attendance saved: %(n)s changed.", n=result.marked), "success")
    return redirect(url_for("classroom.session_page", session_id=cs.id) + "#attendance")


@bp.route("/sessions/<int:session_id>/attendance/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_attendance(session_id: int):
    session = db_session()
    cs, _scope_ = _managed(session_id)
    form = ImportForm()
    errors: list[str] = []
    result = None
    if form.validate_on_submit():
        try:
            marks = services.parse_attendance_csv(session, cs, form.file.data.read())
            result = services.mark_attendance(session, cs, marks, by_id=current_user.id, now=request_now())
        except ImportInvalid as exc:
            session.rollback()
            errors = import_errors(exc)
        except services.ClassroomError as exc:
            session.rollback()
            errors = [_error(exc)]
        else:
            audit("attendance_imported", f"#{cs.id}: {result}")
    return render_template("classroom/import.html", form=form, cs=cs, errors=errors, result=result,
                           columns=services.ATTENDANCE_COLUMNS, statuses=ATTENDANCE_STATUSES), (422 if errors else 200)


@bp.route("/sessions/<int:session_id>.ics")
@login_required
def ics(session_id: int):
    cs = _get(session_id)
    body = session_ics(cs, url=session_url(cs.id), now=request_now())
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="session-{cs.id}.ics"'})


@bp.route("/queue")
@roles_required(*STAFF)
def queue():
    session = db_session()
    now = request_now()
    scope = _scope()
    rows = services.attendance_queue(session, user=current_user, scope=scope, now=now)
    counts = services.attendance_queue_counts(session, user=current_user, scope=scope, now=now)
    return render_template("classroom/queue.html", rows=rows, counts=counts)
