"""The rules of xAPI 1.0.3 (xAPI-Data.md, part two) that a statement of ours must
keep, as a checker that lists every broken rule: required and allowed
properties, IRIs, UUIDs, language maps, the score's bounds, timestamps. Written
for the test suite (no JSON-schema library is pinned)."""
from __future__ import annotations

import re
from datetime import datetime

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
# An absolute IRI: a scheme, then something without spaces (RFC 3987, loosely).
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
# RFC 5646 language tags as used in language maps (language, optional script/region/variants).
LANG_RE = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-[a-zA-Z0-9]{5,8})*$")
# ISO 8601 date-time with a zone (xAPI: timestamps SHOULD be UTC, we require Z).
TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")

STATEMENT_KEYS = {"id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority",
                  "version", "attachments"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
SCORE_KEYS = {"scaled", "raw", "min", "max"}
CONTEXT_KEYS = {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
                "statement", "extensions"}
CONTEXT_ACTIVITY_KEYS = {"parent", "grouping", "category", "other"}
DEFINITION_KEYS = {"name", "description", "type", "moreInfo", "extensions", "interactionType",
                   "correctResponsesPattern", "choices", "scale", "source", "target", "steps"}


def _language_map(value, where: str, problems: list[str]) -> None:
    if not isinstance(value, dict) or not value:
        problems.append(f"{where}: a language map is a non-empty object")
        return
    for tag, text in value.items():
        if not LANG_RE.match(tag):
            problems.append(f"{where}: {tag!r} is not an RFC 5646 language tag")
        if not isinstance(text, str) or not text:
            problems.append(f"{where}.{tag}: not a non-empty string")


def _iri(value, where: str, problems: list[str]) -> None:
    if not isinstance(value, str) or not IRI_RE.match(value):
        problems.append(f"{where}: {value!r} is not an absolute IRI")


def _time(value, where: str, problems: list[str]) -> None:
    if not isinstance(value, str) or not TIME_RE.match(value):
        problems.append(f"{where}: {value!r} is not an ISO 8601 UTC timestamp ending in Z")
        return
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        problems.append(f"{where}: {value!r} is not a real moment")


def _agent(actor, problems: list[str]) -> None:
    if not isinstance(actor, dict):
        problems.append("actor: not an object")
        return
    if actor.get("objectType", "Agent") != "Agent":
        problems.append("actor.objectType: must be Agent")
    found = [k for k in IFIS if k in actor]
    if len(found) != 1:
        problems.append(f"actor: exactly one inverse functional identifier, found {found}")
    if "mbox" in actor or "mbox_sha1sum" in actor:
        problems.append("actor: identified by e-mail (we identify people by their account)")
    account = actor.get("account")
    if account is not None:
        if not isinstance(account, dict) or set(account) != {"homePage", "name"}:
            problems.append("actor.account: exactly homePage and name")
        else:
            if not isinstance(account["homePage"], str) or not re.match(r"^https?://[^\s/]+", account["homePage"]):
                problems.append("actor.account.homePage: not an http(s) IRL")
            if not isinstance(account["name"], str) or not account["name"]:
                problems.append("actor.account.name: empty")


def _activity(activity, where: str, problems: list[str]) -> None:
    if not isinstance(activity, dict):
        problems.append(f"{where}: not an object")
        return
    if activity.get("objectType", "Activity") != "Activity":
        problems.append(f"{where}.objectType: must be Activity")
    if not set(activity) <= {"objectType", "id", "definition"}:
        problems.append(f"{where}: unexpected properties {sorted(set(activity) - {'objectType', 'id', 'definition'})}")
    if "id" not in activity:
        problems.append(f"{where}.id: missing")
    else:
        _iri(activity["id"], f"{where}.id", problems)
    definition = activity.get("definition")
    if definition is not None:
        if not isinstance(definition, dict) or not set(definition) <= DEFINITION_KEYS:
            problems.append(f"{where}.definition: unexpected properties")
            return
        for key in ("name", "description"):
            if key in definition:
                _language_map(definition[key], f"{where}.definition.{key}", problems)
        if "type" in definition:
            _iri(definition["type"], f"{where}.definition.type", problems)


def _result(result, problems: list[str]) -> None:
    if not isinstance(result, dict) or not set(result) <= RESULT_KEYS:
        problems.append("result: unexpected properties")
        return
    for key in ("success", "completion"):
        if key in result and not isinstance(result[key], bool):
            problems.append(f"result.{key}: not a boolean")
    score = result.get("score")
    if score is None:
        return
    if not isinstance(score, dict) or not score or not set(score) <= SCORE_KEYS:
        problems.append("result.score: an object of scaled, raw, min, max")
        return
    if any(not isinstance(v, int | float) or isinstance(v, bool) for v in score.values()):
        problems.append("result.score: every value is a number")
        return
    if "scaled" in score and not -1 <= score["scaled"] <= 1:
        problems.append(f"result.score.scaled: {score['scaled']} not within [-1, 1]")
    low, high, raw = score.get("min"), score.get("max"), score.get("raw")
    if low is not None and high is not None and not low < high:
        problems.append("result.score: min must be below max")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        problems.append("result.score.raw: outside [min, max]")


def _context(context, problems: list[str]) -> None:
    if not isinstance(context, dict) or not set(context) <= CONTEXT_KEYS:
        problems.append("context: unexpected properties")
        return
    if "language" in context and (not isinstance(context["language"], str) or not LANG_RE.match(context["language"])):
        problems.append("context.language: not an RFC 5646 tag")
    if "platform" in context and not isinstance(context["platform"], str):
        problems.append("context.platform: not a string")
    activities = context.get("contextActivities")
    if activities is not None:
        if not isinstance(activities, dict) or not set(activities) <= CONTEXT_ACTIVITY_KEYS:
            problems.append("context.contextActivities: only parent, grouping, category, other")
            return
        for key, value in activities.items():
            for n, activity in enumerate(value if isinstance(value, list) else [value]):
                _activity(activity, f"context.contextActivities.{key}[{n}]", problems)


def problems(statement) -> list[str]:
    """Every rule the statement breaks ([] when it is a valid xAPI 1.0.3 statement)."""
    found: list[str] = []
    if not isinstance(statement, dict):
        return ["not an object"]
    extra = set(statement) - STATEMENT_KEYS
    if extra:
        found.append(f"unexpected properties {sorted(extra)}")
    for key in ("id", "actor", "verb", "object", "timestamp", "version"):
        if key not in statement:
            found.append(f"{key}: missing")
    if "id" in statement and (not isinstance(statement["id"], str) or not UUID_RE.match(statement["id"])):
        found.append(f"id: {statement['id']!r} is not a lowercase RFC 4122 UUID")
    if "actor" in statement:
        _agent(statement["actor"], found)
    verb = statement.get("verb")
    if verb is not None:
        if not isinstance(verb, dict) or not set(verb) <= {"id", "display"} or "id" not in verb:
            found.append("verb: an object with id and display")
        else:
            _iri(verb["id"], "verb.id", found)
            if "display" in verb:
                _language_map(verb["display"], "verb.display", found)
    if "object" in statement:
        _activity(statement["object"], "object", found)
    if "result" in statement:
        _result(statement["result"], found)
    if "context" in statement:
        _context(statement["context"], found)
    for key in ("timestamp", "stored"):
        if key in statement:
            _time(statement[key], key, found)
    if "version" in statement and (not isinstance(statement["version"], str)
                                   or not re.match(r"^1\.0\.\d+$", statement["version"])):
        found.append("version: must be 1.0.x")
    return found
