"""The certificate pages: the printable certificate and its PDF (the holder,
managers in scope, administrators), revocation (managers in scope,
administrators), and the public verification page, which shows whether a
code is valid and nothing but the holder's name, the title and the date."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from lms.certificates import documents, services
from lms.certificates.forms import RevokeForm
from lms.certificates.models import Certificate
from lms.permissions import deny, login_required, public, roles_required
from lms.web import audit, db_session, request_now

bp = Blueprint("certificates", __name__)

CODE = "<string(maxlength=64):code>"


def verify_url(certificate: Certificate) -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/") + url_for("certificates.verify", code=certificate.code)


def _certificate(code: str) -> Certificate:
    """The certificate, for its holder, managers in scope and administrators; 404 for anyone else."""
    session = db_session()
    certificate = services.by_code(session, code)
    if certificate is None:
        abort(404)
    if not services.may_view(session, current_user, certificate):
        deny(current_user, "certificate of another person", code=404)
    return certificate


def _hours(hours: float) -> str:
    return _("%(hours)s hours", hours=f"{hours:g}")


def _notice(certificate: Certificate, status: str) -> str:
    if status == "revoked" and certificate.revoked_at is not None:
        return _("Revoked on %(date)s", date=format_date(certificate.revoked_at, "long"))
    if status == "expired" and certificate.expires_at is not None:
        return _("Expired on %(date)s", date=format_date(certificate.expires_at, "long"))
    return ""


def _page(certificate: Certificate, form: RevokeForm, code: int = 200):
    session = db_session()
    status = services.status_of(certificate, request_now())
    url = verify_url(certificate)
    return render_template("certificates/certificate.html", c=certificate, status=status, notice=_notice(certificate, status),
                           hours=_hours(certificate.hours), verify_url=url, qr=documents.qr_svg(url), form=form,
                           may_revoke=services.may_manage(session, current_user, certificate)
                           and certificate.revoked_at is None), code


@bp.get(f"/certificates/{CODE}")
@login_required
def certificate(code: str):
    return _page(_certificate(code), RevokeForm())


@bp.get(f"/certificates/{CODE}.pdf")
@login_required
def certificate_pdf(code: str):
    certificate = _certificate(code)
    status = services.status_of(certificate, request_now())
    fields = [(_("Org unit"), certificate.unit_name or "—"),
              (_("Completed on"), format_date(certificate.completed_at, "long")),
              (_("Hours"), _hours(certificate.hours)),
              (_("Serial number"), certificate.serial),
              (_("Valid until"), format_date(certificate.expires_at, "long") if certificate.expires_at else _("No expiry"))]
    sheet = documents.Sheet(issuer=_("Social Security Capacity Building Centre"), heading=_("Certificate of completion"), holder=certificate.holder_name,
                            statement=_("has completed the programme") if certificate.programme_id else
                            _("has completed the course"), title=certificate.title, fields=fields,
                            notice=_notice(certificate, status), verify_label=_("Verify this certificate at"),
                            verify_url=verify_url(certificate), serial=certificate.serial)
    response = Response(documents.certificate_pdf(sheet), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{certificate.serial}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post(f"/certificates/{CODE}/revoke")
@roles_required(*services.MANAGER_ROLES)
def revoke(code: str):
    session = db_session()
    certificate = services.by_code(session, code)
    if certificate is None:
        abort(404)
    if not services.may_manage(session, current_user, certificate):
        deny(current_user, "revoke a certificate outside scope", code=404)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _page(certificate, form)
    try:
        services.revoke(session, certificate, by_user_id=current_user.id, reason=form.reason.data or "", now=request_now())
    except services.CertificateError as exc:
        form.reason.errors = [_(exc.message, **exc.params)]
        return _page(certificate, form)
    audit("certificate_revoked", f"certificate {certificate.serial} of user {certificate.user_id}: {certificate.revoke_reason}")
    flash(_("The certificate %(serial)s is revoked.", serial=certificate.serial), "success")
    return redirect(url_for("certificates.certificate", code=certificate.code))


@bp.get(f"/verify/{CODE}")
@public
def verify(code: str):
    """Public: one indexed lookup, nothing written, nothing cached."""
    certificate = services.by_code(db_session(), code)
    if certificate is None:
        response = Response(render_template("certificates/verify.html", c=None, status="unknown"), status=404)
    else:
        status = services.status_of(certificate, request_now())
        response = Response(render_template("certificates/verify.html", c=certificate, status=status,
                                            notice=_notice(certificate, status)))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
