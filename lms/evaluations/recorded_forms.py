"""Forms of training recorded from elsewhere (lms.evaluations.recorded)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from lms.evaluations.recorded import DEFAULT_MODE, MAX_EVIDENCE, MAX_PLACE, RECORDED_MODES
from lms.labels import DELIVERY_MODE_LABELS


class RecordForm(FlaskForm):
    course = SelectField(_l("Course"), choices=[], validate_choice=False,
                         validators=[DataRequired(message=_l("Choose a course."))])
    completed_on = DateField(_l("Completed on"), validators=[InputRequired(message=_l("Enter a date."))])
    mode = SelectField(_l("Mode of training"), choices=[(m, DELIVERY_MODE_LABELS[m]) for m in RECORDED_MODES],
                       default=DEFAULT_MODE)
    place = StringField(_l("Place"), validators=[DataRequired(message=_l("Say where the training was held.")),
                                                 Length(max=MAX_PLACE)])
    evidence = TextAreaField(_l("Evidence (e.g. sign-in sheet no. 12 filed at the district bureau)"),
                             validators=[DataRequired(message=_l("Say what proves the training.")),
                                         Length(max=MAX_EVIDENCE)])
    usernames = TextAreaField(_l("People (usernames, one per line or separated by commas)"),
                              validators=[DataRequired(message=_l("Name at least one person (their username).")),
                                          Length(max=20000)])
