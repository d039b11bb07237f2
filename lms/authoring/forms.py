from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from content.render import MAX_MARKDOWN_CHARS
from content.spec import DEFAULT_ESSAY_CHARS, MAX_ESSAY_CHARS, REVIEW_TIMES
from lms import labels
from lms.enums import LANGUAGES, QUESTION_KINDS, SCHEMES, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS

MAX_OPTIONS = 8
MAX_UNITS = 4
REVIEW_CHOICES = [(v, labels.REVIEW_TIME_LABELS[v]) for v in REVIEW_TIMES]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class MetadataForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary (Markdown)"), validators=[Optional(), Length(max=5000)])
    skill_type = SelectField(_l("Skill type"), choices=[(v, labels.SKILL_TYPE_LABELS[v]) for v in SKILL_TYPES])
    target_level = SelectField(_l("Target level"), choices=[(v, labels.TARGET_LEVEL_LABELS[v]) for v in TARGET_LEVELS])
    language = SelectField(_l("Language"), choices=[(v, labels.LANGUAGE_LABELS[v]) for v in LANGUAGES])
    estimated_minutes = IntegerField(_l("Estimated time (minutes; 0 = sum of the lessons)"), default=0,
                                     validators=[Optional(), NumberRange(min=0, max=10000)])
    certificate_validity_days = IntegerField(_l("Certificate valid for (days; empty = never expires)"),
                                             validators=[Optional(), NumberRange(min=1, max=36500)])
    schemes = MultiCheckboxField(_l("Schemes"), choices=[(v, labels.SCHEME_LABELS[v]) for v in SCHEMES])
    audience = MultiCheckboxField(_l("For (none ticked: everyone)"),
                                  choices=[(v, labels.STAFF_CATEGORY_LABELS[v]) for v in STAFF_CATEGORIES])
    objectives = TextAreaField(labels.TERMS_LABELS["objectives"], validators=[Optional(), Length(max=20000)])
    target_publics = TextAreaField(labels.TERMS_LABELS["target_publics"], validators=[Optional(), Length(max=20000)])
    conditions = TextAreaField(labels.TERMS_LABELS["conditions"], validators=[Optional(), Length(max=20000)])
    programme = TextAreaField(labels.TERMS_LABELS["programme"], validators=[Optional(), Length(max=20000)])
    supports = TextAreaField(labels.TERMS_LABELS["supports"], validators=[Optional(), Length(max=20000)])
    final_evaluation = TextAreaField(labels.TERMS_LABELS["final_evaluation"], validators=[Optional(), Length(max=20000)])
    policy_as_of = DateField(_l("Policy as of (the course states the rules in force on this date)"),
                             validators=[Optional()])
    review_by = DateField(_l("Review by (the authors check the course again by this date)"), validators=[Optional()])


class NewCourseForm(MetadataForm):
    code = StringField(_l("Code (e.g. SS-PEN-201)"), validators=[DataRequired(), Length(min=2, max=32)])


class LessonForm(FlaskForm):
    title = StringField(_l("Lesson title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(), Length(max=MAX_MARKDOWN_CHARS)])
    estimated_minutes = IntegerField(_l("Reading time (minutes; empty = from the length)"),
                                     validators=[Optional(), NumberRange(min=1, max=1000)])


class NewLessonForm(LessonForm):
    slug = StringField(_l("Short name (small letters, digits, -; it identifies the lesson across versions)"),
                       validators=[DataRequired(), Length(max=80)])


class QuizSettingsForm(FlaskForm):
    title = StringField(_l("Quiz title"), validators=[DataRequired(), Length(max=200)])
    pass_mark = IntegerField(_l("Pass mark (%)"), default=60, validators=[InputRequired(), NumberRange(min=0, max=100)])
    attempts_allowed = IntegerField(_l("Attempts allowed (0 = unlimited)"), default=0,
                                    validators=[InputRequired(), NumberRange(min=0, max=1000)])
    shuffle_questions = BooleanField(_l("Shuffle the questions"))
    shuffle_options = BooleanField(_l("Shuffle the options"))
    time_limit_minutes = IntegerField(_l("Time limit (minutes; empty = none)"),
                                      validators=[Optional(), NumberRange(min=1, max=1000)])
    questions_per_attempt = IntegerField(_l("Questions drawn per attempt (empty = all)"),
                                         validators=[Optional(), NumberRange(min=1, max=1000)])
    review_score = SelectField(labels.REVIEW_ITEM_LABELS["score"], choices=REVIEW_CHOICES, default="immediately")
    review_correctness = SelectField(labels.REVIEW_ITEM_LABELS["correctness"], choices=REVIEW_CHOICES,
                                     default="immediately")
    review_right_answers = SelectField(labels.REVIEW_ITEM_LABELS["right_answers"], choices=REVIEW_CHOICES,
                                       default="when_finished")
    review_feedback = SelectField(labels.REVIEW_ITEM_LABELS["feedback"], choices=REVIEW_CHOICES,
                                  default="when_finished")


class QuestionForm(FlaskForm):
    """Rows of the kinds' answers come as plain fields (N < MAX_OPTIONS): opt-N-text /
    -correct / -weight / -feedback (choice; short answer), num-N-value / -tolerance / -min /
    -max / -other / -weight / -feedback (numerical), pair-N-text / -match (matching),
    unit-N-name / -multiplier (numerical, N < MAX_UNITS)."""

    kind = SelectField(_l("Kind"), choices=[(k, labels.QUESTION_KIND_NAMES[k]) for k in QUESTION_KINDS])
    title = StringField(_l("Name (for authors; learners never see it)"), validators=[Optional(), Length(max=200)])
    text = TextAreaField(_l("Question (Markdown)"), validators=[DataRequired(), Length(max=20000)])
    feedback = TextAreaField(_l("Feedback after submission"), validators=[Optional(), Length(max=20000)])
    points = IntegerField(_l("Points"), default=1, validators=[InputRequired(), NumberRange(min=1, max=100)])
    answer = RadioField(_l("The statement is"), choices=[("true", _l("True")), ("false", _l("False"))],
                        validators=[Optional()])
    feedback_true = TextAreaField(_l("Feedback for “true”"), validators=[Optional(), Length(max=20000)])
    feedback_false = TextAreaField(_l("Feedback for “false”"), validators=[Optional(), Length(max=20000)])
    distractors = TextAreaField(_l("Extra wrong answers, one per line"), validators=[Optional(), Length(max=5000)])
    max_chars = IntegerField(_l("Longest answer accepted (characters; empty = %(n)s)", n=DEFAULT_ESSAY_CHARS),
                             validators=[Optional(), NumberRange(min=1, max=MAX_ESSAY_CHARS)])


class GiftForm(FlaskForm):
    file = FileField(_l("GIFT file (.gift or .txt, UTF-8)"))
    text = TextAreaField(_l("…or paste GIFT text"), validators=[Optional(), Length(max=1_000_000)])
    replace = BooleanField(_l("Replace the existing questions (otherwise they are added)"))


class UploadForm(FlaskForm):
    file = FileField(_l("Image (PNG, JPEG, GIF or WebP, at most 5 MB)"))
    alt = StringField(_l("Description of the image (alt text)"), validators=[Optional(), Length(max=200)])


class PackageForm(FlaskForm):
    file = FileField(_l("Course package (.zip)"))


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


# ---- on-the-job tasks, the manager evaluation, completion rules (issue 15) ----

class TaskForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Short name (letters, digits, '-')"), validators=[Optional(), Length(max=80)])
    instructions = TextAreaField(_l("Instructions (Markdown)"), validators=[DataRequired(),
                                                                            Length(max=MAX_MARKDOWN_CHARS)])


class EvaluationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField(_l("What the manager evaluates, and how (Markdown)"),
                                 validators=[DataRequired(), Length(max=MAX_MARKDOWN_CHARS)])
    max_score = IntegerField(_l("Maximum score (empty: passed or not yet only)"),
                             validators=[Optional(), NumberRange(min=1, max=1000)])


class CompletionForm(FlaskForm):
    lessons = BooleanField(_l("Every lesson done"))
    quiz = BooleanField(_l("The quiz passed (if the course has one)"))
    sessions = IntegerField(_l("Classroom sessions to attend"), default=0,
                            validators=[InputRequired(), NumberRange(min=0, max=50)])
    tasks = BooleanField(_l("Every on-the-job task marked done (if any)"))
    evaluation = BooleanField(_l("The manager evaluation passed (if any)"))
