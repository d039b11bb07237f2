from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.enums import ORG_KINDS, ORG_LEVELS, STAFF_CATEGORIES
from lms.labels import STAFF_CATEGORY_LABELS
from lms.orgs.labels import KIND_LABELS, LEVEL_LABELS
from lms.params import id_range


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    level = SelectField(_l("Level"), choices=[(v, LEVEL_LABELS[v]) for v in ORG_LEVELS])
    kind = SelectField(_l("Kind"), choices=[(v, KIND_LABELS[v]) for v in ORG_KINDS])
    parent_id = IntegerField(_l("Parent unit"), validators=[Optional(), id_range()])


class HeadcountForm(FlaskForm):
    staff_category = SelectField(_l("Staff category"), choices=[(c, STAFF_CATEGORY_LABELS[c]) for c in STAFF_CATEGORIES])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    headcount = IntegerField(_l("Headcount"), validators=[InputRequired(), NumberRange(min=0, max=10**8)])


class MoveForm(FlaskForm):
    parent_id = IntegerField(_l("New parent"), validators=[Optional(), id_range()])
