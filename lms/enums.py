"""Vocabularies of the domain, shared by models, forms and the content library."""
from content.programme import PROFESSIONS
from content.spec import LANGUAGES, QUESTION_KINDS, SCHEMES, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS

# trainer: runs classroom sessions and marks attendance and on-the-job work in their unit's subtree.
ROLES = ("learner", "author", "manager", "trainer", "admin")
# provincial_city: 副省级城市, a sub-provincial city (the report's survey table counts them apart).
ORG_LEVELS = ("national", "province", "provincial_city", "city", "district", "county", "workplace")
ORG_KINDS = (
    "social_insurance", "medical_insurance", "pension_insurance", "fund_management",
    "labour_employment_insurance", "labour_social_insurance", "work_injury",
    "rural_insurance", "institutions_insurance", "company", "community",
)
COURSE_STATUSES = ("draft", "review", "published", "archived")
# How a course version is delivered, and so how each of its completions trained
# the person (lms.courses.services.delivery_mode; CourseCompletion.mode).
DELIVERY_MODES = ("online", "classroom", "blended")
# What an outbox row carries. due_soon/overdue: assignment reminders (keyed by
# assignment, person, kind); the others are keyed by their dedupe_key.
OUTBOX_KINDS = (
    "due_soon", "overdue", "review_due", "session_reminder", "session_place", "session_cancelled",
    "queue_reminder", "task_marked", "discussion_answer", "certificate", "xapi",
)
# Kinds sent by e-mail (xapi rows go to the learning record store instead).
EMAIL_KINDS = tuple(kind for kind in OUTBOX_KINDS if kind != "xapi")
# A person's profession or speciality (users.profession, optional), defined with the
# programme package format (content.programme): hr_manager, training_manager,
# training_engineer, trainer; for professionals accountancy, it, office_management,
# education_training. A programme and an assignment may target one.
PROGRAMME_STATUSES = COURSE_STATUSES

__all__ = [
    "COURSE_STATUSES", "DELIVERY_MODES", "EMAIL_KINDS", "LANGUAGES", "ORG_KINDS", "ORG_LEVELS", "OUTBOX_KINDS", "PROFESSIONS", "PROGRAMME_STATUSES", "QUESTION_KINDS",
    "ROLES",
    "SCHEMES", "SKILL_TYPES", "STAFF_CATEGORIES", "TARGET_LEVELS",
]


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint body restricting a column to a vocabulary."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
