"""xAPI 1.0.3 statements of learning events, built from plain values (no
database, no Flask): lms.xapi.services reads the values and stores the result.

Every statement has a UUID5 id computed from the site's address and the event
with its ids (`statement_id`), so the same event gives the same statement id
however often it is recorded. The actor is an account on this site
({homePage: BASE_URL, name: username}), never an e-mail address. Activity ids
are the site's own pages: BASE_URL/courses/<code>, .../lessons/<slug>,
.../quiz, BASE_URL/classroom/sessions/<id>, BASE_URL/certificates/<id>,
BASE_URL/programmes/<id>.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

XAPI_VERSION = "1.0.3"
PLATFORM = "SSCBC @learning"
_NAMESPACE = uuid.UUID("5d0f2a3e-6c1b-5b8e-9a61-2f7c4e0d9b11")  # fixed: ids must never change

ADL = "http://adlnet.gov/expapi"


@dataclass(frozen=True)
class Verb:
    key: str
    id: str
    en: str
    zh: str

    def as_json(self) -> dict:
        return {"id": self.id, "display": {"en-US": self.en, "zh-CN": self.zh}}


EXPERIENCED = Verb("experienced", f"{ADL}/verbs/experienced", "experienced", "学习了")
PASSED = Verb("passed", f"{ADL}/verbs/passed", "passed", "通过了")
FAILED = Verb("failed", f"{ADL}/verbs/failed", "failed", "未通过")
COMPLETED = Verb("completed", f"{ADL}/verbs/completed", "completed", "完成了")
ATTENDED = Verb("attended", f"{ADL}/verbs/attended", "attended", "参加了")
EARNED = Verb("earned", "http://id.tincanapi.com/verb/earned", "earned", "获得了")
VERBS = {v.key: v for v in (EXPERIENCED, PASSED, FAILED, COMPLETED, ATTENDED, EARNED)}

LESSON = f"{ADL}/activities/lesson"
ASSESSMENT = f"{ADL}/activities/assessment"
COURSE = f"{ADL}/activities/course"
MEETING = f"{ADL}/activities/meeting"


def language_tag(language: str | None) -> str:
    """The course language (zh_CN, en) as an RFC 5646 tag."""
    return "en-US" if language == "en" else "zh-CN"


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and Z (stored times are naive UTC)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def statement_id(base_url: str, event: str, *ids: int) -> str:
    """The deterministic id of an event: UUID5 of the site and the event's ids."""
    name = base_url.rstrip("/") + "|" + event + ":" + ":".join(str(i) for i in ids)
    return str(uuid.uuid5(_NAMESPACE, name))


@dataclass(frozen=True)
class CourseRef:
    code: str
    title: str
    language: str


class Builder:
    """Statements for one site (its public address)."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")

    # ---- parts ---------------------------------------------------------------

    def actor(self, username: str) -> dict:
        return {"objectType": "Agent", "account": {"homePage": self.base, "name": username}}

    def activity(self, iri: str, *, name: str | None, language: str | None, kind: str | None) -> dict:
        definition: dict[str, Any] = {}
        if name:
            definition["name"] = {language_tag(language): name}
        if kind:
            definition["type"] = kind
        activity: dict[str, Any] = {"objectType": "Activity", "id": iri}
        if definition:
            activity["definition"] = definition
        return activity

    def course_iri(self, code: str) -> str:
        return f"{self.base}/courses/{code}"

    def course_activity(self, course: CourseRef) -> dict:
        return self.activity(self.course_iri(course.code), name=course.title, language=course.language, kind=COURSE)

    def context(self, language: str | None, *parents: dict) -> dict:
        context: dict[str, Any] = {"platform": PLATFORM, "language": language_tag(language)}
        if parents:
            context["contextActivities"] = {"parent": list(parents)}
        return context

    def statement(self, sid: str, *, username: str, verb: Verb, obj: dict, context: dict, at: datetime,
                  result: dict | None = None) -> dict:
        body: dict[str, Any] = {"id": sid, "actor": self.actor(username), "verb": verb.as_json(), "object": obj}
        if result is not None:
            body["result"] = result
        body["context"] = context
        body["timestamp"] = timestamp(at)
        body["version"] = XAPI_VERSION
        return body

    # ---- the events ----------------------------------------------------------

    def lesson_experienced(self, *, user_id: int, username: str, lesson_id: int, slug: str, lesson_title: str,
                           course: CourseRef, at: datetime) -> dict:
        obj = self.activity(f"{self.course_iri(course.code)}/lessons/{slug}", name=lesson_title,
                            language=course.language, kind=LESSON)
        return self.statement(statement_id(self.base, "experienced", user_id, lesson_id), username=username,
                              verb=EXPERIENCED, obj=obj, at=at,
                              context=self.context(course.language, self.course_activity(course)))

    def quiz_graded(self, *, attempt_id: int, username: str, quiz_title: str, course: CourseRef, passed: bool,
                    score: float, points_earned: float, points_possible: float, at: datetime) -> dict:
        """passed or failed, with the score: scaled 0..1 (the percentage / 100), raw the points earned."""
        points: dict[str, Any] = {"scaled": round(max(0.0, min(100.0, score)) / 100, 4)}
        if points_possible > 0:
            points.update(raw=round(max(0.0, min(points_earned, points_possible)), 4), min=0, max=points_possible)
        obj = self.activity(f"{self.course_iri(course.code)}/quiz", name=quiz_title, language=course.language,
                            kind=ASSESSMENT)
        return self.statement(statement_id(self.base, "graded", attempt_id), username=username,
                              verb=PASSED if passed else FAILED, obj=obj, at=at,
                              result={"score": points, "success": passed, "completion": True},
                              context=self.context(course.language, self.course_activity(course)))

    def course_completed(self, *, user_id: int, course_id: int, username: str, course: CourseRef,
                         score: float | None, at: datetime) -> dict:
        result: dict[str, Any] = {"completion": True}
        if score is not None:
            result["score"] = {"scaled": round(max(0.0, min(100.0, score)) / 100, 4)}
        return self.statement(statement_id(self.base, "completed", user_id, course_id), username=username,
                              verb=COMPLETED, obj=self.course_activity(course), at=at, result=result,
                              context=self.context(course.language))

    def session_attended(self, *, user_id: int, session_id: int, username: str, course: CourseRef | None,
                         at: datetime) -> dict:
        language = course.language if course else None
        obj = self.activity(f"{self.base}/classroom/sessions/{session_id}", name=course.title if course else None,
                            language=language, kind=MEETING)
        parents = (self.course_activity(course),) if course else ()
        return self.statement(statement_id(self.base, "attended", user_id, session_id), username=username,
                              verb=ATTENDED, obj=obj, at=at, context=self.context(language, *parents))

    def certificate_earned(self, *, certificate_id: int, username: str, course: CourseRef | None,
                           programme_id: int | None, at: datetime) -> dict:
        language = course.language if course else None
        obj = self.activity(f"{self.base}/certificates/{certificate_id}", name=course.title if course else None,
                            language=language, kind=None)
        parents: tuple[dict, ...] = ()
        if course is not None:
            parents = (self.course_activity(course),)
        elif programme_id is not None:
            parents = (self.activity(f"{self.base}/programmes/{programme_id}", name=None, language=None, kind=None),)
        return self.statement(statement_id(self.base, "earned", certificate_id), username=username,
                              verb=EARNED, obj=obj, at=at, context=self.context(language, *parents))
