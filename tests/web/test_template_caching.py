"""What templates keep between calls: the request's translations (lms.i18n._translations),
found again when the locale changes, and the menu (lms.templating fragment), kept per
language and role set."""
from __future__ import annotations

from flask import url_for
from flask_babel import force_locale, refresh

from tests.web.helpers import login, logout


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


def test_the_menu_is_the_one_of_each_persons_roles_and_language(app, client, make_user):
    with app.test_request_context("/"):
        settings = f'href="{url_for("people.settings")}"'
    make_user(username="plain", language="en")
    make_user(username="boss", roles=("learner", "admin"), language="en")
    make_user(username="chinese_boss", roles=("learner", "admin"), language="zh_CN")
    seen = {}
    for username in ("plain", "boss", "plain", "chinese_boss", "boss"):
        login(client, username)
        page = client.get("/").get_data(as_text=True)
        seen.setdefault(username, set()).add((settings in page, "Catalogue" in page))
        logout(client)
    assert seen == {"plain": {(False, True)}, "boss": {(True, True)}, "chinese_boss": {(True, False)}}
