"""Forms of the question pages. Lengths are checked again by the services
(which keep the message the user sees); the fields only bound what is read."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired

from lms.params import id_range


class QuestionForm(FlaskForm):
    title = StringField(_l("Question"))
    body = TextAreaField(_l("Details (optional; Markdown)"))


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer (Markdown)"))


class AcceptForm(FlaskForm):
    answer_id = IntegerField(validators=[InputRequired(), id_range()])


class HideForm(FlaskForm):
    reason = StringField(_l("Reason (shown to moderators)"))
