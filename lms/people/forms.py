from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from lms.enums import LANGUAGES, PROFESSIONS, ROLES, STAFF_CATEGORIES
from lms.forms import MultiCheckboxField
from lms.labels import LANGUAGE_LABELS, PROFESSION_LABELS, ROLE_LABELS, STAFF_CATEGORY_LABELS
from lms.orgs.labels import STATUS_LABELS
from lms.params import id_range


class UserEditForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[Length(max=200)])
    email = StringField(_l("E-mail"), validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address.")), Length(max=254)])
    org_unit_id = IntegerField(_l("Org unit"), validators=[Optional(), id_range()])
    staff_category = SelectField(_l("Staff category"), choices=[(c, STAFF_CATEGORY_LABELS[c]) for c in STAFF_CATEGORIES])
    language = SelectField(_l("Language"), choices=[(c, LANGUAGE_LABELS[c]) for c in LANGUAGES])
    # Checked by the service (a form without the field leaves the profession as it is).
    profession = SelectField(_l("Profession or speciality"), validate_choice=False,
                             choices=[("", _l("None"))] + [(p, PROFESSION_LABELS[p]) for p in PROFESSIONS])
    status = SelectField(_l("Status"), choices=[(s, STATUS_LABELS[s]) for s in ("active", "deactivated", "pending")])
    roles = MultiCheckboxField(_l("Roles"), choices=[(r, ROLE_LABELS[r]) for r in ROLES if r != "learner"])


class SettingsForm(FlaskForm):
    self_registration = BooleanField(_l("Self-registration is open"))
