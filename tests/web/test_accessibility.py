"""What a screen reader or a colour-blind reader needs from the pages."""
from __future__ import annotations

import re

from tests.web.helpers import attempt_id_from, login, text


def test_each_quiz_question_names_its_group_with_its_text(client, make_user, make_course, enrol):
    make_user(username="reader")
    make_course("AX-1")
    enrol("reader", "AX-1")
    login(client, "reader")
    attempt_id = attempt_id_from(client.post("/courses/AX-1/quiz/start"))
    page = text(client.get(f"/attempts/{attempt_id}"))
    groups = re.findall(r'<fieldset class="question" aria-labelledby="([^"]+)"', page)
    assert groups and len(groups) == page.count('<fieldset class="question"')
    for labels in groups:
        legend, question = labels.split()
        assert f'<legend id="{legend}">' in page
        body = re.search(rf'<div class="qtext" id="{question}">(.*?)</div>', page, re.S)
        assert body and body.group(1).strip()  # the question's own words name the group


def test_the_chosen_catalogue_cell_is_marked_by_more_than_colour(client, make_course):
    make_course("AX-2", skill_type="social-security", target_level="information")
    page = text(client.get("/?skill=social-security&level=information"))
    cell = re.search(r'data-cell="social-security:information" aria-current="true">(.*?)</a>', page, re.S)
    assert cell and "✓" in cell.group(1)
    assert page.count('aria-current="true"') == 1
    assert 'aria-current' not in text(client.get("/"))
