from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from lms import labels
from lms.enums import LANGUAGES, SCHEMES, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS


def _choices(values, names):
    return [("", _l("Any"))] + [(v, names.get(v, v)) for v in values]


class CatalogFilterForm(FlaskForm):
    """GET filters of the catalogue (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    skill = SelectField(_l("Skill type"), choices=_choices(SKILL_TYPES, labels.SKILL_TYPE_LABELS), validators=[Optional()])
    level = SelectField(_l("Target level"), choices=_choices(TARGET_LEVELS, labels.TARGET_LEVEL_LABELS), validators=[Optional()])
    scheme = SelectField(_l("Scheme"), choices=_choices(SCHEMES, labels.SCHEME_LABELS), validators=[Optional()])
    audience = SelectField(_l("For"), choices=_choices(STAFF_CATEGORIES, labels.STAFF_CATEGORY_LABELS), validators=[Optional()])
    language = SelectField(_l("Language"), choices=_choices(LANGUAGES, labels.LANGUAGE_LABELS), validators=[Optional()])
