"""Labels of the survey vocabularies, translatable."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

NEED_LABELS = {
    "not_needed": _l("Not needed"),
    "useful": _l("Useful"),
    "essential": _l("Essential"),
    "no_answer": _l("No answer"),
}
STATE_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Not open yet"),
    "open": _l("Open"),
    "closed": _l("Closed"),
}
EVENT_LABELS = {
    "created": lazy_pgettext("survey history", "Created"),
    "edited": _l("Edited"),
    "opened": _l("Opened (version 1)"),
    "revised": _l("New version"),
    "closed": _l("Closed"),
    "imported": _l("Paper questionnaires imported"),
}
