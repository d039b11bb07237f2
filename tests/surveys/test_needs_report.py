"""The needs report: exact against plain SQL over the raw answers (whatever
the counters hold), groups of fewer than 5 respondents suppressed in every
format (page, CSV, XLSX, API), the offer and the coverage beside the needs,
and the flags for SSCBC."""
from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from lms.auth.models import User
from lms.auth.services import create_api_token
from lms.learn import services as learning
from lms.orgs.models import OrgUnit
from lms.surveys import needs, services
from lms.surveys.models import NEED_CODES, Survey
from tests.builders import NOW, make_course
from tests.surveys.conftest import TOPICS, answer, people
from tests.web.helpers import login

SUPPRESSED = "<5"
CELLS_OF = {t.key: (t.skill_type, t.target_level) for t in TOPICS}


def expected_need(rows) -> dict:
    """(respondents, nn, u, e, na) -> the figures as the report defines them, suppression included."""
    n, nn, u, e, na = rows
    if 0 < n < 5:
        return {"n": SUPPRESSED, "score": SUPPRESSED, "essential": SUPPRESSED, "no_answer": SUPPRESSED}
    answered = nn + u + e
    return {"n": n, "score": (50 * u + 100 * e) / answered if answered else None,
            "essential": e / answered if answered else None,
            "no_answer": na / (answered + na) if answered + na else None}


def got_need(need: needs.Need) -> dict:
    return {"n": need.respondents, "score": need.score, "essential": need.essential_share, "no_answer": need.no_answer_rate}


def close(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] or (isinstance(a[k], float) and isinstance(b[k], float) and abs(a[k] - b[k]) < 1e-9)
               for k in a)


# The plain SQL: straight over the answers, responses and units (no counter, no ORM).
RAW = """
SELECT {group} AS g, {cell} AS c, count(DISTINCT r.id),
       sum(CASE WHEN a.need = 0 THEN 1 ELSE 0 END), sum(CASE WHEN a.need = 1 THEN 1 ELSE 0 END),
       sum(CASE WHEN a.need = 2 THEN 1 ELSE 0 END), sum(CASE WHEN a.need = 3 THEN 1 ELSE 0 END)
FROM survey_answers a
JOIN survey_responses r ON r.id = a.response_id
JOIN survey_topics t ON t.id = a.topic_id
JOIN org_units o ON o.id = r.org_unit_id
WHERE r.survey_id = :survey AND o.path LIKE :prefix {where}
GROUP BY 1, 2
"""
CHILD = "substr(o.path, 1, length(:prefix) - 1 + {pos})"


def raw(session, survey_id, prefix, *, group="'all'", cell="t.skill_type || '|' || t.target_level", where="",
        **params) -> dict:
    rows = session.execute(text(RAW.format(group=group, cell=cell, where=where)),
                           {"survey": survey_id, "prefix": prefix + "%", **params})
    return {(g, c): expected_need((n, nn, u, e, na)) for g, c, n, nn, u, e, na in rows}


def raw_respondents(session, survey_id, prefix, group, **params) -> dict:
    return dict(session.execute(text(
        f"SELECT {group}, count(*) FROM survey_responses r JOIN org_units o ON o.id = r.org_unit_id "
        "WHERE r.survey_id = :survey AND o.path LIKE :prefix GROUP BY 1"),
        {"survey": survey_id, "prefix": prefix + "%", **params}).all())


def child_expr(session) -> str:
    strpos = "strpos" if session.get_bind().dialect.name == "postgresql" else "instr"
    return f"substr(o.path, 1, length(:p) + {strpos}(substr(o.path, length(:p) + 1), '/'))"


@pytest.fixture
def crowd(build, sw):
    """About 90 respondents over P's subtree, answering at random, some twice, some moved, some on paper."""
    rng = random.Random(7)

    def fill(s):
        groups = [("P", "staff", 3), ("C1", "staff", 22), ("C1", "manager", 6), ("D1", "staff", 12), ("D1", "manager", 2),
                  ("PC", "staff", 9), ("PC", "manager", 5), ("W1", "staff", 4)]
        ids = []
        for unit, category, n in groups:
            ids += people(s, sw, unit, category, n, prefix=f"{unit.lower()}-{category}-")
        for uid in ids:
            answer(s, sw, uid, {k: rng.choice(list(NEED_CODES.values())) for k in sw.topics if rng.random() < 0.9})
        for uid in rng.sample(ids, 15):  # changed answers
            answer(s, sw, uid, {k: rng.choice(list(NEED_CODES.values())) for k in sw.topics},
                   now=NOW + timedelta(days=2))
        return ids

    build(fill)
    return sw


def report(session, sw, unit_code="P", category=None) -> needs.NeedsReport:
    return needs.needs_report(session, session.get(Survey, sw.survey_id), session.get(OrgUnit, sw.units[unit_code]),
                              today=NOW.date(), category=category)


@pytest.mark.parametrize("unit_code,category", [("P", None), ("C1", None), ("P", "staff"), ("PC", "manager")])
def test_report_equals_plain_sql_over_the_answers(query, crowd, unit_code, category):
    sw = crowd

    def check(s):
        r = report(s, sw, unit_code, category)
        prefix = s.get(OrgUnit, sw.units[unit_code]).path
        where = "AND r.staff_category = :cat" if category else ""
        params = {"cat": category} if category else {}
        # per cell and per topic
        cells = raw(s, sw.survey_id, prefix, where=where, **params)
        for c in r.cells:
            key = ("all", f"{c.skill_type}|{c.target_level}")
            if c.need is None:
                assert key not in cells
            else:
                assert close(got_need(c.need), cells[key]), (key, got_need(c.need), cells[key])
        topics = raw(s, sw.survey_id, prefix, cell="t.key", where=where, **params)
        for t in r.topics:
            assert close(got_need(t.need), topics.get(("all", t.topic.key), expected_need((0, 0, 0, 0, 0)))), t.topic.key
        # by category, child unit, level, kind: respondents and every cell
        child = child_expr(s)
        for rows, group in ((r.by_category, "r.staff_category"), (r.by_unit, child), (r.by_level, "o.level"),
                            (r.by_kind, "o.kind")):
            expected = raw(s, sw.survey_id, prefix, group=group, where=where, p=prefix, **params)
            respondents = raw_respondents(s, sw.survey_id, prefix + "", group if group != child else child, p=prefix) \
                if not category else None
            for row in rows:
                key = row.unit.path if row.unit is not None else row.key
                for cell, need in row.cells.items():
                    want = expected.get((key, f"{cell[0]}|{cell[1]}"), expected_need((0, 0, 0, 0, 0)))
                    assert close(got_need(need), want), (group, key, cell, got_need(need), want)
                if respondents is not None:
                    n = respondents.get(key, 0)
                    assert row.respondents == (SUPPRESSED if 0 < n < 5 else n), (group, key)
        total = raw_respondents(s, sw.survey_id, prefix, "'all'")
        if not category:
            n = total.get("all", 0)
            assert r.total.respondents == (SUPPRESSED if 0 < n < 5 else n)

    query(check)


def test_headcounts_and_response_rates_equal_plain_sql(query, crowd):
    sw = crowd

    def check(s):
        r = report(s, sw)
        prefix = s.get(OrgUnit, sw.units["P"]).path
        headcount = s.execute(text(
            "SELECT sum(h.headcount) FROM headcounts h JOIN org_units o ON o.id = h.org_unit_id "
            "WHERE o.path LIKE :prefix AND h.staff_category IN ('staff', 'manager') AND h.valid_from = ("
            "  SELECT max(h2.valid_from) FROM headcounts h2 WHERE h2.org_unit_id = h.org_unit_id"
            "  AND h2.staff_category = h.staff_category AND h2.valid_from <= :today)"),
            {"prefix": prefix + "%", "today": NOW.date()}).scalar()
        n = s.execute(text("SELECT count(*) FROM survey_responses WHERE survey_id = :s"), {"s": sw.survey_id}).scalar()
        assert r.total.headcount == headcount == 50
        assert r.total.response_rate == pytest.approx(n / headcount)
        staff = next(g for g in r.by_category if g.key == "staff")
        assert staff.headcount == 50  # the tree has staff headcounts only

    query(check)


def test_counters_rebuilt_from_the_answers_are_the_same(build, query, crowd):
    from tests.surveys.test_answering import counters

    before = query(lambda s: counters(s, crowd.survey_id))
    build(lambda s: services.rebuild_counters(s, crowd.survey_id))
    assert query(lambda s: counters(s, crowd.survey_id)) == before


# ---- suppression, in every format -------------------------------------------------------------------

@pytest.fixture
def small(build, sw):
    """C1: 6 staff (shown). PC: 3 staff who all say 'essential' to everything (suppressed everywhere)."""

    def fill(s):
        for uid in people(s, sw, "C1", "staff", 6):
            answer(s, sw, uid, {"communication": NEED_CODES["useful"], "laws": NEED_CODES["not_needed"]})
        for uid in people(s, sw, "PC", "staff", 3):
            answer(s, sw, uid, {k: NEED_CODES["essential"] for k in sw.topics})
        boss = s.scalar(select(User).where(User.username == "pboss"))
        sw.token = create_api_token(s, user=boss, now=NOW)

    build(fill)
    return sw


def test_small_groups_are_suppressed_in_the_report_itself(query, small):
    def check(s):
        r = report(s, small)
        pc = next(row for row in r.by_unit if row.key == "PC")
        assert pc.respondents == SUPPRESSED and pc.response_rate == SUPPRESSED and pc.no_answer_rate == SUPPRESSED
        assert all(n.suppressed and n.score == SUPPRESSED for n in pc.cells.values())
        c1 = next(row for row in r.by_unit if row.key == "C1")
        assert c1.respondents == 6 and c1.cells[("transversal", "capacity")].score == 50.0  # useful; no answer left out
        level = next(row for row in r.by_level if row.key == "provincial_city")
        assert level.respondents == SUPPRESSED
        assert all(row.respondents == SUPPRESSED for row in r.units_answered if row.level == "provincial_city")
        # Drilled into PC: nothing but '<5'.
        inner = report(s, small, "PC")
        assert inner.total.respondents == SUPPRESSED
        assert all(c.need is None or c.need.suppressed for c in inner.cells)
        assert all(t.need.suppressed for t in inner.topics)
        assert not inner.flagged

    query(check)


def _pc_row_values(rows):
    return [row for row in rows if row and row[0] == "PC"]


def test_small_groups_are_suppressed_in_the_page_and_the_exports(client, small):
    login(client, "pboss")
    base = f"/surveys/{small.survey_id}"
    page = client.get(f"{base}/needs?unit={small.units['PC']}").get_data(as_text=True)
    main = page.split('<main id="main">')[1]
    assert "100.0" not in main and "100%" not in main  # the three 'essential' never show as a figure
    assert main.count("&lt;5") >= 10
    units_csv = client.get(f"{base}/needs.csv?table=units").get_data(as_text=True).lstrip("\ufeff")
    pc = _pc_row_values(list(csv.reader(io.StringIO(units_csv))))[0]
    headcount_index = 3
    assert pc[2] == SUPPRESSED and set(pc[headcount_index + 1:]) == {SUPPRESSED}
    cells_csv = client.get(f"{base}/needs.csv?table=cells&unit={small.units['PC']}").get_data(as_text=True)
    for row in list(csv.reader(io.StringIO(cells_csv.lstrip("\ufeff"))))[1:]:
        if row[2] != "0":  # a cell with topics: respondents, score, share, 'no answer' all '<5'
            assert row[3:7] == [SUPPRESSED] * 4, row
    book = load_workbook(io.BytesIO(client.get(f"{base}/needs.xlsx?table=units").data))
    rows = [[c for c in r] for r in book.active.iter_rows(values_only=True)]
    pc = _pc_row_values(rows)[0]
    assert pc[2] == SUPPRESSED and set(pc[4:]) == {SUPPRESSED}
    levels = list(csv.reader(io.StringIO(client.get(f"{base}/needs.csv?table=levels").get_data(as_text=True)
                                         .lstrip("\ufeff"))))
    assert all(v == SUPPRESSED for row in levels[1:] if row[1] == SUPPRESSED for v in row[3:])


def test_small_groups_are_suppressed_in_the_api(client, small):
    headers = {"Authorization": f"Bearer {small.token}"}
    body = client.get(f"/api/v1/surveys/{small.survey_id}/needs?unit={small.units['P']}", headers=headers).get_json()
    pc = next(u for u in body["by_unit"] if u["unit"]["code"] == "PC")
    assert pc["respondents"] == SUPPRESSED and pc["response_rate"] == SUPPRESSED
    assert {c[k] for c in pc["cells"] for k in ("respondents", "need_score", "essential_share", "no_answer_rate")} \
        == {SUPPRESSED}
    inner = client.get(f"/api/v1/surveys/{small.survey_id}/needs?unit={small.units['PC']}", headers=headers).get_json()
    numbers = [v for c in inner["cells"] + inner["topics"] for k, v in c.items()
               if k in ("respondents", "need_score", "essential_share", "no_answer_rate") and v not in (0, None)]
    assert numbers and set(numbers) == {SUPPRESSED}
    listing = client.get("/api/v1/surveys", headers=headers).get_json()
    assert [s["id"] for s in listing["surveys"]] == [small.survey_id]


# ---- the offer, the coverage and the flags ------------------------------------------------------------

def test_offer_coverage_and_flags(build, query, sw):
    def fill(s):
        # transversal x capacity: one Chinese course for staff, one English, one for managers only
        zh = make_course(s, "TC-1", skill_type="transversal", target_level="capacity", lessons=1, quiz=False,
                         audience=("staff",))
        make_course(s, "TC-2", skill_type="transversal", target_level="capacity", language="en", lessons=1, quiz=False)
        make_course(s, "TC-3", skill_type="transversal", target_level="capacity", lessons=1, quiz=False,
                    audience=("manager",))
        # social-security x capacity: a medical course does not serve the pension topic
        make_course(s, "SC-1", skill_type="social-security", target_level="capacity", schemes=("medical",), lessons=1,
                    quiz=False)
        make_course(s, "SC-2", skill_type="social-security", target_level="capacity", schemes=("medical",), lessons=1,
                    quiz=False)
        ids = people(s, sw, "C1", "staff", 8)
        for uid in ids:
            answer(s, sw, uid, {"communication": NEED_CODES["essential"], "workflow": NEED_CODES["useful"],
                                "pension": NEED_CODES["essential"], "laws": NEED_CODES["not_needed"]})
        for uid in ids[:2]:  # two of them trained in the cell
            learning.enrol(s, user_id=uid, course=zh, now=NOW)
            for lesson in zh.lessons:
                learning.complete_lesson(s, user_id=uid, lesson=lesson, now=NOW)

    build(fill)

    def check(s):
        r = report(s, sw, category="staff")
        cells = {(c.skill_type, c.target_level): c for c in r.cells}
        tc = cells[("transversal", "capacity")]
        assert tc.offer == 1 and tc.offer_by_language == {"zh_CN": 1, "en": 1}  # TC-3 is for managers only
        assert tc.need.score == 75.0 and tc.trained == 2 and tc.headcount == 50 and tc.coverage == 0.04
        assert tc.flagged  # need 75 >= 60 and one course
        sc = cells[("social-security", "capacity")]
        assert sc.offer == 2 and not sc.flagged  # two courses in the cell ...
        pension = next(t for t in r.topics if t.topic.key == "pension")
        assert pension.offer == 0 and pension.flagged  # ... none of them for the pension scheme
        assert not cells[("social-security", "information")].flagged  # nobody needs it
        assert [c.skill_type for c in r.flagged] == ["transversal"]
        assert r.language == "zh_CN"

    query(check)
