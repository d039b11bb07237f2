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
PROFESSION_LABELS = {
    "hr_manager": _l("HR manager"),
    "training_manager": _l("Training manager (profession)"),
    "training_engineer": _l("Training engineer"),
    "trainer": _l("Trainer (profession)"),
    "accountancy": _l("Accountancy"),
    "it": _l("Information technology"),
    "office_management": _l("Office management"),
    "education_training": _l("Education and training"),
}
# The mode of training of a course (lms.courses.models.DELIVERY_MODES).
DELIVERY_MODE_LABELS = {
    "online": _l("Online"),
    "classroom": _l("Classroom"),
    "blended": _l("Blended"),
}

# What happened to a course, in its history (lms.authoring CourseEvent.action).
COURSE_ACTION_LABELS = {
    "created": _l("created"),
    "package_imported": _l("package imported"),
    "draft_started": _l("draft started"),
    "draft_discarded": _l("draft discarded"),
    "metadata_edited": _l("description edited"),
    "lesson_added": _l("lesson added"),
    "lesson_edited": _l("lesson edited"),
    "lesson_moved": _l("lesson moved"),
    "lesson_removed": _l("lesson removed"),
    "quiz_edited": _l("quiz settings edited"),
    "quiz_removed": _l("quiz removed"),
    "question_added": _l("question added"),
    "question_edited": _l("question edited"),
    "question_moved": _l("question moved"),
    "question_removed": _l("question removed"),
    "gift_imported": _l("questions imported (GIFT)"),
    "image_uploaded": _l("image uploaded"),
    "activities_edited": _l("activities edited"),
    "submitted": _l("submitted for review"),
    "returned": _l("returned to the author"),
    "published": _l("published"),
    "archived": _l("withdrawn from the catalogue"),
    "withdrawn_from_review": _l("withdrawn from review"),
}
# Quiz settings compared in the review of a version.
QUIZ_SETTING_LABELS = {
    "title": _l("Quiz title"),
    "pass_mark": _l("Pass mark (%)"),
    "attempts_allowed": _l("Attempts allowed (0: unlimited)"),
    "shuffle_questions": _l("Shuffle the questions"),
    "shuffle_options": _l("Shuffle the options"),
    "time_limit_minutes": _l("Time limit (minutes)"),
    "questions_per_attempt": _l("Questions per attempt"),
}
