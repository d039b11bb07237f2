"""Record events: how a lower package tells the higher ones that a record
changed, without importing them.

A feature (accounts, learning, org units, assignments, people) calls a hook
inside its own transaction, right after the change; the packages that keep
derived figures in step (the report counters in lms.reports.counters, the
members of assignments in lms.assignments.services) connect to it when they
are imported, which the app factory does. Subscribers run in the caller's
transaction, in the order they connected, so a derived figure can never
disagree with the change it follows.

A hook that nobody listens to raises instead of doing nothing: a counter left
behind silently would make a report wrong, which is worse than an error.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

Subscriber = Callable[..., Any]


class NoSubscriber(RuntimeError):
    """A record event was raised before the package that follows it was loaded."""


class Hook:
    def __init__(self, name: str) -> None:
        self.name = name
        self._subscribers: list[Subscriber] = []

    def connect(self, subscriber: Subscriber) -> Subscriber:
        """Subscribe (idempotent: a module imported twice subscribes once)."""
        if subscriber not in self._subscribers:
            self._subscribers.append(subscriber)
        return subscriber

    def __call__(self, session: Session, **kwargs: Any) -> list[Any]:
        """Run every subscriber; returns what each returned, in order."""
        if not self._subscribers:
            raise NoSubscriber(f"no subscriber for the {self.name!r} event; create the app with lms.create_app()")
        return [subscriber(session, **kwargs) for subscriber in self._subscribers]


# A person's row changed (created, enrolled, unit, category, status): user_id=.
user_changed = Hook("user_changed")
# Many people changed at once (imports, moves of units): user_ids= (ids or a SELECT of ids).
users_changed = Hook("users_changed")
# People were enrolled in bulk: user_ids= (ids or a SELECT of ids).
enrolments_added = Hook("enrolments_added")
# A course completion row was just inserted: user_id=, course_id=.
course_completed = Hook("course_completed")
# A course now counts in another skill x level cell, or stopped or started counting: course_id=.
course_reclassified = Hook("course_reclassified")
# Org units were created or moved (their paths changed): now=.
org_tree_changed = Hook("org_tree_changed")
# A programme completion row was just inserted (lms.programmes; lms.certificates issues
# the programme certificate): user_id=, programme_id=.
programme_completed = Hook("programme_completed")

# A question rather than an event, by the same route: a page of a lower feature
# (the assignment form) asks what a higher one knows. The training needs per
# skill x level cell in an org unit's subtree (lms.surveys.needs answers, with
# None when no survey asked it): unit=, today=.
training_needs = Hook("training_needs")

# Sections that features above the catalogue add to the course page (classroom
# sessions, ...): course=, user_id= (None when anonymous), now=. Each subscriber
# returns (template name, context dict) or None.
course_page_sections = Hook("course_page_sections")
# ---- learning events recorded as xAPI statements (lms.xapi subscribes) --------
# Each is raised once per event, in the transaction that records it; `now=` is
# optional everywhere (the subscriber's clock otherwise).
# A learner completed a lesson for the first time (lms.learn): user_id=, lesson_id=, course_id=, now=.
lesson_completed = Hook("lesson_completed")
# A quiz attempt was graded (lms.learn; the essay grading raises it again when a
# person decides a pass left open): user_id=, attempt_id=, now=.
quiz_graded = Hook("quiz_graded")
# A person's attendance at a classroom session was recorded (lms.classroom):
# user_id=, session_id=, course_id= (None for a session of no course).
session_attended = Hook("session_attended")
# A certificate was issued (lms.certificates): user_id=, certificate_id=, course_id= or programme_id= (the other None).
certificate_issued = Hook("certificate_issued")
# Issue 15 (lms.evaluations answers both). What still keeps a learner from
# completing a course whose version requires sessions, on-the-job tasks or a
# manager evaluation: a list of short names ("sessions", "tasks",
# "evaluation"), empty when nothing is missing: user_id=, course_id=.
# lms.learn asks it only once the lessons and quiz are satisfied.
completion_blockers = Hook("completion_blockers")
# How many classroom sessions of a course a learner attended: user_id=, course_id=.
# lms.evaluations connects lms.classroom.services.attended_sessions to it; while
# nobody answers, a rule requiring sessions is not met.
sessions_attended = Hook("sessions_attended")
