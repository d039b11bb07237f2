"""Forms of the question pages. What is typed is checked by the services
(lengths, Markdown, the hourly limits), which give the message the user sees."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class QuestionForm(FlaskForm):
    title = StringField(_l("Question"))
    body = TextAreaField(_l("Details (optional; Markdown)"))


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Your answer (Markdown)"))


class HideForm(FlaskForm):
    reason = StringField(_l("Reason (shown to moderators)"))
