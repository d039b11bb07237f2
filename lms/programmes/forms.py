from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from content.programme import MAX_PROGRAMME_COURSES, MAX_VALIDITY_DAYS
from lms import labels
from lms.enums import PROFESSIONS, STAFF_CATEGORIES
from lms.forms import ActionForm, MultiCheckboxField

__all__ = ["ActionForm", "ImportProgrammeForm", "NewProgrammeForm", "ProgrammeForm", "ReviewForm"]


class ProgrammeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description (Markdown)"), validators=[Optional(), Length(max=20000)])
    courses = TextAreaField(
        _l("Courses in order: one course code a line; add “optional” after the code of an optional course"),
        validators=[DataRequired(), Length(max=40 * MAX_PROGRAMME_COURSES)])
    min_optional = IntegerField(_l("Optional courses to complete"), default=0,
                                validators=[Optional(), NumberRange(min=0, max=MAX_PROGRAMME_COURSES)])
    certificate_validity_days = IntegerField(_l("Certificate valid for (days; empty: no expiry)"),
                                             validators=[Optional(), NumberRange(min=1, max=MAX_VALIDITY_DAYS)])
    audience = MultiCheckboxField(_l("For staff categories"),
                                  choices=[(v, labels.STAFF_CATEGORY_LABELS[v]) for v in STAFF_CATEGORIES])
    professions = MultiCheckboxField(_l("For professions"),
                                     choices=[(v, labels.PROFESSION_LABELS[v]) for v in PROFESSIONS])


class NewProgrammeForm(ProgrammeForm):
    code = StringField(_l("Code (e.g. PG-TRAINER)"), validators=[DataRequired(), Length(min=2, max=32)])


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class ImportProgrammeForm(FlaskForm):
    file = FileField(_l("programme.toml"), validators=[FileRequired()])
