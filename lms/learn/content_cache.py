"""Per-worker cache of published course content.

A published (or archived) version never changes: its lessons, their stored
HTML and its quiz are fixed at publication. So each worker keeps them in
memory after the first read, and a lesson page costs only the queries about
the learner; a quiz submission grades against the quiz's cached answer key. Entries are keyed by (version id, publication time), so a row id
that a database reuses after a deletion can never serve old content. Drafts
and versions in review are never cached. One cache per app (tests get theirs).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.courses.models import Lesson, Quiz


@dataclass(frozen=True)
class LessonItem:
    id: int
    slug: str
    title: str
    estimated_minutes: int


@dataclass(frozen=True)
class Outline:
    version_id: int
    lessons: tuple[LessonItem, ...]
    quiz_id: int | None

    def index_of(self, slug: str) -> int | None:
        return next((i for i, item in enumerate(self.lessons) if item.slug == slug), None)


class _LRU:
    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()  # the development server is threaded

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            while len(self._data) > self._size:
                self._data.popitem(last=False)


class ContentCache:
    def __init__(self, outlines: int = 256, lessons: int = 1024, quizzes: int = 256) -> None:
        self._outlines = _LRU(outlines)
        self._bodies = _LRU(lessons)
        self._keys = _LRU(quizzes)

    def outline(self, session: Session, version_id: int, published_at: datetime | None) -> Outline:
        key = (version_id, published_at)
        cached = self._outlines.get(key) if published_at else None
        if cached is not None:
            return cached
        rows = session.execute(
            select(Lesson.id, Lesson.slug, Lesson.title, Lesson.estimated_minutes)
            .where(Lesson.version_id == version_id).order_by(Lesson.position)
        ).all()
        quiz_id = session.scalar(select(Quiz.id).where(Quiz.version_id == version_id))
        result = Outline(version_id, tuple(LessonItem(*row) for row in rows), quiz_id)
        if published_at:
            self._outlines.put(key, result)
        return result

    def lesson_html(self, session: Session, lesson_id: int, published_at: datetime | None) -> str:
        """The stored, sanitised HTML of a lesson."""
        key = (lesson_id, published_at)
        cached = self._bodies.get(key) if published_at else None
        if cached is not None:
            return cached
        html = session.scalar(select(Lesson.body_html).where(Lesson.id == lesson_id)) or ""
        if published_at:
            self._bodies.put(key, html)
        return html

    def answer_key(self, quiz_id: int, published_at: datetime | None, load: Callable[[], Mapping]) -> Mapping:
        """The answer key of a published quiz (lms.learn.services.answer_key, read-only);
        `load()` reads it when it is not cached, and always for a quiz not published."""
        key = (quiz_id, published_at)
        cached = self._keys.get(key) if published_at else None
        if cached is not None:
            return cached
        answers = MappingProxyType(dict(load()))
        if published_at:
            self._keys.put(key, answers)
        return answers
