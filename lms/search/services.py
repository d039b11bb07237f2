"""The catalogue's search index: kept in step when a course is published,
read as one SQL aggregate (every query term must match; the best place each
term occurs in ranks the course)."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from lms.db import table_of
from lms.search.models import SearchTerm
from lms.search.tokens import query_terms, text_terms

__all__ = [
    "BODY", "LESSON_TITLE", "SUMMARY", "TITLE", "SearchTerm", "index_course", "ranked_matches",
]

# Where a term occurs, best first. A title hit outranks any number of body hits.
TITLE, SUMMARY, LESSON_TITLE, BODY = 1000, 100, 10, 1


def course_terms(fields: Iterable[tuple[int, str]]) -> dict[str, int]:
    """Each term of the weighted texts with the weight of its best place."""
    best: dict[str, int] = {}
    for weight, text in fields:
        for term in text_terms(text, single_characters=weight >= SUMMARY):
            if best.get(term, 0) < weight:
                best[term] = weight
    return best


def index_course(session: Session, course_id: int, fields: Iterable[tuple[int, str]]) -> int:
    """Replace the course's terms (call in the transaction that publishes it)."""
    session.execute(delete(SearchTerm).where(SearchTerm.course_id == course_id))
    rows = [{"term": term, "course_id": course_id, "weight": weight} for term, weight in course_terms(fields).items()]
    if rows:
        session.execute(table_of(SearchTerm).insert(), rows)
    return len(rows)


def ranked_matches(query: str) -> Select | None:
    """(course_id, score) of the courses holding every term of `query`, or
    None when the query has no searchable term."""
    terms = query_terms(query)
    if not terms:
        return None
    return (select(SearchTerm.course_id, func.sum(SearchTerm.weight).label("score"))
            .where(SearchTerm.term.in_(terms))
            .group_by(SearchTerm.course_id)
            .having(func.count() == len(terms)))
