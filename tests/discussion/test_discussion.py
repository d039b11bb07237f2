"""Course questions and answers, through the pages: asking, answering and the
accepted answer; who sees what (404 for anyone outside the course); hiding
and restoring with a reason, audited; the hourly limits; sanitised Markdown;
the authors' unanswered list; the asker's e-mail, queued once per answer."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from lms.assignments.models import OutboxMessage
from lms.assignments.services import queue_messages
from lms.audit.models import AuditEvent
from lms.discussion import services
from lms.discussion.models import DiscussionAcceptance, DiscussionAnswer, DiscussionQuestion
from lms.web import utcnow
from tests import builders
from tests.discussion.conftest import question_ids
from tests.web.helpers import location, text


def ask(client, title="How is the pension base computed?", body="Is it the **average** wage?", code="Q-101"):
    return client.post(f"/courses/{code}/questions/new", data={"title": title, "body": body})


def asked_id(response) -> int:
    match = re.search(r"/questions/(\d+)$", location(response))
    assert match, location(response)
    return int(match.group(1))


def answer(client, qid, body, code="Q-101"):
    return client.post(f"/courses/{code}/questions/{qid}/answers", data={"body": body})


def answer_id(response) -> int:
    match = re.search(r"#answer-(\d+)$", location(response))
    assert match, location(response)
    return int(match.group(1))


def actions(query, prefix="discussion_"):
    return query(lambda s: [(a, d) for a, d in s.execute(select(AuditEvent.action, AuditEvent.detail)
                                                          .where(AuditEvent.action.like(prefix + "%"))
                                                          .order_by(AuditEvent.id))])


def count(query, model) -> int:
    return query(lambda s: s.scalar(select(func.count()).select_from(model)))


def test_ask_answer_and_accept(qa, client_for, query):
    asker, peer, author, trainer = (client_for(n) for n in ("asker", "peer", "author", "trainer"))
    response = ask(asker)
    assert response.status_code == 302
    qid = asked_id(response)
    page = text(asker.get(f"/courses/Q-101/questions/{qid}"))
    assert "How is the pension base computed?" in page and "<strong>average</strong>" in page
    assert "No answer yet" in page

    listing = text(peer.get("/courses/Q-101/questions"))
    assert f'href="/courses/Q-101/questions/{qid}"' in listing and "no answer yet" in listing

    first = answer_id(answer(peer, qid, "The average wage of the province."))
    second = answer_id(answer(trainer, qid, "See lesson 1, *the base*."))
    third = answer_id(answer(author, qid, "Between 60% and 300% of the average wage."))
    page = text(asker.get(f"/courses/Q-101/questions/{qid}"))
    assert page.index(f'id="answer-{first}"') < page.index(f'id="answer-{second}"') < page.index(f'id="answer-{third}"')
    assert "3 answers" in page and page.count("Accept this answer") == 3

    # The asker accepts the author's answer: it comes first.
    assert asker.post(f"/courses/Q-101/questions/{qid}/answers/{third}/accept").status_code == 302
    page = text(asker.get(f"/courses/Q-101/questions/{qid}"))
    assert page.index(f'id="answer-{third}"') < page.index(f'id="answer-{first}"')
    assert "Accepted answer" in page and page.count("Accept this answer") == 2
    # Another learner may not choose; nor may an answer of another question be accepted.
    assert peer.post(f"/courses/Q-101/questions/{qid}/answers/{first}/accept").status_code == 403
    other = asked_id(ask(asker, title="Second question"))
    refused = asker.post(f"/courses/Q-101/questions/{other}/answers/{first}/accept", follow_redirects=True)
    assert "Choose one of the answers shown." in text(refused)
    assert query(lambda s: s.get(DiscussionAcceptance, other)) is None
    # An author changes it.
    assert author.post(f"/courses/Q-101/questions/{qid}/answers/{second}/accept").status_code == 302
    page = text(peer.get(f"/courses/Q-101/questions/{qid}"))
    assert page.index(f'id="answer-{second}"') < page.index(f'id="answer-{first}"') < page.index(f'id="answer-{third}"')
    assert query(lambda s: s.get(DiscussionAcceptance, qid).answer_id) == second

    listing = text(asker.get("/courses/Q-101/questions"))
    assert "3 answers" in listing and "Accepted answer" in listing
    logged = [a for a, _ in actions(query)]
    assert logged == ["discussion_question_asked", "discussion_answer_posted", "discussion_answer_posted",
                      "discussion_answer_posted", "discussion_answer_accepted", "discussion_question_asked",
                      "discussion_answer_accepted"]
    assert f"answer #{second} (instead of #{third})" in actions(query)[-1][1]


def test_filters_newest_first_and_pages(qa, build, client_for):
    start = utcnow() - timedelta(days=3)

    def seed(session):
        ids = []
        for n in range(25):
            author = qa.users["asker"] if n % 2 == 0 else qa.users["peer"]
            ids.append(services.ask_question(session, course_id=qa.course_id, user_id=author, title=f"Question {n:02d}",
                                             body="", now=start + timedelta(hours=2 * n)).id)
        question = session.get(DiscussionQuestion, ids[3])
        services.post_answer(session, question=question, user_id=qa.users["author"], body="Yes.", now=utcnow())
        return ids

    build(seed)
    asker = client_for("asker")
    first = text(asker.get("/courses/Q-101/questions"))
    titles = re.findall(r"Question (\d\d)", first)
    assert titles == [f"{n:02d}" for n in range(24, 4, -1)]  # newest first, 20 a page
    assert "Page 1 of 2" in first
    assert re.findall(r"Question (\d\d)", text(asker.get("/courses/Q-101/questions?page=2"))) == ["04", "03", "02", "01", "00"]
    assert re.findall(r"Question (\d\d)", text(asker.get("/courses/Q-101/questions?show=answered"))) == ["03"]
    unanswered = re.findall(r"Question (\d\d)", text(asker.get("/courses/Q-101/questions?show=unanswered&page=2")))
    assert unanswered == ["04", "02", "01", "00"]
    mine = re.findall(r"Question (\d\d)", text(asker.get("/courses/Q-101/questions?show=mine")))
    assert mine == [f"{n:02d}" for n in range(24, -1, -2)]
    # Nonsense in the query string is the first page of everything.
    assert re.findall(r"Question (\d\d)", text(asker.get("/courses/Q-101/questions?show=x&page=99999999999"))) == titles


def test_only_the_course_sees_it(qa, app, client_for, query):
    asker = client_for("asker")
    qid = asked_id(ask(asker))
    paths = ["/courses/Q-101/questions", f"/courses/Q-101/questions/{qid}", "/courses/Q-101/questions/new"]
    for name in ("outsider", "manager"):
        client = client_for(name)
        for path in paths:
            assert client.get(path).status_code == 404, (name, path)
        assert answer(client, qid, "I am not in this course.").status_code == 404
        assert ask(client).status_code == 404
        assert client.post(f"/courses/Q-101/questions/{qid}/hide", data={"reason": "x"}).status_code == 404
        assert "Questions and answers (" not in text(client.get("/courses/Q-101"))
    assert count(query, DiscussionAnswer) == 0 and count(query, DiscussionQuestion) == 1
    refusals = query(lambda s: s.scalar(select(func.count()).select_from(AuditEvent)
                                        .where(AuditEvent.action == "permission_denied")))
    assert refusals >= 10
    # The anonymous log in first; a course that does not exist is not found.
    anonymous = app.test_client()
    response = anonymous.get(f"/courses/Q-101/questions/{qid}")
    assert response.status_code == 302 and "/auth/login" in location(response)
    assert asker.get("/courses/NOPE/questions").status_code == 404
    assert asker.get("/courses/Q-101/questions/2147483648").status_code == 404
    # Staff read and answer; only the enrolled ask.
    for name in ("author", "trainer", "admin"):
        client = client_for(name)
        assert client.get(f"/courses/Q-101/questions/{qid}").status_code == 200
        assert client.get("/courses/Q-101/questions/new").status_code == 302
    assert client_for("peer").get("/courses/Q-101/questions/new").status_code == 200
    # The enrolled see the link with the count on the course page and on lessons.
    assert "Questions and answers (1)" in text(asker.get("/courses/Q-101"))
    assert "Questions and answers (1)" in text(asker.get("/courses/Q-101/lessons/lesson-1"))


def test_hide_and_restore_with_a_reason(qa, client_for, query):
    asker, peer, author = client_for("asker"), client_for("peer"), client_for("author")
    qid = asked_id(ask(asker))
    spam = answer_id(answer(peer, qid, "Buy cheap watches at example.com"))
    good = answer_id(answer(author, qid, "The average wage."))
    assert asker.post(f"/courses/Q-101/questions/{qid}/answers/{spam}/accept").status_code == 302

    # A learner may not moderate; a moderator must give a reason.
    assert peer.post(f"/courses/Q-101/questions/{qid}/answers/{spam}/hide", data={"reason": "spam"}).status_code == 403
    refused = author.post(f"/courses/Q-101/questions/{qid}/answers/{spam}/hide", data={"reason": "  "},
                          follow_redirects=True)
    assert "Give the reason for hiding it" in text(refused)
    assert query(lambda s: s.get(DiscussionAnswer, spam).hidden_at) is None

    assert author.post(f"/courses/Q-101/questions/{qid}/answers/{spam}/hide",
                       data={"reason": "Advertising"}).status_code == 302
    learner_page = text(asker.get(f"/courses/Q-101/questions/{qid}"))
    assert "cheap watches" not in learner_page and "Advertising" not in learner_page
    assert "1 answer" in learner_page and f'id="answer-{good}"' in learner_page
    moderator_page = text(author.get(f"/courses/Q-101/questions/{qid}"))
    assert "cheap watches" in moderator_page and "Hidden by moderator: Advertising" in moderator_page
    assert query(lambda s: s.get(DiscussionAcceptance, qid)) is None  # a hidden answer is no longer accepted

    assert author.post(f"/courses/Q-101/questions/{qid}/answers/{spam}/restore").status_code == 302
    assert "cheap watches" in text(asker.get(f"/courses/Q-101/questions/{qid}"))

    # A hidden question is gone for learners (404, not in the list, not counted) and takes no answers.
    admin = client_for("admin")
    assert admin.post(f"/courses/Q-101/questions/{qid}/hide", data={"reason": "Duplicate of another"}).status_code == 302
    assert asker.get(f"/courses/Q-101/questions/{qid}").status_code == 404
    assert f"/questions/{qid}" not in text(peer.get("/courses/Q-101/questions"))
    assert "Questions and answers (0)" in text(peer.get("/courses/Q-101"))
    assert answer(peer, qid, "Still here?").status_code == 404
    assert "Hidden by moderator: Duplicate of another" in text(admin.get(f"/courses/Q-101/questions/{qid}"))
    assert f"/questions/{qid}" in text(author.get("/courses/Q-101/questions"))
    assert admin.post(f"/courses/Q-101/questions/{qid}/restore").status_code == 302
    assert asker.get(f"/courses/Q-101/questions/{qid}").status_code == 200

    logged = [(a, d) for a, d in actions(query) if "hidden" in a or "restored" in a]
    assert [a for a, _ in logged] == ["discussion_answer_hidden", "discussion_answer_restored",
                                      "discussion_question_hidden", "discussion_question_restored"]
    assert logged[0][1].endswith(f"answer #{spam}: Advertising")
    assert "Duplicate of another" in logged[2][1] and "Duplicate of another" in logged[3][1]


def test_hourly_limits(qa, build, client_for, query):
    asker = client_for("asker")
    qids = [asked_id(ask(asker, title=f"Question {n}")) for n in range(services.QUESTIONS_PER_HOUR)]
    refused = ask(asker, title="One too many", body="My *typed* text")
    assert refused.status_code == 429
    page = text(refused)
    assert "You have asked 5 questions in the last hour" in page
    assert 'value="One too many"' in page and "My *typed* text" in page
    assert question_ids(query, qa.course_id) == qids
    assert [a for a, _ in actions(query, "discussion_throttled")] == ["discussion_throttled"]

    # Answers: 20 an hour; older ones do not count.
    peer = client_for("peer")

    def seed(session, n, minutes):
        session.add_all([DiscussionAnswer(question_id=qids[0], author_id=qa.users["peer"], body_md="Seeded.",
                                          body_html="<p>Seeded.</p>", created_at=utcnow() - timedelta(minutes=minutes),
                                          hidden_reason="") for _ in range(n)])

    build(lambda s: seed(s, services.ANSWERS_PER_HOUR, 61))
    assert answer(peer, qids[1], "Fresh answer.").status_code == 302
    build(lambda s: seed(s, services.ANSWERS_PER_HOUR - 1, 5))
    before = count(query, DiscussionAnswer)
    refused = answer(peer, qids[1], "Too *many* now")
    assert refused.status_code == 429
    assert "You have written 20 answers in the last hour" in text(refused) and "Too *many* now" in text(refused)
    assert count(query, DiscussionAnswer) == before


def test_markdown_is_sanitised_and_bad_text_refused(qa, client_for, query):
    asker, peer = client_for("asker"), client_for("peer")
    evil = ('<script>alert("q")</script>\n\n[click](javascript:alert(1)) <img src="x" onerror="alert(2)">'
            ' <a href="https://example.org" onclick="alert(3)">ok</a>')
    qid = asked_id(ask(asker, title='<script>alert("title")</script>', body=evil))
    aid = answer_id(answer(peer, qid, evil.replace('"q"', '"a"')))
    for client in (asker, client_for("author")):
        page = text(client.get(f"/courses/Q-101/questions/{qid}"))
        assert "<script>alert" not in page and "javascript:" not in page
        assert "onerror" not in page and "onclick" not in page
        assert '&lt;script&gt;alert("title")' in page or "&lt;script&gt;alert(&#34;title&#34;)" in page
        assert 'href="https://example.org"' in page
    stored = query(lambda s: s.get(DiscussionAnswer, aid).body_html)
    assert "<script" not in stored and "onerror" not in stored
    listing = text(asker.get("/courses/Q-101/questions")) + text(client_for("author").get("/discussion/unanswered"))
    assert "<script>alert" not in listing

    # Too deeply nested: refused with a clear message, nothing saved, the text kept.
    nested = "> " * 12 + "deep"
    refused = answer(peer, qid, nested)
    assert refused.status_code == 200
    assert "cannot be shown as written" in text(refused) and "nested more than 8 levels" in text(refused)
    assert "&gt; &gt; &gt;" in text(refused)
    too_long = ask(asker, title="Long one", body="x" * (services.BODY_MAX + 1))
    assert too_long.status_code == 200 and "at most 10000 are accepted" in text(too_long)
    assert 'value="Long one"' in text(too_long)
    no_title = ask(asker, title="   ", body="Body")
    assert "Give your question a title." in text(no_title)
    empty = answer(peer, qid, "   ")
    assert "Write your answer." in text(empty)
    assert count(query, DiscussionQuestion) == 1 and count(query, DiscussionAnswer) == 1


def test_authors_see_unanswered_questions(qa, build, client_for):
    def other_course(session):
        course = builders.make_course(session, "Q-202", title="医疗保险入门", lessons=1)
        from lms.learn import services as learn

        learn.enrol(session, user_id=qa.users["peer"], course=course, now=utcnow())

    build(other_course)
    asker, peer, author = client_for("asker"), client_for("peer"), client_for("author")
    waiting = asked_id(ask(asker, title="Waiting in Q-101"))
    answered = asked_id(ask(asker, title="Answered in Q-101"))
    elsewhere = asked_id(ask(peer, title="Waiting in Q-202", code="Q-202"))
    hidden = asked_id(ask(peer, title="Hidden in Q-202", code="Q-202"))
    answer(peer, answered, "Done.")
    author.post(f"/courses/Q-202/questions/{hidden}/hide", data={"reason": "Off topic"})
    # An answer hidden by a moderator does not count as an answer.
    hidden_answer = answer_id(answer(peer, waiting, "Spam"))
    author.post(f"/courses/Q-101/questions/{waiting}/answers/{hidden_answer}/hide", data={"reason": "Spam"})

    index = text(author.get("/authoring/"))
    assert "Unanswered questions (2)" in index and 'href="/discussion/unanswered"' in index
    page = text(author.get("/discussion/unanswered"))
    assert page.index("Waiting in Q-101") < page.index("Waiting in Q-202")  # the longest waiting first
    assert f"/courses/Q-101/questions/{waiting}" in page and f"/courses/Q-202/questions/{elsewhere}" in page
    assert "Answered in Q-101" not in page and "Hidden in Q-202" not in page
    assert client_for("admin").get("/discussion/unanswered").status_code == 200
    for name in ("asker", "trainer", "manager"):
        assert client_for(name).get("/discussion/unanswered").status_code == 403


def test_the_asker_is_told_once_per_answer(qa, build, client_for, query):
    asker, peer, author = client_for("asker"), client_for("peer"), client_for("author")
    qid = asked_id(ask(asker, title="When is the deadline?"))
    first = answer_id(answer(peer, qid, "In March."))
    answer(asker, qid, "Thanks! (my own answer: no e-mail)")
    answer(peer, qid, "> " * 12 + "refused")  # refused: nothing queued
    second = answer_id(answer(author, qid, "March 31."))

    def rows(session):
        return [(m.kind, m.recipient, m.dedupe_key, m.user_id, m.subject, m.body)
                for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]

    messages = query(rows)
    assert [(k, r, d, u) for k, r, d, u, _, _ in messages] == [
        ("discussion_answer", "asker@example.org", f"discussion:answer:{first}", qa.users["asker"]),
        ("discussion_answer", "asker@example.org", f"discussion:answer:{second}", qa.users["asker"]),
    ]
    subject, body = messages[0][4], messages[0][5]
    assert subject == "New answer to your question: When is the deadline?"
    assert f"/courses/Q-101/questions/{qid}#answer-{first}" in body and "Hello 测试 学员," in body
    # Queued once: the same key again is skipped.
    again = build(lambda s: queue_messages(s, [{"recipient": "asker@example.org", "subject": "x", "body": "x",
                                                "kind": "discussion_answer", "dedupe_key": f"discussion:answer:{first}"}],
                                           now=utcnow()))
    assert again == 0 and count(query, OutboxMessage) == 2
