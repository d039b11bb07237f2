"""Form pieces shared by several feature packages."""
from __future__ import annotations

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
