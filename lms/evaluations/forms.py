from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DecimalField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.evaluations.services import MAX_COMMENT_CHARS, MAX_REPORT_CHARS


class TaskReportForm(FlaskForm):
    report = TextAreaField(_l("Your report"), validators=[DataRequired(), Length(max=MAX_REPORT_CHARS)])
    attachment = FileField(_l("Attachment (optional: an image or a PDF, at most 5 MB)"))


class MarkForm(FlaskForm):
    result = RadioField(_l("Result"), choices=[("done", _l("Done")), ("redo", _l("To redo"))],
                        validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=MAX_COMMENT_CHARS)])


class EvaluationForm(FlaskForm):
    result = RadioField(_l("Result"), choices=[("passed", _l("Passed")), ("not_yet", _l("Not yet"))],
                        validators=[DataRequired()])
    score = DecimalField(_l("Score"), validators=[Optional(), NumberRange(min=0, max=1000)], places=None)
    comment = TextAreaField(_l("Comment"), validators=[Length(max=MAX_COMMENT_CHARS)])


class EssayGradeForm(FlaskForm):
    points = DecimalField(_l("Points"), validators=[InputRequired(message=_l("Give the points.")),
                                                   NumberRange(min=0, max=1000)], places=None)
    comment = TextAreaField(_l("Comment"), validators=[Length(max=MAX_COMMENT_CHARS)])
