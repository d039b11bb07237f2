"""Labels of org-unit levels and kinds, translatable."""
from flask_babel import lazy_gettext as _l

LEVEL_LABELS = {
    "national": _l("National"),
    "province": _l("Province"),
    "provincial_city": _l("Provincial city"),
    "city": _l("City"),
    "district": _l("District"),
    "county": _l("County"),
    "workplace": _l("Company or community"),
}
KIND_LABELS = {
    "social_insurance": _l("Social insurance / security"),
    "medical_insurance": _l("Medical insurance"),
    "pension_insurance": _l("Pension insurance"),
    "fund_management": _l("Fund management"),
    "labour_employment_insurance": _l("Labour and employment insurance"),
    "labour_social_insurance": _l("Labour and social insurance"),
    "work_injury": _l("Work injury"),
    "rural_insurance": _l("Rural schemes"),
    "institutions_insurance": _l("Institutions insurance"),
    "company": _l("Company"),
    "community": _l("Community"),
}
STATUS_LABELS = {
    "active": _l("Active"),
    "pending": _l("Waiting for approval"),
    "deactivated": _l("Deactivated"),
}
