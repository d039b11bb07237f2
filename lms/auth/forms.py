from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    next = HiddenField()


class LogoutForm(FlaskForm):
    pass


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=128)])


class LanguageForm(FlaskForm):
    language = SelectField(_l("Language"), choices=[("zh_CN", "中文"), ("en", "English")])
    next = HiddenField()


# Zones offered on the preferences page: China's, then a few where staff travel or train.
TIMEZONE_CHOICES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei", "UTC",
                    "Asia/Tokyo", "Asia/Singapore", "Europe/London", "Europe/Paris", "America/New_York")


class PreferencesForm(FlaskForm):
    timezone = SelectField(_l("Time zone"))
