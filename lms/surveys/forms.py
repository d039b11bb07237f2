"""Forms of the survey builder, the answer page and the paper import."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms import labels
from lms.assignments.forms import AtLeastOne
from lms.enums import ORG_LEVELS, SCHEMES, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS
from lms.forms import MultiCheckboxField
from lms.orgs.labels import LEVEL_LABELS
from lms.params import id_range
from lms.surveys.labels import NEED_LABELS
from lms.surveys.models import NEEDS, Survey
from lms.surveys.services import MAX_COMMENT, MAX_DESCRIPTION


class SurveyForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Introduction for the people asked"), validators=[Optional(), Length(max=MAX_DESCRIPTION)])
    opens_on = DateField(_l("Opens on"), validators=[InputRequired(message=_l("Enter a date."))])
    closes_on = DateField(_l("Closes after"), validators=[InputRequired(message=_l("Enter a date."))])
    root_unit_id = IntegerField(_l("Org unit (and everything below it)"),
                                validators=[InputRequired(message=_l("Choose an org unit.")), id_range()])
    categories = MultiCheckboxField(_l("Staff categories"),
                                    choices=[(c, labels.STAFF_CATEGORY_LABELS[c]) for c in STAFF_CATEGORIES],
                                    validators=[AtLeastOne(_l("Choose at least one staff category."))])
    levels = MultiCheckboxField(_l("Levels of unit (none ticked: every level)"),
                                choices=[(v, LEVEL_LABELS[v]) for v in ORG_LEVELS])


class TopicForm(FlaskForm):
    key = StringField(_l("Key (small letters, digits, _; the column of the paper import)"),
                      validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Topic"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Explanation (optional)"), validators=[Optional(), Length(max=MAX_DESCRIPTION)])
    skill_type = SelectField(_l("Skill type"), choices=[(v, labels.SKILL_TYPE_LABELS[v]) for v in SKILL_TYPES])
    target_level = SelectField(_l("Target level"), choices=[(v, labels.TARGET_LEVEL_LABELS[v]) for v in TARGET_LEVELS])
    schemes = MultiCheckboxField(_l("Schemes"), choices=[(v, labels.SCHEME_LABELS[v]) for v in SCHEMES])
    comment_allowed = BooleanField(_l("A free comment may be added"))


class MoveForm(FlaskForm):
    direction = StringField(validators=[DataRequired()])


def answer_form(survey: Survey, previous: dict[int, tuple[int, str | None]]) -> FlaskForm:
    """One radio group per topic (need), and a comment box where the topic takes one;
    checked as before, or 'no answer' the first time (so no JavaScript is needed
    and a topic left alone counts as not answered)."""

    class AnswerForm(FlaskForm):
        pass

    choices = [(name, NEED_LABELS[name]) for name in NEEDS]
    for topic in survey.topics:
        need, comment = previous.get(topic.id, (NEEDS.index("no_answer"), None))
        setattr(AnswerForm, f"t{topic.id}", RadioField(topic.title, choices=choices, default=NEEDS[need],
                                                        validators=[DataRequired()]))
        if topic.comment_allowed:
            setattr(AnswerForm, f"c{topic.id}", TextAreaField(_l("Comment (optional)"), default=comment or "",
                                                              validators=[Optional(), Length(max=MAX_COMMENT)]))
    return AnswerForm()
