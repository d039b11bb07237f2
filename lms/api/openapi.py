"""The OpenAPI 3.1 description of /api/v1, built once at import.

Response objects are closed (`additionalProperties: false`), so a schema
conformance check also catches a field the document does not promise, such as
an answer key leaking into an attempt in progress."""
from __future__ import annotations

from typing import Any

from content.spec import (
    LANGUAGES,
    QUESTION_KINDS,
    REVIEW_ITEMS,
    REVIEW_TIMES,
    SCHEMES,
    SKILL_TYPES,
    STAFF_CATEGORIES,
    TARGET_LEVELS,
    TERMS_FIELDS,
)
from lms.enums import DELIVERY_MODES, ROLES
from lms.params import MAX_ID  # INTEGER primary keys (32-bit on PostgreSQL)

API_VERSION = "1.0.0"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = (), description: str = "") -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


STR: Schema = {"type": "string"}
HTML: Schema = {"type": "string", "description": "Sanitised HTML, safe to display as is."}
INT: Schema = {"type": "integer"}
ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
BOOL: Schema = {"type": "boolean"}
TIME: Schema = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601 with a 'Z'."}
SCORE: Schema = {"type": "number", "minimum": 0, "maximum": 100, "description": "Percent."}


def _enum(values) -> Schema:
    return {"type": "string", "enum": list(values)}


_COURSE_SUMMARY = {
    "code": {"type": "string", "pattern": "^[A-Z0-9-]{2,32}$"},
    "title": STR,
    "summary_html": HTML,
    "skill_type": _enum(SKILL_TYPES),
    "target_level": _enum(TARGET_LEVELS),
    "language": _enum(LANGUAGES),
    "estimated_minutes": {"type": "integer", "minimum": 0},
    "schemes": {"type": "array", "items": _enum(SCHEMES)},
    "audience": {"type": "array", "items": _enum(STAFF_CATEGORIES),
                 "description": "Staff categories the course is meant for; empty means everyone."},
}
_LESSON_SUMMARY = {"slug": STR, "title": STR, "position": INT, "estimated_minutes": {"type": "integer", "minimum": 0}}
_ATTEMPT_BRIEF = {
    "id": ID,
    "number": {"type": "integer", "minimum": 1},
    "started_at": TIME,
    "deadline_at": _nullable(TIME),
    "submitted_at": _nullable(TIME),
    "score": _nullable(SCORE),
    "passed": _nullable(BOOL),
}
TOKEN: Schema = {"type": "string", "pattern": "^[0-9a-f]{12}$",
                 "description": "Names a question, option, item or answer within this attempt only; says nothing "
                                "about correctness or order."}
POINTS: Schema = {"type": "number", "minimum": 0}
_OPTION_OPEN = {"id": TOKEN, "text_html": HTML}
_QUESTION_OPEN = {
    "id": TOKEN,
    "kind": _enum(QUESTION_KINDS),
    "text_html": HTML,
    "points": {"type": "integer", "minimum": 1},
    "options": {"type": "array", "items": _obj(_OPTION_OPEN),
                "description": "single, multiple, true_false: the options in their drawn order; otherwise empty."},
    "items": {"type": "array", "items": _obj(_OPTION_OPEN),
              "description": "matching: the items to give an answer each; otherwise empty."},
    "choices": {"type": "array", "items": _obj({"id": TOKEN, "text": STR}),
                "description": "matching: the answers to choose from (plain text); otherwise empty."},
    "units": {"type": "array", "items": STR,
              "description": "numerical: units the number may be followed by; otherwise empty."},
    "max_chars": _nullable({"type": "integer", "minimum": 1,
                            "description": "short_answer, numerical, essay: the longest answer accepted."}),
}
_REVIEW_TIME = _enum(REVIEW_TIMES)

SCHEMAS: dict[str, Schema] = {
    "Error": _obj({"error": STR, "message": STR, "request_id": STR}, optional=("request_id",),
                  description="Every error answer of the API."),
    "CourseSummary": _obj(_COURSE_SUMMARY),
    "CourseList": _obj({"courses": {"type": "array", "items": _ref("CourseSummary")},
                        "count": {"type": "integer", "minimum": 0}}),
    "CatalogMatrix": _obj({
        "skill_types": {"type": "array", "items": STR},
        "target_levels": {"type": "array", "items": STR},
        "cells": {"type": "array", "items": _obj({"skill_type": _enum(SKILL_TYPES), "target_level": _enum(TARGET_LEVELS),
                                                  "count": {"type": "integer", "minimum": 0}})},
        "total": {"type": "integer", "minimum": 0},
    }, description="Published courses per skill type x target level (all nine cells)."),
    "LessonSummary": _obj(_LESSON_SUMMARY),
    "QuizSummary": _obj({
        "title": STR,
        "pass_mark": {"type": "integer", "minimum": 0, "maximum": 100},
        "attempts_allowed": {"type": "integer", "minimum": 0, "description": "0 means unlimited."},
        "time_limit_minutes": _nullable({"type": "integer", "minimum": 1}),
        "question_count": {"type": "integer", "minimum": 0, "description": "Questions drawn per attempt."},
        "review": _obj({item: _REVIEW_TIME for item in REVIEW_ITEMS},
                       description="When a learner sees each part of a submitted attempt: immediately, "
                                   "when_finished (after a pass, or when no attempt is left) or never."),
    }, description="The quiz, without its questions."),
    "CourseDetail": _obj({
        **_COURSE_SUMMARY,
        "version": {"type": "integer", "minimum": 1, "description": "Number of the published version."},
        "terms": _obj({field: HTML for field in TERMS_FIELDS}, description="Terms of reference."),
        "lessons": {"type": "array", "items": _ref("LessonSummary")},
        "quiz": _nullable(_ref("QuizSummary")),
        "policy_as_of": _nullable({"type": "string", "format": "date",
                                   "description": "The course states the rules in force on this date."}),
        "review_by": _nullable({"type": "string", "format": "date",
                                "description": "The authors review the course again by this date."}),
    }),
    "Progress": _obj({
        "lessons_done": {"type": "integer", "minimum": 0},
        "lessons_total": {"type": "integer", "minimum": 0},
        "has_quiz": BOOL,
        "quiz_passed": BOOL,
        "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "completed": BOOL,
        "completed_at": _nullable(TIME),
        "score": _nullable(SCORE),
    }),
    "AttemptBrief": _obj(_ATTEMPT_BRIEF),
    "Enrolment": _obj({
        "course_code": STR,
        "course_title": STR,
        "version": {"type": "integer", "minimum": 1, "description": "The version of the course the learner follows."},
        "newer_version": _nullable({"type": "integer", "minimum": 1,
                                    "description": "A newer published version the learner may move to (in the browser)."}),
        "enrolled_at": TIME,
        "source": _enum(("self", "assigned", "api", "recorded")),
        "last_lesson_slug": _nullable(STR),
        "completed_lessons": {"type": "array", "items": STR, "description": "Slugs of the lessons done."},
        "quiz_passed_at": _nullable(TIME),
        "attempts": {"type": "array", "items": _ref("AttemptBrief")},
        "attempts_left": _nullable({"type": "integer", "minimum": 0, "description": "null: unlimited"}),
        "progress": _ref("Progress"),
    }),
    "Lesson": _obj({
        **_LESSON_SUMMARY,
        "course_code": STR,
        "body_html": HTML,
        "completed": BOOL,
        "previous_slug": _nullable(STR),
        "next_slug": _nullable(STR),
    }),
    "LessonCompletion": _obj({
        "course_code": STR,
        "lesson_slug": STR,
        "completed": {"type": "boolean", "const": True},
        "course_completed": BOOL,
        "progress": _ref("Progress"),
    }),
    "OpenQuestion": _obj(_QUESTION_OPEN, description="A question of an attempt in progress: no answer key, no feedback."),
    "AttemptOpen": _obj({
        **_ATTEMPT_BRIEF,
        "course_code": STR,
        "quiz_title": STR,
        "status": _enum(("open", "expired")),
        "server_time": TIME,
        "questions": {"type": "array", "items": _ref("OpenQuestion"),
                      "description": "In the order drawn for this attempt."},
    }, description="An attempt before submission; answers sent after the deadline are not counted."),
    "ResultQuestion": _obj({
        **_QUESTION_OPEN,
        "options": {"type": "array", "items": _obj({
            **_OPTION_OPEN, "is_correct": _nullable(BOOL), "feedback_html": _nullable(HTML)}),
            "description": "is_correct: null unless the right answers are shown; feedback_html: the feedback of "
                           "an option the learner chose, when feedback is shown."},
        "response": {"anyOf": [{"type": "array", "items": TOKEN}, STR, {"type": "object",
                                                                         "additionalProperties": TOKEN},
                               {"type": "null"}],
                     "description": "The learner's answer, as sent (option ids, text, or item id -> answer id)."},
        "state": _enum(("graded", "awaiting_grading", "unanswered")),
        "is_correct": _nullable({**BOOL, "description": "Full marks; null unless correctness is shown."}),
        "fraction": _nullable({"type": "number", "minimum": 0, "maximum": 1}),
        "points_earned": _nullable(POINTS),
        "correct_options": _nullable({"type": "array", "items": TOKEN}),
        "accepted_answers": _nullable({"type": "array", "items": _obj({"text": STR, "weight": SCORE})}),
        "accepted_ranges": _nullable({"type": "array", "items": _obj({
            "min": {"type": "number"}, "max": {"type": "number"}, "weight": SCORE})}),
        "correct_pairs": _nullable({"type": "object", "additionalProperties": TOKEN}),
        "answer_feedback_html": _nullable(HTML),
        "feedback_html": _nullable(HTML),
    }, description="A graded question. The key (correct_options, accepted_answers, accepted_ranges, "
                   "correct_pairs), correctness and feedback are null while the quiz's review options hide them."),
    "AttemptResult": _obj({
        **_ATTEMPT_BRIEF,
        "course_code": STR,
        "quiz_title": STR,
        "status": _enum(("submitted",)),
        "awaiting_grading": {"type": "boolean",
                             "description": "An answer (an essay) waits for a person; passed is null until then."},
        "server_time": TIME,
        "points_earned": _nullable(POINTS),
        "points_possible": POINTS,
        "pass_mark": {"type": "integer", "minimum": 0, "maximum": 100},
        "review": _obj({item: BOOL for item in REVIEW_ITEMS},
                       description="What the quiz's review options show of this attempt now."),
        "questions": {"type": "array", "items": _ref("ResultQuestion")},
    }, description="A graded attempt, with what the quiz's review options show."),
    "Attempt": {"oneOf": [_ref("AttemptOpen"), _ref("AttemptResult")]},
    "Submission": {
        "type": "object",
        "properties": {
            "answers": {
                "type": "object",
                "description": "Question id -> answer: a list of option ids (single, multiple, true_false), a "
                               "text (short_answer, numerical, essay) or an object item id -> answer id "
                               "(matching). Every id is one the attempt gave. Unanswered questions count as wrong.",
                "propertyNames": {"type": "string", "pattern": "^[0-9a-f]{1,32}$"},
                "additionalProperties": {"anyOf": [
                    {"type": "array", "maxItems": 100, "items": {"type": "string", "maxLength": 32}},
                    {"type": "string", "maxLength": 20000},
                    {"type": "object", "maxProperties": 100,
                     "additionalProperties": {"type": "string", "maxLength": 32}},
                ]},
            },
        },
        "required": ["answers"],
        "description": "Any other field (a score, say) is ignored: grading happens on the server.",
        "example": {"answers": {"3f9a0c1b2d4e": ["a81c44e0b9d2"], "77b2e0d1c3a9": "北京"}},
    },
    "SubmissionResult": _obj({
        "attempt": _ref("AttemptResult"),
        "late": {"type": "boolean", "description": "Sent after the deadline: the answers were not counted."},
        "course_completed": BOOL,
        "progress": _ref("Progress"),
    }),
    "Me": _obj({
        "id": ID,
        "username": STR,
        "full_name": STR,
        "email": STR,
        "staff_category": _enum(STAFF_CATEGORIES),
        "language": _enum(LANGUAGES),
        "roles": {"type": "array", "items": _enum(ROLES)},
        "org_unit": _nullable(_obj({"id": ID, "code": STR, "name": STR})),
        "created_at": TIME,
        "last_login_at": _nullable(TIME),
    }),
    "MyLearning": _obj({
        "enrolments": {"type": "array", "items": _obj({
            "course": _ref("CourseSummary"), "enrolled_at": TIME, "progress": _ref("Progress")})},
        "completions": {"type": "array", "items": _obj({
            "course_code": STR, "course_title": STR, "completed_at": TIME, "score": _nullable(SCORE)})},
    }),
    "MyCertificates": _obj({
        "certificates": {"type": "array", "items": _obj({
            "serial": STR, "kind": _enum(("course", "programme")), "course_code": _nullable(STR),
            "programme_id": _nullable(ID), "title": STR, "holder_name": STR, "unit_name": STR,
            "hours": {"type": "number", "minimum": 0}, "completed_at": TIME, "issued_at": TIME,
            "expires_at": _nullable(TIME), "revoked_at": _nullable(TIME), "status": _enum(("valid", "expired", "revoked")),
            "verify_url": STR, "page_url": STR, "pdf_url": STR})},
    }),
}

_ERROR_TEXT = {
    400: "Malformed request (bad filter value, body not JSON).",
    401: "No token, or an invalid, revoked or deactivated account's token.",
    403: "Not enrolled in the course.",
    404: "Not found (someone else's attempt is reported as not found).",
    409: "Conflict: no attempts left, or the attempt was already submitted.",
    413: "Body too large.",
    422: "The answers do not fit the attempt (an id it did not give, several options on a single-choice question, "
         "a numerical answer that is not a number, a text over its limit).",
    429: "Too many requests.",
    500: "Internal error.",
    503: "The database is unavailable; retry later.",
}


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _responses(ok: dict[int, tuple[str, str]], *errors: int) -> Schema:
    responses = {str(code): _json(_ref(name), text) for code, (name, text) in ok.items()}
    for code in sorted({*errors, 401, 429, 500, 503}):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    return responses


def _param(name: str, where: str, schema: Schema, description: str, example: Any = None) -> Schema:
    param = {"name": name, "in": where, "required": where == "path", "schema": schema, "description": description}
    if example is not None:
        param["example"] = example
    return param


CODE = _param("code", "path", {"type": "string", "pattern": "^[A-Z0-9-]{2,32}$"}, "Course code.", "T-101")
SLUG = _param("slug", "path", {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,79}$"}, "Lesson slug.", "lesson-1")
ATTEMPT_ID = _param("attempt_id", "path", ID, "Attempt id.", 1)
PUBLIC: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]  # a token is optional; an invalid one is still refused with 401


def _op(op_id: str, summary: str, responses: Schema, *, tag: str, params=(), body: Schema | None = None,
        public: bool = False, description: str = "") -> Schema:
    op: Schema = {"operationId": op_id, "summary": summary, "tags": [tag], "responses": responses}
    if description:
        op["description"] = description
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = body
    if public:
        op["security"] = PUBLIC
    return op


_FILTERS = [
    _param("skill_type", "query", _enum(SKILL_TYPES), "Skill type."),
    _param("target_level", "query", _enum(TARGET_LEVELS), "Target level."),
    _param("scheme", "query", _enum(SCHEMES), "Insurance scheme."),
    _param("audience", "query", _enum(STAFF_CATEGORIES), "Staff category (courses for everyone included)."),
    _param("language", "query", _enum(LANGUAGES), "Course language."),
    _param("q", "query", {"type": "string", "maxLength": 200},
           "Search text: a substring of the title, summary, code or a lesson."),
]

PATHS: dict[str, Schema] = {
    "/courses": {"get": _op(
        "listCourses", "The published catalogue, filtered.",
        _responses({200: ("CourseList", "Matching published courses.")}, 400),
        tag="catalogue", params=_FILTERS, public=True)},
    "/catalog/matrix": {"get": _op(
        "getCatalogMatrix", "Course counts per skill type x target level.",
        _responses({200: ("CatalogMatrix", "The nine cells.")}), tag="catalogue", public=True)},
    "/courses/{code}": {"get": _op(
        "getCourse", "A published course: terms of reference, lessons, quiz summary (no questions).",
        _responses({200: ("CourseDetail", "The course.")}, 404), tag="catalogue", params=[CODE], public=True)},
    "/courses/{code}/enrolment": {
        "post": _op("enrol", "Enrol in the course (idempotent).",
                    _responses({201: ("Enrolment", "Enrolled now."), 200: ("Enrolment", "Already enrolled.")}, 404, 409),
                    tag="learning", params=[CODE]),
        "get": _op("getEnrolment", "The caller's enrolment and progress.",
                   _responses({200: ("Enrolment", "Enrolment and progress.")}, 404), tag="learning", params=[CODE],
                   description="404 when the caller is not enrolled."),
    },
    "/courses/{code}/lessons/{slug}": {"get": _op(
        "getLesson", "A lesson's body (enrolled learners only).",
        _responses({200: ("Lesson", "The lesson.")}, 403, 404), tag="learning", params=[CODE, SLUG])},
    "/courses/{code}/lessons/{slug}/completion": {"post": _op(
        "completeLesson", "Mark a lesson done (idempotent).",
        _responses({200: ("LessonCompletion", "Recorded; course_completed tells whether the course is now complete.")},
                   403, 404),
        tag="learning", params=[CODE, SLUG])},
    "/courses/{code}/quiz/attempts": {"post": _op(
        "startAttempt", "Start an attempt at the course quiz, or resume the open one.",
        _responses({201: ("AttemptOpen", "A new attempt."), 200: ("AttemptOpen", "The attempt already open.")},
                   403, 404, 409),
        tag="quiz", params=[CODE],
        description="Questions come in the order drawn for the attempt, without the answer key. "
                    "409 when no attempts are left.")},
    "/attempts/{attempt_id}": {"get": _op(
        "getAttempt", "One of the caller's attempts.",
        _responses({200: ("Attempt", "Before submission: the questions. After: what the quiz's review options "
                                     "show (score, correctness, key, feedback).")}, 404),
        tag="quiz", params=[ATTEMPT_ID])},
    "/attempts/{attempt_id}/submission": {"post": _op(
        "submitAttempt", "Submit the answers; graded on the server, once.",
        _responses({200: ("SubmissionResult", "The graded attempt.")}, 400, 404, 409, 413, 422),
        tag="quiz", params=[ATTEMPT_ID],
        body={"required": True, "content": {"application/json": {"schema": _ref("Submission")}}},
        description="A second submission (a replay) is refused with 409 and changes nothing.")},
    "/me": {"get": _op("getMe", "The caller's profile.", _responses({200: ("Me", "The profile.")}), tag="me")},
    "/me/learning": {"get": _op(
        "getMyLearning", "The caller's enrolments with progress, and completions.",
        _responses({200: ("MyLearning", "Enrolments and completions.")}), tag="me")},
    "/me/certificates": {"get": _op(
        "getMyCertificates", "The caller's certificates (courses and programmes), newest first, with their status "
        "and the addresses of the page, the PDF and the public verification.",
        _responses({200: ("MyCertificates", "Certificates.")}), tag="me")},
    "/openapi.json": {"get": _op(
        "getOpenApi", "This document.",
        {"200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}},
         **{str(c): {"$ref": f"#/components/responses/E{c}"} for c in (401, 429, 500, 503)}},
        tag="meta", public=True)},
}

# ---- reports (issue 5): managers and administrators, scoped to their subtree ----------

_REPORT_UNIT = _obj({"id": ID, "code": STR, "name": STR, "level": STR})
_SHARE = {"type": ["number", "null"], "minimum": 0, "description": "A share (0-1); null when undefined (no headcount)."}
_FIGURES = {
    "headcount": INT, "registered": INT, "enrolled": INT, "completed": INT, "trained_in_period": INT,
    "completions_in_period": INT, "coverage": _SHARE, "registered_exceeds_headcount": BOOL,
    "trained_by_mode": _obj({m: INT for m in DELIVERY_MODES},
                            description="People trained per mode of training (one trained two ways counts in both)."),
}
_CELLS = {"type": "array", "items": _obj({"skill_type": _enum(SKILL_TYPES), "target_level": _enum(TARGET_LEVELS),
                                          "people": INT})}
_COURSE_FIGURES = {
    "enrolled": INT, "in_progress": INT, "completed": INT, "learners_attempted": INT, "learners_passed": INT,
    "pass_rate": _SHARE, "average_best_score": _nullable(SCORE),
    "median_days_to_complete": {"type": ["number", "null"], "minimum": 0}, "assignments_overdue": INT,
}
_UNIT_ROW = {"unit": _REPORT_UNIT, "own_staff": BOOL, "has_children": BOOL}
_COURSE_REF = {"code": STR, "title": STR, "skill_type": _enum(SKILL_TYPES), "target_level": _enum(TARGET_LEVELS)}
SCHEMAS.update({
    "CoverageReport": _obj({
        "unit": _REPORT_UNIT,
        "period": _obj({"start": {"type": ["string", "null"]}, "end": STR, "headcount_date": {"type": "string", "format": "date"}}),
        "category": {"anyOf": [_enum(STAFF_CATEGORIES), {"type": "null"}]},
        "mode": {"anyOf": [_enum(DELIVERY_MODES), {"type": "null"}]},
        "categories": {"type": "array", "items": _obj({"staff_category": _enum(STAFF_CATEGORIES), **_FIGURES, "cells": _CELLS})},
        "total": _obj({**_FIGURES, "cells": _CELLS}),
        "units": {"type": "array", "items": _obj({**_UNIT_ROW, **_FIGURES})},
        "months": {"type": "array", "items": _obj({"month": STR, "completions": INT, "newly_trained": INT})},
    }, description="Coverage of an org unit's subtree: per staff category, per skill type x target level cell, "
                   "per child unit (the unit's own staff in the row with own_staff), per month."),
    "CourseReport": _obj({
        "unit": _REPORT_UNIT, "as_of": TIME,
        "courses": {"type": "array", "items": _obj({**_COURSE_REF, **_COURSE_FIGURES})},
    }),
    "CourseUnitsReport": _obj({
        "unit": _REPORT_UNIT, "as_of": TIME, "course": _obj(_COURSE_REF), "total": _obj(_COURSE_FIGURES),
        "units": {"type": "array", "items": _obj({**_UNIT_ROW, **_COURSE_FIGURES})},
    }),
    "Transcript": _obj({
        "user": _obj({"id": ID, "username": STR, "full_name": STR, "staff_category": _enum(STAFF_CATEGORIES)}),
        "courses": {"type": "array", "items": _obj({
            **_COURSE_REF, "enrolled_at": TIME, "completed_at": _nullable(TIME),
            "mode": {"anyOf": [_enum(DELIVERY_MODES), {"type": "null"}],
                     "description": "How the completion trained the person; null while in progress."},
            "score": _nullable(SCORE), "quiz_attempts": INT, "lessons_done": INT, "lessons_total": INT})},
    }),
})
_MONTH = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}
_REPORT_FILTERS = [
    _param("unit", "query", ID, "Org unit id (default: the top of the caller's scope); outside the scope: 404."),
    _param("start", "query", _MONTH, "First month of the period (YYYY-MM); default: since the beginning."),
    _param("end", "query", _MONTH, "Last month of the period (YYYY-MM); default: this month. Headcounts in force on its last day."),
]
_REPORTS_TEXT = "Training managers and administrators only (403 otherwise); a manager sees their org unit's subtree."
PATHS.update({
    "/reports/coverage": {"get": _op(
        "getCoverageReport", "Coverage of an org unit's subtree.",
        _responses({200: ("CoverageReport", "The report.")}, 400, 403, 404), tag="reports",
        params=[*_REPORT_FILTERS, _param("category", "query", _enum(STAFF_CATEGORIES), "One staff category only."),
                _param("mode", "query", _enum(DELIVERY_MODES),
                       "One mode of training only: completion figures count the completions of that mode.")],
        description=_REPORTS_TEXT)},
    "/reports/courses": {"get": _op(
        "getCourseReport", "Completion per course in an org unit's subtree.",
        _responses({200: ("CourseReport", "One row per course.")}, 400, 403, 404), tag="reports",
        params=_REPORT_FILTERS, description=_REPORTS_TEXT + " Figures as of the end of the period (or now).")},
    "/reports/courses/{code}": {"get": _op(
        "getCourseUnitsReport", "One course's completion, split by child org unit.",
        _responses({200: ("CourseUnitsReport", "The course by org unit.")}, 400, 403, 404), tag="reports",
        params=[CODE, *_REPORT_FILTERS], description=_REPORTS_TEXT)},
    "/reports/learners/{user_id}/transcript": {"get": _op(
        "getTranscript", "A learner's transcript.",
        _responses({200: ("Transcript", "Courses, dates, scores.")}, 403, 404), tag="reports",
        params=[_param("user_id", "path", ID, "User id.", 1)],
        description=_REPORTS_TEXT + " People outside the scope answer 404.")},
})


# ---- training-needs surveys (issue 14): managers and administrators, scoped like the reports ----------

_SUPPRESSED: Schema = {"type": "string", "enum": ["<5"], "description": "A figure about fewer than 5 respondents."}
_COUNT: Schema = {"anyOf": [{"type": "integer", "minimum": 0}, _SUPPRESSED]}
_NEED_SHARE: Schema = {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}, _SUPPRESSED],
                       "description": "A share (0-1); null when nobody answered (or no headcount); '<5' when suppressed."}
_NEED_SCORE: Schema = {"anyOf": [{"type": "number", "minimum": 0, "maximum": 100}, {"type": "null"}, _SUPPRESSED],
                       "description": "Mean need: not needed 0, useful 50, essential 100 ('no answer' left out)."}
_NEED = {"respondents": _COUNT, "need_score": _NEED_SCORE, "essential_share": _NEED_SHARE, "no_answer_rate": _NEED_SHARE}
_CELL_NEED = _obj({"skill_type": _enum(SKILL_TYPES), "target_level": _enum(TARGET_LEVELS), **_NEED})
_GROUP = {"respondents": _COUNT, "headcount": {"type": "integer", "minimum": 0}, "response_rate": _NEED_SHARE,
          "no_answer_rate": _NEED_SHARE, "cells": {"type": "array", "items": _CELL_NEED,
                                                   "description": "The cells the survey has topics in."}}
_BY_LANGUAGE: Schema = {"type": "object", "propertyNames": _enum(LANGUAGES),
                        "additionalProperties": {"type": "integer", "minimum": 0}}
_SURVEY = {
    "id": ID, "title": STR, "state": _enum(("draft", "scheduled", "open", "closed")),
    "version": {"type": "integer", "minimum": 0}, "opens_on": {"type": "string", "format": "date"},
    "closes_on": {"type": "string", "format": "date"}, "root_unit": _REPORT_UNIT,
    "staff_categories": {"type": "array", "items": _enum(STAFF_CATEGORIES)},
    "levels": {"type": "array", "items": STR, "description": "Levels of unit asked; empty: every level."},
}
SCHEMAS.update({
    "SurveyList": _obj({"surveys": {"type": "array", "items": _obj({**_SURVEY, "respondents": INT})}}),
    "NeedsReport": _obj({
        "survey": _obj(_SURVEY), "unit": _REPORT_UNIT,
        "staff_category": {"anyOf": [_enum(STAFF_CATEGORIES), {"type": "null"}]},
        "as_of": {"type": "string", "format": "date"}, "language": _enum(LANGUAGES),
        "min_group": INT, "suppressed_value": STR,
        "total": _obj(_GROUP),
        "cells": {"type": "array", "items": _obj({
            "skill_type": _enum(SKILL_TYPES), "target_level": _enum(TARGET_LEVELS),
            "topics": {"type": "array", "items": STR}, **_NEED,
            "courses": {"type": "integer", "minimum": 0, "description": "Published courses in the respondents' language."},
            "courses_by_language": _BY_LANGUAGE, "people_trained": INT, "headcount": INT,
            "coverage": {"type": ["number", "null"], "minimum": 0}, "flagged": BOOL})},
        "topics": {"type": "array", "items": _obj({
            "key": STR, "title": STR, "skill_type": _enum(SKILL_TYPES), "target_level": _enum(TARGET_LEVELS),
            "schemes": {"type": "array", "items": _enum(SCHEMES)}, **_NEED,
            "courses": {"type": "integer", "minimum": 0}, "courses_by_language": _BY_LANGUAGE, "flagged": BOOL})},
        "by_category": {"type": "array", "items": _obj({"staff_category": _enum(STAFF_CATEGORIES), **_GROUP})},
        "by_unit": {"type": "array", "items": _obj({"unit": _REPORT_UNIT, "own_staff": BOOL, "has_children": BOOL,
                                                    **_GROUP})},
        "by_level": {"type": "array", "items": _obj({"level": STR, **_GROUP})},
        "by_kind": {"type": "array", "items": _obj({"kind": STR, **_GROUP})},
        "units_answered": {"type": "array", "items": _obj({"level": STR, "kind": STR, "units": _COUNT,
                                                           "respondents": _COUNT})},
    }, description="A survey's training needs in an org unit's subtree, per skill type x target level cell, per "
                   "topic, by staff category, child unit, level and kind of unit, beside the published courses and "
                   "the coverage. Every figure about fewer than 5 respondents is the string '<5'."),
})
PATHS.update({
    "/surveys": {"get": _op(
        "listSurveys", "The training-needs surveys the caller may read.",
        _responses({200: ("SurveyList", "Newest first.")}, 403), tag="surveys", description=_REPORTS_TEXT)},
    "/surveys/{survey_id}/needs": {"get": _op(
        "getNeedsReport", "A survey's needs report for an org unit's subtree.",
        _responses({200: ("NeedsReport", "The report.")}, 400, 403, 404), tag="surveys",
        params=[_param("survey_id", "path", ID, "Survey id.", 1),
                _param("unit", "query", ID, "Org unit id (default: the top of what the survey and the caller cover); "
                       "outside the scope: 404."),
                _param("category", "query", _enum(STAFF_CATEGORIES), "One staff category the survey asks; else 400.")],
        description=_REPORTS_TEXT + " A draft survey, or one outside the scope, answers 404.")},
})


# ---- xAPI statements (issue 16): everyone their own; managers and administrators their scope ----------

_LANGUAGE_MAP: Schema = {"type": "object", "additionalProperties": STR, "description": "RFC 5646 tag -> text."}
_XAPI_VERBS = ("experienced", "passed", "failed", "completed", "attended", "earned")
SCHEMAS.update({
    "XapiStatement": {
        "type": "object",
        "description": "An xAPI 1.0.3 statement (https://github.com/adlnet/xAPI-Spec). The actor is an account on "
                       "this site {homePage: the site's address, name: username}; activity ids are the site's pages.",
        "properties": {
            "id": {"type": "string", "format": "uuid",
                   "description": "UUID5 of the event: the same event always has the same id."},
            "actor": {"type": "object", "properties": {
                "objectType": {"const": "Agent"},
                "account": {"type": "object", "properties": {"homePage": STR, "name": STR},
                            "required": ["homePage", "name"]}}, "required": ["objectType", "account"]},
            "verb": {"type": "object", "properties": {"id": STR, "display": _LANGUAGE_MAP}, "required": ["id"]},
            "object": {"type": "object", "properties": {"objectType": {"const": "Activity"}, "id": STR},
                       "required": ["id"]},
            "result": {"type": "object", "description": "score {scaled, raw, min, max}, success, completion."},
            "context": {"type": "object", "description": "contextActivities.parent (the course), platform, language."},
            "timestamp": TIME,
            "stored": TIME,
            "version": {"const": "1.0.3"},
        },
        "required": ["id", "actor", "verb", "object", "context", "timestamp", "stored", "version"],
    },
    "XapiStatementResult": _obj({
        "statements": {"type": "array", "items": _ref("XapiStatement")},
        "more": {"type": "string", "description": "The relative address of the next page; empty when there is none."},
    }, description="Newest first, as an xAPI Statement Resource answers (StatementResult)."),
})
PATHS.update({
    "/xapi/statements": {"get": _op(
        "getXapiStatements", "Learning events as xAPI 1.0.3 statements.",
        _responses({200: ("XapiStatementResult", "A page of statements.")}, 400), tag="xapi",
        params=[
            _param("since", "query", {"type": "string", "maxLength": 40},
                   "Only statements stored after this time (ISO 8601; without a zone: UTC).", "2026-11-30T00:00:00Z"),
            _param("until", "query", {"type": "string", "maxLength": 40},
                   "Only statements stored at or before this time (ISO 8601)."),
            _param("verb", "query", _enum(_XAPI_VERBS + tuple(
                f"http://adlnet.gov/expapi/verbs/{v}" for v in _XAPI_VERBS[:-1]) + ("http://id.tincanapi.com/verb/earned",)),
                   "A verb, by its IRI or its last word."),
            _param("user", "query", ID, "One person's statements (user id); outside the caller's scope: none."),
            _param("limit", "query", {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                   "Statements per page (default 100, at most 500; 0: the most)."),
            _param("cursor", "query", ID, "Where the next page starts (from `more`)."),
        ],
        description="A learner reads their own statements; a training manager those of the people of their org "
                    "unit's subtree (and their own); an administrator all. Kinds: lesson experienced, quiz passed "
                    "or failed (with the score), course completed, classroom session attended, certificate "
                    "earned. Follow `more` for the next page.")},
})

DOCUMENT: Schema = {
    "openapi": "3.1.0",
    "info": {
        "title": "@learning LMS API",
        "version": API_VERSION,
        "description": "The learner's journey for mobile and offline clients. Authenticate with "
                       "'Authorization: Bearer <token>' (tokens: `flask --app app lms create-token USERNAME`); "
                       "login cookies are not accepted. Times are UTC (ISO 8601, 'Z'). "
                       "Errors are JSON objects {error, message}.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}],
    "tags": [{"name": n} for n in ("catalogue", "learning", "quiz", "me", "meta", "reports", "surveys", "xapi")],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                           "description": "An API token from `lms create-token`."}},
        "schemas": SCHEMAS,
        "responses": {f"E{code}": _json(_ref("Error"), text) for code, text in _ERROR_TEXT.items()},
    },
}


def document() -> Schema:
    return DOCUMENT
