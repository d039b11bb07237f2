"""Completion rules: every required course and at least N optional ones;
recorded once, at the moment of the last course, never regresses; backfill at publish."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms import events
from lms.programmes import services
from lms.programmes.models import ProgrammeCompletion
from tests.builders import NOW, make_user
from tests.programmes.helpers import courses, finish, spec

CODES = ("A-1", "A-2", "B-1", "B-2", "B-3")


def completions(session, programme_id):
    rows = session.execute(select(ProgrammeCompletion.user_id, ProgrammeCompletion.completed_at)
                           .where(ProgrammeCompletion.programme_id == programme_id)).all()
    return {user_id: at for user_id, at in rows}


def published(session, author):
    programme = services.import_programme(session, spec(), now=NOW, user=author, publish=True).programme
    return programme


def test_completion_needs_every_required_course_and_the_minimum_of_optional_ones(db, completed_events):
    c = courses(db, *CODES)
    learner = make_user(db)
    programme = published(db, None)
    finish(db, learner, c["A-1"], NOW)
    finish(db, learner, c["B-1"], NOW + timedelta(days=1))
    finish(db, learner, c["B-2"], NOW + timedelta(days=2))
    assert completions(db, programme.id) == {}  # A-2 (required) is missing
    progress = services.progress(db, user_id=learner.id, programme=programme)
    assert (progress.done, progress.needed) == (3, 4)
    last = NOW + timedelta(days=3)
    finish(db, learner, c["A-2"], last)
    assert completions(db, programme.id) == {learner.id: last}  # at the moment of the last course
    assert completed_events == [(learner.id, programme.id)]
    finish(db, learner, c["B-3"], NOW + timedelta(days=4))  # more than needed: nothing new
    assert completions(db, programme.id) == {learner.id: last}
    assert completed_events == [(learner.id, programme.id)]


def test_required_alone_is_not_enough(db, completed_events):
    c = courses(db, *CODES)
    learner = make_user(db)
    programme = published(db, None)
    for code in ("A-1", "A-2", "B-1"):
        finish(db, learner, c[code])
    assert completions(db, programme.id) == {}
    assert completed_events == []


def test_a_completion_is_recorded_once_and_never_regresses(db, completed_events):
    c = courses(db, *CODES)
    learner = make_user(db)
    programme = published(db, None)
    for code in ("A-1", "A-2", "B-1", "B-2"):
        finish(db, learner, c[code])
    assert len(completions(db, programme.id)) == 1
    # Recording it again, directly or through a later backfill, adds nothing.
    assert services.record_completion(db, user_id=learner.id, programme_id=programme.id, now=NOW) is False
    assert services.backfill_completions(db, programme, now=NOW) == 0
    # The programme changes (a new required course): the completion stays.
    courses(db, "A-3")
    services.import_programme(db, spec(required=("A-1", "A-2", "A-3")), now=NOW, publish=True)
    assert db.scalar(select(func.count()).select_from(ProgrammeCompletion)) == 1
    assert completed_events == [(learner.id, programme.id)]


def test_a_draft_programme_completes_nobody(db, completed_events):
    c = courses(db, *CODES)
    learner = make_user(db)
    programme = services.import_programme(db, spec(), now=NOW, publish=False).programme
    assert programme.status == "draft"
    for code in ("A-1", "A-2", "B-1", "B-2"):
        finish(db, learner, c[code])
    assert completions(db, programme.id) == {}


def test_publishing_backfills_those_who_already_completed_the_courses(db, completed_events):
    c = courses(db, *CODES)
    done, half = make_user(db), make_user(db)
    days = {"A-1": 1, "B-3": 2, "A-2": 5, "B-1": 7, "B-2": 3}
    for code, day in days.items():
        finish(db, done, c[code], NOW + timedelta(days=day))
    finish(db, half, c["A-1"])
    author, reviewer = make_user(db, roles=("author",)), make_user(db, roles=("author",))
    programme = services.create_programme(db, spec(), user=author, now=NOW)
    services.submit_for_review(db, programme, user=author, now=NOW)
    with pytest.raises(services.ProgrammeError, match="another author"):
        services.approve(db, programme, user=author, now=NOW)
    assert services.approve(db, programme, user=reviewer, now=NOW + timedelta(days=30)) == 1
    # Met when A-2 (the last required) and the 2nd optional (B-2, day 3) were done: day 5.
    assert completions(db, programme.id) == {done.id: NOW + timedelta(days=5)}
    assert completed_events == [(done.id, programme.id)]


def test_without_a_subscriber_the_hook_refuses(db, app):
    """The house rule: a hook nobody follows raises (the certificates package will follow it)."""
    hook = events.Hook("programme_completed_test")
    with pytest.raises(events.NoSubscriber):
        hook(db, user_id=1, programme_id=1)


def test_unknown_courses_are_refused_and_nothing_changes(db):
    courses(db, "A-1")
    with pytest.raises(services.ProgrammeError) as caught:
        services.import_programme(db, spec(), now=NOW, publish=True)
    assert "A-2" in caught.value.params["codes"]
