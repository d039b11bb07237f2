from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, StopValidation

from lms.enums import PROFESSIONS, STAFF_CATEGORIES
from lms.forms import MultiCheckboxField
from lms.labels import PROFESSION_LABELS, STAFF_CATEGORY_LABELS
from lms.params import id_range


class AtLeastOne:
    """Like DataRequired, without the HTML `required` attribute (which on a
    group of checkboxes would require every one of them to be ticked)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise StopValidation(self.message)


class AssignmentForm(FlaskForm):
    courses = MultiCheckboxField(_l("Courses"), coerce=int, validators=[AtLeastOne(_l("Choose at least one course."))])
    org_unit_id = IntegerField(_l("Org unit (and everything below it)"),
                               validators=[InputRequired(message=_l("Choose an org unit.")), id_range()])
    categories = MultiCheckboxField(_l("Staff categories"), choices=[(c, STAFF_CATEGORY_LABELS[c]) for c in STAFF_CATEGORIES],
                                    validators=[AtLeastOne(_l("Choose at least one staff category."))])
    due_on = DateField(_l("Due on"), validators=[DataRequired(message=_l("Enter the due date."))])
    profession = SelectField(_l("Only people of the profession"), validate_choice=False,
                             choices=[("", _l("Any profession"))] + [(p, PROFESSION_LABELS[p]) for p in PROFESSIONS])
