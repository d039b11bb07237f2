"""`flask lms generate-load`: a realistic, deterministic national data set
for the report benchmarks (bench/reports.py), written with bulk inserts
(executemany on SQLite, COPY on PostgreSQL), then the report counters rebuilt.

The shape follows docs/domain.md: national -> ~31 provinces -> cities ->
districts/counties -> workplaces (companies, communities); headcounts per
staff category in the report's proportions (manager 16%, professional 13%,
common staff 71% of bureau staff; correspondents in workplaces), with a
second headcount period; learners registered in proportion to headcounts
(some units over-registered); enrolments and completions spread over 24
months; courses in all 9 cells of the catalogue.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from lms.auth.models import User, UserRole
from lms.courses.models import Course, CourseVersion
from lms.courses.services import import_course
from lms.db import table_of
from lms.dbutil import bulk_insert
from lms.enums import SKILL_TYPES, TARGET_LEVELS
from lms.learn.models import CourseCompletion, Enrolment
from lms.orgs.models import Headcount, OrgUnit
from lms.reports import counters

BUREAU_MIX = (("manager", 0.16), ("professional", 0.13), ("staff", 0.71))
LEVEL_STAFF = {"national": 220, "province": 320, "city": 120, "district": 40, "county": 30, "workplace": 9}
MONTHS = 24
COURSES_PER_CELL = 3
CHUNK = 20_000


class LoadError(Exception):
    pass


@dataclass
class LoadResult:
    units: int
    learners: int
    enrolments: int
    completions: int
    courses_created: int
    seconds: float = 0.0


def _next_id(session: Session, model) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def _fix_sequences(session: Session, *models) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        name = model.__tablename__
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # nosec B608 - our table names
                             f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))


def _ensure_courses(session: Session, now: datetime) -> tuple[list[tuple[int, int | None]], int]:
    """Published courses in every cell; returns [(course_id, live version id)] and how many were created."""
    from content import load_package_from_files
    created = 0
    for s in SKILL_TYPES:
        for t in TARGET_LEVELS:
            have = session.scalar(select(func.count()).select_from(Course).where(
                Course.skill_type == s, Course.target_level == t, Course.status == "published"))
            for n in range(have or 0, COURSES_PER_CELL):
                code = f"LOAD-{s[:2].upper()}{t[:2].upper()}-{n + 1}"
                if session.scalar(select(Course.id).where(Course.code == code)) is not None:
                    continue
                files = {
                    "course.toml": (f'code = "{code}"\ntitle = "负载测试课程 {code}"\nskill_type = "{s}"\n'
                                    f'target_level = "{t}"\nlanguage = "zh_CN"\n').encode(),
                    "lessons/01-intro.md": "# 引言\n\n负载测试用的课程内容。\n".encode(),
                }
                import_course(session, load_package_from_files(files), now=now)
                created += 1
    session.flush()
    rows = session.execute(
        select(Course.id, CourseVersion.id).outerjoin(
            CourseVersion, (CourseVersion.course_id == Course.id) & (CourseVersion.status == "published"))
        .where(Course.status == "published").order_by(Course.id)).all()
    return [(cid, vid) for cid, vid in rows], created


def _tree(rng: random.Random, n_units: int, root_id: int, root_path: str, first_id: int):
    """[(id, code, name, level, kind, parent_id, path)] below the root."""
    provinces = min(31, max(1, n_units // 20))
    rest = max(0, n_units - 1 - provinces)
    cities = max(provinces, round(rest * 0.12)) if rest else 0
    districts = round(rest * 0.58)
    workplaces = max(0, rest - cities - districts)
    units, next_id = [], first_id
    kinds = ("social_insurance",) * 5 + ("medical_insurance", "medical_insurance", "pension_insurance",
                                         "fund_management", "labour_social_insurance", "work_injury")

    def add(code, name, level, kind, parent):
        nonlocal next_id
        path = (parent[6] if parent else root_path) + f"{next_id}/"
        row = (next_id, code, name, level, kind, parent[0] if parent else root_id, path)
        units.append(row)
        next_id += 1
        return row

    prov = [add(f"LP{p + 1:02d}", f"第{p + 1}省社会保险事业管理中心", "province", "social_insurance", None)
            for p in range(provinces)]
    city = [add(f"{pp[1]}-C{i + 1:03d}", f"{pp[2][:4]}第{i + 1}市社保中心", "city", rng.choice(kinds), pp)
            for i, pp in enumerate(prov[i % provinces] for i in range(cities))]
    dist = []
    for i in range(districts):
        parent = city[rng.randrange(len(city))] if city else prov[i % provinces]
        level = "district" if rng.random() < 0.55 else "county"
        dist.append(add(f"{parent[1]}-D{i + 1:04d}", f"第{i + 1}{'区' if level == 'district' else '县'}社保经办处",
                        level, rng.choice(kinds), parent))
    for i in range(workplaces):
        parent = dist[rng.randrange(len(dist))] if dist else prov[i % provinces]
        kind = "company" if rng.random() < 0.6 else "community"
        add(f"{parent[1]}-W{i + 1:04d}", f"第{i + 1}{'企业' if kind == 'company' else '社区'}", "workplace", kind, parent)
    return units


def generate_load(session: Session, *, learners: int = 200_000, units: int = 3000, completions: int = 1_000_000,
                  seed: int = 2026, now: datetime | None = None) -> LoadResult:
    import time

    started = time.perf_counter()
    now = now or datetime(2026, 11, 15, 12, 0, 0)
    rng = random.Random(seed)  # nosec B311 - a reproducible synthetic data set, nothing secret
    if session.scalar(select(OrgUnit.id).where(OrgUnit.code == "LP01")) is not None:
        raise LoadError("load data is already present (org unit LP01); use a fresh database")

    root = session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id).limit(1))
    if root is None:
        root = OrgUnit(code="CN-LOAD", name="社会保障能力建设中心（全国）", level="national", kind="social_insurance")
        session.add(root)
        session.flush()
        root.path = f"/{root.id}/"
        session.flush()
    tree = _tree(rng, units, root.id, root.path, _next_id(session, OrgUnit))
    bulk_insert(session, table_of(OrgUnit), ["id", "code", "name", "level", "kind", "parent_id", "path"], tree)

    # Headcounts: two periods; the current one (2026) about 5% above the previous.
    heads, weights, mixes = [], [], []
    for uid, _code, _name, level, _kind, _parent, _path in tree:
        size = LEVEL_STAFF[level] * rng.uniform(0.5, 1.6)
        mix = (("correspondent", 1.0),) if level == "workplace" else BUREAU_MIX
        for category, share in mix:
            n = max(1, round(size * share))
            heads.append((uid, category, date(2025, 1, 1), round(n * 0.95)))
            heads.append((uid, category, date(2026, 1, 1), n))
        # Registration rate per unit: most under the headcount, some above it.
        weights.append(size * rng.uniform(0.55, 1.2))
        mixes.append(mix)
    bulk_insert(session, table_of(Headcount), ["org_unit_id", "staff_category", "valid_from", "headcount"], heads)

    course_rows, created = _ensure_courses(session, now)
    if not course_rows:
        raise LoadError("no published course")
    has_version = "version_id" in table_of(Enrolment).c

    # Learners, placed by weighted choice; their category follows the unit's mix.
    first_user = _next_id(session, User)
    placements = rng.choices(range(len(tree)), weights=weights, k=learners)
    user_rows, role_rows = [], []
    for i, index in enumerate(placements):
        uid = first_user + i
        mix = mixes[index]
        category = rng.choices([c for c, _s in mix], weights=[s for _c, s in mix])[0]
        status = "deactivated" if rng.random() < 0.02 else "active"
        created_at = now - timedelta(days=rng.randrange(30 * MONTHS + 60))
        user_rows.append((uid, f"load{uid:07d}", f"学员{uid}", "", "", category, tree[index][0], "zh_CN", status,
                          created_at))
        role_rows.append((uid, "learner"))
    for k in range(0, len(user_rows), CHUNK):
        bulk_insert(session, table_of(User), ["id", "username", "full_name", "email", "password_hash", "staff_category",
                                        "org_unit_id", "language", "status", "created_at"], user_rows[k:k + CHUNK])
        bulk_insert(session, table_of(UserRole), ["user_id", "role"], role_rows[k:k + CHUNK])

    # Completions per learner: 15% never trained, the rest exponential around the mean.
    weights = [0.0 if rng.random() < 0.15 else rng.expovariate(1.0) for _ in range(learners)]
    total_w = sum(weights) or 1.0
    cap = len(course_rows)
    counts = [min(cap, int(completions * w / total_w)) for w in weights]
    short = completions - sum(counts)
    trained = [i for i, w in enumerate(weights) if w > 0]
    guard = 0
    while short > 0 and trained and guard < 50 * learners:
        i = trained[rng.randrange(len(trained))]
        if counts[i] < cap:
            counts[i] += 1
            short -= 1
        guard += 1

    start = now - timedelta(days=30 * MONTHS)
    span = (now - start).total_seconds()
    e_cols = ["user_id", "course_id", "enrolled_at", "source"] + (["version_id"] if has_version else [])
    c_cols = ["user_id", "course_id", "completed_at", "score", "mode"]
    n_enrol = n_done = 0
    e_rows, c_rows = [], []
    for i in range(learners):
        uid = first_user + i
        done = counts[i]
        extra = 1 if rng.random() < 0.5 else 0
        taken = rng.sample(course_rows, min(cap, done + extra)) if done + extra else []
        for j, (course_id, version_id) in enumerate(taken):
            enrolled_at = start + timedelta(seconds=rng.random() * span * 0.97)
            row = (uid, course_id, enrolled_at, "self") + ((version_id,) if has_version else ())
            e_rows.append(row)
            if j < done:
                completed_at = min(now - timedelta(minutes=1), enrolled_at + timedelta(days=rng.expovariate(1 / 20)))
                mode = rng.choices(("online", "classroom", "blended"), (75, 15, 10))[0]  # most training is online
                c_rows.append((uid, course_id, completed_at, round(rng.uniform(60, 100), 1), mode))
        if len(e_rows) >= CHUNK * 5:
            bulk_insert(session, table_of(Enrolment), e_cols, e_rows)
            bulk_insert(session, table_of(CourseCompletion), c_cols, c_rows)
            n_enrol, n_done = n_enrol + len(e_rows), n_done + len(c_rows)
            e_rows, c_rows = [], []
    bulk_insert(session, table_of(Enrolment), e_cols, e_rows)
    bulk_insert(session, table_of(CourseCompletion), c_cols, c_rows)
    n_enrol, n_done = n_enrol + len(e_rows), n_done + len(c_rows)
    _fix_sequences(session, OrgUnit, Headcount, User, UserRole, Enrolment, CourseCompletion)
    counters.rebuild(session)
    return LoadResult(units=len(tree), learners=learners, enrolments=n_enrol, completions=n_done,
                      courses_created=created, seconds=time.perf_counter() - started)
