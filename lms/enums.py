"""Vocabularies of the domain, shared by models, forms and the content library."""
from content.spec import LANGUAGES, QUESTION_KINDS, SCHEMES, SKILL_TYPES, STAFF_CATEGORIES, TARGET_LEVELS

ROLES = ("learner", "author", "manager", "admin")
# provincial_city: 副省级城市, a sub-provincial city (the report's survey table counts them apart).
ORG_LEVELS = ("national", "province", "provincial_city", "city", "district", "county", "workplace")
ORG_KINDS = (
    "social_insurance", "medical_insurance", "pension_insurance", "fund_management",
    "labour_employment_insurance", "labour_social_insurance", "work_injury",
    "rural_insurance", "institutions_insurance", "company", "community",
)
COURSE_STATUSES = ("draft", "review", "published", "archived")

__all__ = [
    "COURSE_STATUSES", "LANGUAGES", "ORG_KINDS", "ORG_LEVELS", "QUESTION_KINDS", "ROLES",
    "SCHEMES", "SKILL_TYPES", "STAFF_CATEGORIES", "TARGET_LEVELS",
]


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint body restricting a column to a vocabulary."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
