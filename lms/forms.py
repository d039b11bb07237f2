"""Form pieces shared by several feature packages."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (no JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    """A POST button with a CSRF token."""


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file (UTF-8)"), validators=[FileRequired()])


def confirm_first(question: str, cancel_url: str, detail: str = "") -> str | None:
    """A destructive action asks once more, on a page of its own (no JavaScript
    needed): None once confirmed, else the page, which posts the same form
    again with confirm=yes."""
    if request.form.get("confirm") == "yes":
        return None
    return render_template("confirm.html", question=question, detail=detail, action=request.path,
                           cancel_url=cancel_url, form=ActionForm())
