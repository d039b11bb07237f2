"""Catalogue search: Chinese and English terms, all of them required, ranked
title over summary over lesson text; the index follows publication."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from content import load_package_from_files
from lms.courses import services as catalog
from lms.courses.services import CatalogFilter
from lms.search.models import SearchTerm
from lms.search.tokens import query_terms, text_terms
from tests.builders import NOW, course_files, make_course


def found(db, keyword: str, **filters) -> list[str]:
    return [c.code for c in catalog.find_courses(db, CatalogFilter(keyword=keyword, **filters))]


def test_chinese_text_is_indexed_by_character_pairs_and_latin_by_words():
    assert text_terms("养老保险", single_characters=False) == {"养老", "老保", "保险", "养老保", "老保险"}
    assert text_terms("养老保险", single_characters=True) >= {"养", "老", "保", "险"}
    assert text_terms("Pension FUND，基金", single_characters=False) == {"pension", "fund", "基金"}
    assert query_terms("基金 会计") == ["基金", "会计"]
    assert query_terms("工伤认定") == ["工伤认", "伤认定"]  # triples: together they hold the phrase as written
    assert query_terms("Ｅｘｃｅｌ") == ["excel"]  # full-width letters typed on a Chinese keyboard


def test_separate_words_match_a_title_holding_both(db):
    make_course(db, "S-1", title="社保基金的会计核算", lesson_body="借贷记账。")
    make_course(db, "S-2", title="基金监督", lesson_body="监督检查。")
    assert found(db, "基金 会计") == ["S-1"]  # both words, not as one phrase
    assert found(db, "会计 基金") == ["S-1"]  # in any order
    assert found(db, "基金") == ["S-1", "S-2"] or found(db, "基金") == ["S-2", "S-1"]
    assert found(db, "基金 养老金") == []  # every term must match


def test_title_outranks_lesson_text(db):
    for n in range(1, 6):
        make_course(db, f"B-{n}", title=f"业务课程{n}", lesson_body="养老保险待遇的计算。")
    make_course(db, "P-1", title="养老保险基础", lesson_body="概述。")
    assert found(db, "养老")[0] == "P-1"
    assert set(found(db, "养老")) == {"P-1", "B-1", "B-2", "B-3", "B-4", "B-5"}


def test_summary_outranks_lesson_text(db):
    files = course_files("SU-1", title="课程甲", lesson_body="无关内容。")
    files["course.toml"] = files["course.toml"].replace("面向县级经办人员的入门课程。".encode(), "讲解工伤认定。".encode())
    catalog.import_course(db, load_package_from_files(files), now=NOW)
    make_course(db, "SU-2", title="课程乙", lesson_body="工伤认定的时限。")
    assert found(db, "工伤认定") == ["SU-1", "SU-2"]


def test_latin_words_ignore_case(db):
    make_course(db, "E-1", title="Pension basics", language="en", lesson_body="The accrual formula.")
    assert found(db, "PENSION") == ["E-1"]
    assert found(db, "accrual formula") == ["E-1"]
    assert found(db, "accrual payroll") == []


def test_a_new_version_replaces_the_words_of_the_old_one(db):
    make_course(db, "V-1", title="旧标题", lesson_body="旧的正文内容。")
    assert found(db, "旧的正文") == ["V-1"]
    make_course(db, "V-1", title="新标题", lesson_body="新的正文内容。")
    assert found(db, "旧的正文") == []
    assert found(db, "新的正文") == ["V-1"]


def test_search_combines_with_filters_and_hides_unpublished(db):
    course = make_course(db, "F-1", title="医疗保险结算", target_level="capacity")
    assert found(db, "结算", target_level="capacity") == ["F-1"]
    assert found(db, "结算", target_level="information") == []
    course.status = "archived"
    db.flush()
    assert found(db, "结算") == []


def test_rebuild_indexes_every_published_course(db):
    make_course(db, "R-1", title="失业保险")
    make_course(db, "R-2", title="工伤保险")
    db.execute(SearchTerm.__table__.delete())
    assert catalog.search_index_missing(db)
    assert catalog.rebuild_search_index(db) == 2
    assert not catalog.search_index_missing(db)
    assert found(db, "保险") in (["R-1", "R-2"], ["R-2", "R-1"])
    assert db.scalar(select(func.count()).select_from(SearchTerm)) > 0


def test_catalogue_page_lists_matches_best_first(client, db):
    make_course(db, "W-1", title="业务概览", lesson_body="基本养老保险的缴费。")
    make_course(db, "W-2", title="基本养老保险", lesson_body="概述。")
    db.commit()
    page = client.get("/?q=养老 缴费").get_data(as_text=True)
    assert "W-1" in page and "W-2" not in page  # W-2 never mentions 缴费
    page = client.get("/?q=养老").get_data(as_text=True)
    assert page.index("/courses/W-2") < page.index("/courses/W-1")


def test_a_chinese_phrase_must_occur_as_written(db):
    make_course(db, "PH-1", title="政策解读", lesson_body="不得存在违规。在的时候，词语要准确。")  # every pair, apart
    make_course(db, "PH-2", title="政策问答", lesson_body="不存在的词语会被删除。")
    assert found(db, "不存在的词语") == ["PH-2"]


def test_the_catalogue_shows_the_best_matches_of_a_long_list(client, db, monkeypatch):
    from lms.catalog import views

    monkeypatch.setattr(views, "SEARCH_RESULTS", 2)
    for n in range(1, 4):
        make_course(db, f"L-{n}", title=f"课程{n}", lesson_body="失业保险金的申领。")
    make_course(db, "L-9", title="失业保险金", lesson_body="概述。")
    db.commit()
    page = client.get("/?q=失业保险金").get_data(as_text=True)
    shown = set(re.findall(r'href="/courses/(L-\d)"', page))
    assert len(shown) == 2 and "L-9" in shown  # the title match is among the two shown
    assert re.search(r"\b4\b", page)  # how many were found in all
