from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from lms.certificates.services import MAX_REASON


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for revoking (kept in the audit log; not shown to verifiers)"),
                           validators=[DataRequired(message=_l("Give the reason for revoking the certificate.")),
                                       Length(max=MAX_REASON)])
