"""The page behind every CSV import (org units, people): upload, then either
every problem of the file with its line number (nothing changed, 422) or the
counts of what the import did (audited, committed with the request)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lms.csvfile import ImportInvalid
from lms.forms import ImportForm
from lms.web import MULTIPART_ALLOWANCE, audit, db_session

# The largest CSV file an import page takes (131,000 units or 100,000 people fit).
MAX_CSV_BYTES = 32 * 1024 * 1024
CSV_BODY_BYTES = MAX_CSV_BYTES + MULTIPART_ALLOWANCE


def import_errors(exc: ImportInvalid) -> list[str]:
    """Import problems in the reader's language."""
    return [_("line %(line)s: %(reason)s", line=e.line, reason=_(e.message, **e.params)) for e in exc.errors]


def csv_import_page(run_import: Callable[[Session, bytes], Any], *, columns, action: str = "",
                    audit_result: Callable[[Any], None] | None = None, template: str = "csv_import.html",
                    **context):
    """On a valid upload, `run_import(session, data)`; any invalid row refuses
    the whole file (listed, nothing changed, 422), otherwise the import is
    audited: by `audit_result(result)`, or as one `action` row. `template`
    (given `context`) shows the form, the errors and the result."""
    form = ImportForm()
    errors: list[str] = []
    result = None
    if form.validate_on_submit():
        session = db_session()
        try:
            result = run_import(session, form.file.data.read())
        except ImportInvalid as exc:
            session.rollback()
            errors = import_errors(exc)
        else:
            if audit_result is not None:
                audit_result(result)
            else:
                audit(action, str(result))
    return render_template(template, form=form, errors=errors, result=result, columns=columns,
                           **context), (422 if errors else 200)
