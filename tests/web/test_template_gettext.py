"""Templates translate with the request's translations, looked up once per
request (lms.i18n._translations) but found again when the locale changes."""
from __future__ import annotations

from flask_babel import force_locale, refresh


def test_templates_follow_the_locale_and_a_forced_one(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        template = app.jinja_env.from_string("{{ _('Catalogue') }}|{{ ngettext('%(num)s lesson', '%(num)s lessons', 2) }}")
        chinese = template.render()
        with force_locale("en"):
            english = template.render()
        again = template.render()
        refresh()
        after_refresh = template.render()
    assert english == "Catalogue|2 lessons"
    assert chinese != english and chinese.startswith("课程")
    assert again == chinese and after_refresh == chinese
