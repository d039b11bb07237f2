"""Forms of the classroom pages. Times are typed in the zone the person reads
them in (their own, else the site's: lms.i18n.select_timezone) and stored in UTC."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.classroom.models import MAX_CAPACITY
from lms.classroom.services import MAX_INSTRUCTIONS_CHARS
from lms.params import id_range


def zone_name() -> str:
    zone = get_timezone()
    return str(getattr(zone, "key", None) or getattr(zone, "zone", None) or zone)


def _zone() -> ZoneInfo:
    return ZoneInfo(zone_name())


def local_to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=_zone()).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(_zone()).replace(tzinfo=None)


class SessionForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=int, validators=[InputRequired(message=_l("Choose a course."))])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField(_l("Instructions for the participants (Markdown)"),
                                 validators=[Optional(), Length(max=MAX_INSTRUCTIONS_CHARS)])
    starts_at = DateTimeLocalField(_l("Starts"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                   validators=[InputRequired(message=_l("Enter a date and time."))])
    ends_at = DateTimeLocalField(_l("Ends"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                 validators=[InputRequired(message=_l("Enter a date and time."))])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=300)])
    org_unit_id = IntegerField(_l("Training centre"), validators=[InputRequired(message=_l("Choose an org unit.")),
                                                                  id_range()])
    trainer_id = SelectField(_l("Trainer"), coerce=int, validators=[InputRequired(message=_l("Choose a trainer."))])
    capacity = IntegerField(_l("Places"), validators=[InputRequired(), NumberRange(min=1, max=MAX_CAPACITY)])


class SignUpOtherForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
