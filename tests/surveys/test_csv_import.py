"""Paper questionnaires as CSV: refused whole, with every bad row's line and
reason, as the other imports; the same file again changes nothing; a
changed row updates its questionnaire; the counters follow."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from lms.csvfile import ImportInvalid
from lms.orgs.models import OrgUnit
from lms.orgs.scope import Scope
from lms.surveys import csv_import, services
from lms.surveys.models import SurveyAnswer, SurveyResponse
from tests.builders import NOW
from tests.surveys.conftest import NA, NN, E, U
from tests.web.helpers import login, text

HEADER = "ref,unit_code,staff_category,language,communication,workflow,laws,pension,pension_comment\n"
GOOD = HEADER + (
    "Q-001,C1,staff,,essential,useful,2,,急需养老保险培训\n"
    "Q-002,D1,manager,zh_CN,0,1,no_answer,essential,\n"
    "Q-003,PC,staff,en,USEFUL,,,not_needed,\n"
)


def run(build, sw, data, scope=None):
    return build(lambda s: csv_import.import_responses(s, sw.survey_id, data.encode(), scope=scope or Scope(everything=True),
                                                       now=NOW))


def answers(query):
    return query(lambda s: sorted(s.execute(
        select(SurveyResponse.paper_ref, SurveyAnswer.topic_id, SurveyAnswer.need, SurveyAnswer.comment)
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)).all()))


def test_import_then_again_then_a_change(build, query, sw):
    result = run(build, sw, GOOD)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    rows = answers(query)
    t = sw.topics
    assert ("Q-001", t["communication"], E, None) in rows and ("Q-001", t["laws"], E, None) in rows
    assert ("Q-001", t["pension"], NA, "急需养老保险培训") in rows
    assert ("Q-002", t["communication"], NN, None) in rows and ("Q-002", t["laws"], NA, None) in rows
    assert ("Q-003", t["communication"], U, None) in rows and ("Q-003", t["workflow"], NA, None) in rows
    languages = query(lambda s: dict(s.execute(select(SurveyResponse.paper_ref, SurveyResponse.language)).all()))
    assert languages == {"Q-001": "zh_CN", "Q-002": "zh_CN", "Q-003": "en"}
    # the same file: nothing changes
    result = run(build, sw, GOOD)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    # one answer changed, one questionnaire added
    changed = GOOD.replace("Q-002,D1,manager,zh_CN,0,", "Q-002,D1,manager,zh_CN,2,") + "Q-004,C1,staff,,,,,,\n"
    result = run(build, sw, changed)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 2)
    assert ("Q-002", t["communication"], E, None) in answers(query)
    assert query(lambda s: s.scalar(select(func.count()).select_from(SurveyResponse))) == 4
    from tests.surveys.test_answering import counters

    _needs, respondents = query(lambda s: counters(s, sw.survey_id))
    assert sum(respondents.values()) == 4


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(build, query, sw):
    bad = HEADER + (
        "Q-001,C1,staff,,essential,useful,2,,\n"          # 2: fine
        "Q-001,C1,staff,,essential,useful,2,,\n"          # 3: duplicate ref
        ",C1,staff,,,,,,\n"                               # 4: no ref
        "Q 5,C1,staff,,,,,,\n"                            # 5: bad ref
        "Q-006,NOPE,staff,,,,,,\n"                        # 6: unknown unit
        "Q-007,Q,staff,,,,,,\n"                           # 7: outside the survey
        "Q-008,C1,correspondent,,,,,,\n"                  # 8: a category not asked
        "Q-009,C1,staff,fr,,,,,\n"                        # 9: bad language
        "Q-010,C1,staff,,urgent,3,,,\n"                   # 10: two bad answers
        f"Q-011,C1,staff,,,,,,{'长' * 1001}\n"             # 11: comment too long
        "Q-012,C1,staff,,,,,,,extra\n"                    # 12: too many values
    )
    with pytest.raises(ImportInvalid) as caught:
        run(build, sw, bad)
    lines = [(e.line, e.message % e.params if e.params else e.message) for e in caught.value.errors]
    assert [line for line, _m in lines] == [3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12]
    messages = dict(lines)
    assert "duplicate ref 'Q-001' (also on line 2)" in messages[3]
    assert "ref is required" in messages[4]
    assert "unknown unit_code 'NOPE'" in messages[6]
    assert "not among the units this survey asks" in messages[7]
    assert "staff_category" in messages[8] and "language" in messages[9]
    assert "'urgent'" in lines[7][1] and "'3'" in lines[8][1]
    assert query(lambda s: s.scalar(select(func.count()).select_from(SurveyResponse))) == 0


def test_header_problems(build, sw):
    for data, expected in ((HEADER.replace(",pension,", ",").replace("pension_comment", "") + "Q-1,C1,staff,,,,,\n",
                            "missing column(s): pension"),
                           (HEADER.replace("\n", ",laws_comment\n") + "Q-1,C1,staff,,,,,,,\n",
                            "unknown column(s): laws_comment"),
                           ("", "the file is empty"),
                           (HEADER, "no data rows")):
        with pytest.raises(ImportInvalid) as caught:
            run(build, sw, data)
        assert any(expected in (e.message % e.params if e.params else e.message) for e in caught.value.errors), data
    with pytest.raises(ImportInvalid) as caught:
        build(lambda s: csv_import.import_responses(s, sw.survey_id, b"ref\n\xff\xfe", scope=Scope(everything=True),
                                                    now=NOW))
    assert caught.value.errors[0].line == 2


def test_units_outside_the_importers_scope_are_refused(build, query, sw):
    scope = query(lambda s: Scope(path=s.get(OrgUnit, sw.units["C1"]).path))
    with pytest.raises(ImportInvalid) as caught:
        run(build, sw, GOOD, scope=scope)
    assert [e.line for e in caught.value.errors] == [4]  # PC is not below C1; D1 is


def test_only_an_open_survey_takes_questionnaires(build, sw):
    build(lambda s: services.close_survey(s, services.lock_survey(s, sw.survey_id), user_id=None, now=NOW))
    with pytest.raises(services.NotAccepting):
        run(build, sw, GOOD)


def test_the_import_page(client, build, query, sw):
    login(client, "pboss")
    assert "ref,unit_code,staff_category" in text(client.get(f"/surveys/{sw.survey_id}/import/template.csv"))
    bad = client.post(f"/surveys/{sw.survey_id}/import", data={"file": (io.BytesIO((GOOD + "Q-9,NOPE,staff,,,,,,\n")
                                                                                   .encode()), "paper.csv")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "NOPE" in text(bad) and 'class="errors"' in text(bad)
    good = client.post(f"/surveys/{sw.survey_id}/import", data={"file": (io.BytesIO(GOOD.encode()), "paper.csv")},
                       content_type="multipart/form-data")
    assert good.status_code == 200
    assert query(lambda s: s.scalar(select(func.count()).select_from(SurveyResponse))) == 3
    assert "3" in text(client.get(f"/surveys/{sw.survey_id}"))
