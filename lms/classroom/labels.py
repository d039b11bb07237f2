"""Translatable names of the classroom vocabularies."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ATTENDANCE_LABELS = {"present": _l("present"), "absent": _l("absent"), "excused": _l("excused")}
