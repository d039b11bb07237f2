"""Human labels for the domain's vocabularies, translatable."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

SKILL_TYPE_LABELS = {
    "transversal": _l("Transversal"),
    "professional": lazy_pgettext("skill type", "Professional"),
    "social-security": _l("Social security"),
}
SKILL_TYPE_HINTS = {
    "transversal": _l("Culture, behaviour, communication, management"),
    "professional": _l("IT, accounting, statistics, HR, office management"),
    "social-security": _l("Schemes, funds, fraud control, laws and regulations"),
}
TARGET_LEVEL_LABELS = {
    "information": _l("Information"),
    "capacity": _l("Capacity"),
    "expertise": _l("Expertise"),
}
TARGET_LEVEL_HINTS = {
    "information": _l("General knowledge and background"),
    "capacity": _l("Change how you work"),
    "expertise": _l("Change the methods and tools"),
}
SCHEME_LABELS = {
    "pension": _l("Pension insurance"),
    "medical": _l("Medical insurance"),
    "unemployment": _l("Unemployment insurance"),
    "work_injury": _l("Work-injury insurance"),
    "maternity": _l("Maternity insurance"),
}
STAFF_CATEGORY_LABELS = {
    "manager": _l("Manager"),
    "professional": _l("Professional"),
    "staff": _l("Common staff"),
    "correspondent": _l("Correspondent"),
}
LANGUAGE_LABELS = {"zh_CN": "中文", "en": "English"}
ROLE_LABELS = {
    "learner": _l("Learner"),
    "author": _l("Author"),
    "manager": _l("Training manager"),
    "trainer": _l("Trainer"),
    "admin": _l("Administrator"),
}
QUESTION_KIND_LABELS = {
    "single": _l("Choose one answer."),
    "multiple": _l("Choose all correct answers."),
    "true_false": _l("True or false?"),
    "short_answer": _l("Type your answer."),
    "numerical": _l("Type a number."),
    "matching": _l("Match each item with its answer."),
    "essay": _l("Write your answer."),
}
# The kinds by name, for authors (the editor, the GIFT report).
QUESTION_KIND_NAMES = {
    "single": _l("Single choice"),
    "multiple": _l("Multiple choice"),
    "true_false": _l("True or false"),
    "short_answer": _l("Short answer"),
    "numerical": _l("Numerical"),
    "matching": _l("Matching"),
    "essay": _l("Essay"),
    "description": _l("Description (not a question)"),
}
REVIEW_TIME_LABELS = {
    "immediately": _l("Immediately after the attempt"),
    "when_finished": _l("After a pass, or when no attempt is left"),
    "never": _l("Never"),
}
REVIEW_ITEM_LABELS = {
    "score": _l("Score"),
    "correctness": _l("Whether each answer is right"),
    "right_answers": _l("The right answers"),
    "feedback": _l("Feedback"),
}
TERMS_LABELS = {
    "objectives": _l("Objectives"),
    "target_publics": _l("Target publics"),
    "conditions": _l("Conditions"),
    "programme": _l("Detailed programme"),
    "supports": _l("Supports"),
    "final_evaluation": _l("Final evaluation"),
}
# The mode of training of a course (lms.courses.models.DELIVERY_MODES).
DELIVERY_MODE_LABELS = {
    "online": _l("Online"),
    "classroom": _l("Classroom"),
    "blended": _l("Blended"),
}
