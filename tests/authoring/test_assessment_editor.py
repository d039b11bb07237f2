"""The quiz editor for every question kind and the review options (issue 11.2,
11.3), plain forms without JavaScript; GIFT export of a version that imports
back to the same questions; packages carry kinds and review options both ways."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from content import content_hash, dump_package, load_package_from_files
from content.gift import parse_gift
from lms.courses import services as catalog
from lms.courses.models import Course
from tests.builders import KINDS_QUIZ_TOML, NOW, course_files
from tests.web.helpers import login, text


def author(app, make_user):
    make_user(username="writer", roles=("author",), language="en")
    client = app.test_client()
    login(client, "writer")
    return client


def draft_quiz(query, code: str):
    def read(session):
        course = session.scalar(select(Course).where(Course.code == code))
        version = catalog.open_version(session, course.id) or catalog.latest_version(session, course.id)
        return catalog.version_spec(version).quiz

    return query(read)


EDITS = {
    "short_answer": ({"opt-0-text": "北京", "opt-0-feedback": "Right.", "opt-1-text": "Peking", "opt-1-weight": "50"},
                     lambda q: [(o.text_md, o.weight, o.feedback_md) for o in q.options]
                     == [("北京", 100, "Right."), ("Peking", 50, "")]),
    "numerical": ({"num-0-value": "3000", "num-0-tolerance": "50", "num-1-min": "0.1", "num-1-max": "0.3",
                   "num-1-weight": "50", "num-2-other": "y", "num-2-feedback": "No.",
                   "unit-0-name": "元", "unit-0-multiplier": "1", "unit-1-name": "万元", "unit-1-multiplier": "0.0001"},
                  lambda q: [(o.min_value, o.max_value, o.weight) for o in q.options]
                  == [(2950, 3050, 100), (0.1, 0.3, 50), (None, None, 0)]
                  and [(u.unit, u.multiplier) for u in q.units] == [("元", 1), ("万元", 0.0001)]),
    "matching": ({"pair-0-text": "Pension", "pair-0-match": "养老", "pair-1-text": "Medical", "pair-1-match": "医疗",
                  "distractors": "生育\n\n养老"},
                 lambda q: [(o.text_md, o.match) for o in q.options]
                 == [("Pension", "养老"), ("Medical", "医疗"), ("", "生育")]),
    "essay": ({"max_chars": "300"}, lambda q: q.max_chars == 300 and q.options == ()),
    "single": ({"opt-0-text": "wrong", "opt-0-weight": "0", "opt-1-text": "half", "opt-1-weight": "50",
                "opt-2-text": "full", "opt-2-weight": "100"},
               lambda q: [(o.weight, o.correct) for o in q.options] == [(0, False), (50, False), (100, True)]),
    "multiple": ({"opt-0-text": "a", "opt-0-correct": "y", "opt-1-text": "b", "opt-1-correct": "y", "opt-2-text": "c"},
                 lambda q: [(o.weight, o.correct) for o in q.options] == [(None, True), (None, True), (None, False)]),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_every_kind_is_written_in_the_editor(app, make_user, make_course, query, kind):
    make_course("ED-1")
    client = author(app, make_user)
    form, check = EDITS[kind]
    response = client.post("/authoring/courses/ED-1/quiz/questions/new", data={
        "kind": kind, "text": f"A {kind} question", "title": "my name for it", "points": "2", **form})
    assert response.status_code == 302, text(response)
    question = draft_quiz(query, "ED-1").questions[-1]
    assert (question.kind, question.title, question.points) == (kind, "my name for it", 2)
    assert check(question), question
    # The editor shows it again as saved (the rows are filled back in).
    page = text(client.get("/authoring/courses/ED-1/quiz/questions/4"))
    assert "my name for it" in page
    for value in form.values():
        if value not in ("y", "1") and "\n" not in value:
            assert f'value="{value}"' in page or value in page, value


@pytest.mark.parametrize("form, message", [
    ({"kind": "single", "opt-0-text": "a", "opt-0-weight": "50", "opt-1-text": "b", "opt-1-weight": "0"},
     "With weights, a single-choice question needs an option at 100%."),
    ({"kind": "multiple", "opt-0-text": "a", "opt-0-weight": "30", "opt-1-text": "b", "opt-1-weight": "30"},
     "add up to 100% (now 60%)"),
    ({"kind": "short_answer", "opt-0-text": "x", "opt-0-weight": "50"}, "One accepted answer needs weight 100%"),
    ({"kind": "numerical", "num-0-value": "abc"}, "is not a number"),
    ({"kind": "numerical", "num-0-min": "5", "num-0-max": "1"}, "A range starts at its smaller number."),
    ({"kind": "matching", "pair-0-text": "a", "pair-0-match": "b"}, "A matching question needs at least 2 pairs."),
    ({"kind": "essay", "max_chars": "30000"}, "Not a valid"),
])
def test_the_editor_refuses_what_cannot_be_graded(app, make_user, make_course, query, form, message):
    make_course("ED-2")
    client = author(app, make_user)
    response = client.post("/authoring/courses/ED-2/quiz/questions/new", data={"text": "Q", "points": "1", **form})
    assert response.status_code == 400
    page = text(response)
    assert message in page or "Number must be between" in page, page[page.find("flash"):][:300]
    assert len(draft_quiz(query, "ED-2").questions) == 3  # nothing saved


def test_review_options_are_set_in_the_quiz_settings(app, make_user, make_course, query):
    make_course("ED-3")
    client = author(app, make_user)
    page = text(client.get("/authoring/courses/ED-3/quiz"))
    assert "After a pass, or when no attempt is left" in page
    response = client.post("/authoring/courses/ED-3/quiz", data={
        "title": "Check", "pass_mark": "60", "attempts_allowed": "3", "review_score": "immediately",
        "review_correctness": "when_finished", "review_right_answers": "never", "review_feedback": "immediately"})
    assert response.status_code == 302
    review = draft_quiz(query, "ED-3").review
    assert (review.score, review.correctness, review.right_answers, review.feedback) == (
        "immediately", "when_finished", "never", "immediately")
    assert client.post("/authoring/courses/ED-3/quiz", data={
        "title": "Check", "pass_mark": "60", "attempts_allowed": "3", "review_score": "sometimes"}).status_code == 400


def test_gift_export_of_a_version_imports_back_identically(app, make_user, build, query):
    build(lambda s: catalog.import_course(s, load_package_from_files(course_files("GX-1", quiz_toml=KINDS_QUIZ_TOML)),
                                          now=NOW))
    client = author(app, make_user)
    response = client.get("/authoring/courses/GX-1/versions/1/quiz.gift")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert 'filename="gx-1-v1-quiz.gift.txt"' in response.headers["Content-Disposition"]
    gift = response.get_data(as_text=True)
    spec = query(lambda s: catalog.version_spec(catalog.get_version(
        s, s.scalar(select(Course.id).where(Course.code == "GX-1")), 1)))
    assert parse_gift(gift, language=spec.language).questions == spec.quiz.questions
    # Imported into a course's draft, they are the same questions.
    make_user(username="other", roles=("author",))
    client.post("/authoring/courses/GX-1/quiz/gift", data={"text": gift, "replace": "y"})
    assert draft_quiz(query, "GX-1").questions == spec.quiz.questions
    assert client.get("/authoring/courses/GX-1/versions/9/quiz.gift").status_code == 404


def test_packages_carry_kinds_and_review_options_both_ways():
    quiz = KINDS_QUIZ_TOML.replace("{extra}", '[review]\nscore = "never"\nfeedback = "immediately"')
    spec = load_package_from_files(course_files("PK-1", quiz_toml=quiz))
    assert (spec.quiz.review.score, spec.quiz.review.feedback) == ("never", "immediately")
    again = load_package_from_files(dump_package(spec))
    assert again == spec and content_hash(again) == content_hash(spec)
    assert "[review]" in dump_package(spec)["quiz.toml"].decode()


def test_every_kind_is_stored_and_read_back_with_the_same_hash(db):
    quiz = KINDS_QUIZ_TOML.replace("{extra}", '[review]\nright_answers = "never"')
    spec = load_package_from_files(course_files("PK-2", quiz_toml=quiz))
    version = catalog.import_course(db, spec, now=NOW).version
    db.expire_all()
    assert catalog.version_spec(version) == spec
    assert content_hash(catalog.version_spec(version)) == content_hash(spec) == version.content_hash
