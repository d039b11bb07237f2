"""The demo training-needs survey for `make run` (part of `lms create-demo`).

It is built from the 2006 report itself: its priority topics (communication;
organisation and workflow; management capacities; quality of relations with
the insured; laws and regulations; comparative social-security systems) and
one topic per scheme, asked to the whole national tree. Its paper answers
come from the 52 bureaus of the report's survey table, by level (23
province, 24 city, 4 provincial city, 1 district) and by kind (29 social
insurance or security, 13 medical insurance, 4 pension insurance, 3 fund
management, 1 labour and employment insurance, 1 labour and social
insurance, 1 work injury), with the pattern the report describes: managers
put the management of the structures first, common staff the relations with
the insured and the laws, and medium-level (city) managers rate lower and
leave more 'no answer'. Deterministic; safe to run again (it does nothing
once the survey exists). The demo accounts have not answered: they can.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.orgs.models import Headcount, OrgUnit
from lms.surveys import services
from lms.surveys.csv_import import PaperRow, write_responses
from lms.surveys.models import NEED_CODES, Survey
from lms.surveys.services import SurveyFields, TopicFields
from lms.zones import local_date

TITLE = "培训需求调查（试点演示）"
DESCRIPTION = ("本调查依据2006年培训战略报告的培训需求问卷（第2.1.1.2节、附录3）。请就每个主题选择您的培训需求："
               "不需要、有用、必需；无法判断时选“未答”。")

TOPICS = [
    TopicFields("communication", "沟通能力", "transversal", "capacity",
                "与同事、上级和参保人沟通，倾听、解释、答复。", comment_allowed=True),
    TopicFields("organisation", "组织与工作流程", "transversal", "expertise", "岗位分工、经办流程的设计与改进。"),
    TopicFields("management", "管理能力", "transversal", "expertise", "带队伍、定目标、用指标管理一个机构。"),
    TopicFields("relations", "与参保人关系的质量", "transversal", "capacity", "窗口服务、投诉处理、一次性告知。"),
    TopicFields("laws", "法律法规", "social-security", "information", "社会保险法律法规和经办规程。"),
    TopicFields("comparative", "社会保障制度比较", "social-security", "information", "国外和各地社会保障制度的比较。"),
    TopicFields("pension", "养老保险经办", "social-security", "capacity", schemes=["pension"]),
    TopicFields("medical", "医疗保险经办", "social-security", "capacity", schemes=["medical"]),
    TopicFields("unemployment", "失业保险经办", "social-security", "capacity", schemes=["unemployment"]),
    TopicFields("work_injury", "工伤保险经办", "social-security", "capacity", schemes=["work_injury"]),
    TopicFields("maternity", "生育保险经办", "social-security", "capacity", schemes=["maternity"]),
]

# The 52 bureaus of the report's table: (code, parent code, name, level, kind). JS, JS-NJ and
# JS-NJ-XW are the demo tree's own units (lms.demo) and count among them.
_PROVINCES = {"ZJ": "浙江省", "AH": "安徽省", "FJ": "福建省", "JX": "江西省", "SD": "山东省", "HA": "河南省", "HB": "湖北省",
              "HN": "湖南省", "GD": "广东省", "SC": "四川省", "SN": "陕西省", "GS": "甘肃省", "LN": "辽宁省"}
_KIND_NAMES = {"social_insurance": "社会保险事业管理中心", "medical_insurance": "医疗保险管理中心",
               "pension_insurance": "养老保险管理处", "fund_management": "社会保险基金管理中心",
               "labour_employment_insurance": "劳动就业保险管理局", "labour_social_insurance": "劳动和社会保险局",
               "work_injury": "工伤保险管理处"}
_CITIES = [  # (code, province code, city name, kind)
    ("ZJ-HZ", "ZJ", "杭州市", "social_insurance"), ("ZJ-NB", "ZJ", "宁波市", "medical_insurance"),
    ("AH-HF", "AH", "合肥市", "social_insurance"), ("FJ-FZ", "FJ", "福州市", "social_insurance"),
    ("FJ-XM", "FJ", "厦门市", "pension_insurance"), ("JX-NC", "JX", "南昌市", "social_insurance"),
    ("SD-JN", "SD", "济南市", "medical_insurance"), ("SD-QD", "SD", "青岛市", "social_insurance"),
    ("HA-ZZ", "HA", "郑州市", "social_insurance"), ("HA-LY", "HA", "洛阳市", "pension_insurance"),
    ("HB-YC", "HB", "宜昌市", "medical_insurance"), ("HN-CS", "HN", "长沙市", "social_insurance"),
    ("HN-ZZ", "HN", "株洲市", "fund_management"), ("GD-FS", "GD", "佛山市", "medical_insurance"),
    ("GD-DG", "GD", "东莞市", "social_insurance"), ("SC-MY", "SC", "绵阳市", "pension_insurance"),
    ("SN-XA", "SN", "西安市", "social_insurance"), ("SN-BJ", "SN", "宝鸡市", "medical_insurance"),
    ("GS-LZ", "GS", "兰州市", "social_insurance"), ("GS-TS", "GS", "天水市", "labour_social_insurance"),
    ("LN-SY", "LN", "沈阳市", "pension_insurance"), ("LN-DL", "LN", "大连市", "medical_insurance"),
    ("JS-SZ", "JS", "苏州市", "social_insurance"),
]
_PROVINCIAL_CITIES = [("GD-GZ", "GD", "广州市", "social_insurance"), ("HB-WH", "HB", "武汉市", "social_insurance"),
                      ("SC-CD", "SC", "成都市", "medical_insurance"), ("GD-SZ", "GD", "深圳市", "work_injury")]
_PROVINCE_BUREAUS = (  # province code, kind: with JS, 14 social insurance, 6 medical, 2 fund management, 1 labour & employment
    [(p, "social_insurance") for p in _PROVINCES]
    + [(p, "medical_insurance") for p in ("ZJ", "SD", "HA", "HB", "GD", "SC")]
    + [("FJ", "fund_management"), ("HN", "fund_management"), ("LN", "labour_employment_insurance")])
HEADCOUNTS = {"province": (30, 40, 120), "city": (15, 20, 80), "provincial_city": (20, 30, 100)}  # manager, professional, staff


def sample_units() -> list[tuple[str, str, str, str, str]]:
    """(code, parent code, name, level, kind) of the bureaus the demo adds (49; with JS, JS-NJ, JS-NJ-XW: 52)."""
    units = []
    for province, kind in _PROVINCE_BUREAUS:
        code = f"SV-{province}" + ("" if kind == "social_insurance" else f"-{kind.split('_')[0][:3].upper()}")
        units.append((code, "CN", _PROVINCES[province] + _KIND_NAMES[kind], "province", kind))
    for code, province, name, kind in _CITIES:
        parent = "JS" if province == "JS" else f"SV-{province}"
        units.append((f"SV-{code}", parent, name + _KIND_NAMES[kind], "city", kind))
    for code, province, name, kind in _PROVINCIAL_CITIES:
        units.append((f"SV-{code}", f"SV-{province}", name + _KIND_NAMES[kind], "provincial_city", kind))
    return units


SAMPLE_CODES = ["JS", "JS-NJ", "JS-NJ-XW"]

# Probabilities of (not needed, useful, essential, no answer) per kind of topic and respondent.
_MANAGEMENT = {"communication", "organisation", "management"}
_MISSION = {"relations", "laws"}


def _weights(topic: str, category: str, level: str) -> tuple[float, float, float, float]:
    if category == "manager":
        if topic in _MANAGEMENT:
            weights = (0.05, 0.3, 0.6, 0.05)
        elif topic == "comparative":
            weights = (0.1, 0.4, 0.45, 0.05)
        elif topic in _MISSION:
            weights = (0.1, 0.45, 0.4, 0.05)
        else:
            weights = (0.2, 0.5, 0.2, 0.1)
        if level in ("city", "district"):  # the medium-level managers: a lower quotation, many 'no answer'
            nn, us, es, na = weights
            weights = (nn + 0.1, us, es * 0.5, na + 0.3)
        return weights
    if category == "staff":
        if topic in _MISSION:
            return (0.05, 0.3, 0.6, 0.05)
        if topic in ("pension", "medical", "work_injury"):
            return (0.05, 0.3, 0.6, 0.05)
        if topic == "comparative":
            return (0.45, 0.35, 0.05, 0.15)
        if topic in _MANAGEMENT:
            return (0.3, 0.45, 0.15, 0.1)
        return (0.15, 0.45, 0.3, 0.1)
    # professional
    if topic in ("laws", "pension", "medical", "work_injury", "unemployment"):
        return (0.1, 0.4, 0.45, 0.05)
    if topic in _MANAGEMENT:
        return (0.2, 0.5, 0.2, 0.1)
    return (0.2, 0.5, 0.2, 0.1)


def _ensure_units(session: Session) -> dict[str, OrgUnit]:
    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    for code, parent, name, level, kind in sample_units():
        if code in units or parent not in units:
            continue
        parent_unit = units[parent]
        unit = OrgUnit(code=code, name=name, level=level, kind=kind, parent=parent_unit)
        session.add(unit)
        session.flush()
        unit.path = parent_unit.path + f"{unit.id}/"
        for category, count in zip(("manager", "professional", "staff"), HEADCOUNTS[level], strict=True):
            session.add(Headcount(org_unit_id=unit.id, staff_category=category, valid_from=date(2026, 1, 1),
                                  headcount=count))
        units[code] = unit
    session.flush()
    return units


def create_demo_survey(session: Session, *, now: datetime) -> Survey | None:
    """The open demo survey and its paper answers; None if it exists already (or the demo tree does not)."""
    if session.scalar(select(Survey.id).where(Survey.title == TITLE)) is not None:
        return None
    units = _ensure_units(session)
    if "CN" not in units:
        return None
    author = session.scalar(select(User.id).where(User.username == "admin"))
    today = local_date(now)
    survey = services.create_survey(session, SurveyFields(
        title=TITLE, description=DESCRIPTION, opens_on=today - timedelta(days=14), closes_on=today + timedelta(days=60),
        root_unit_id=units["CN"].id, categories=["manager", "professional", "staff", "correspondent"]),
        user_id=author, now=now)
    for fields in TOPICS:
        services.add_topic(session, survey, fields, user_id=author, now=now)
    services.open_survey(session, survey, user_id=author, now=now)

    rng = random.Random(14)  # nosec B311 - demo data, nothing secret
    needs = list(NEED_CODES)
    rows: list[PaperRow] = []
    sample = [units[c] for c in SAMPLE_CODES if c in units] + [units[c[0]] for c in sample_units() if c[0] in units]
    for unit in sample:
        for _ in range(rng.randint(6, 14)):
            category = rng.choices(("manager", "professional", "staff"), weights=(0.5, 0.2, 0.3))[0]
            answers: dict[int, tuple[int, str | None]] = {}
            for topic in survey.topics:
                name = rng.choices(needs, weights=_weights(topic.key, category, unit.level))[0]
                answers[topic.id] = (NEED_CODES[name], None)
            rows.append(PaperRow(len(rows) + 2, f"DEMO-{len(rows) + 1:04d}", unit.code, category, "zh_CN", answers,
                                 unit_id=unit.id))
    write_responses(session, survey, rows, now=now)
    services.record_import(session, survey, f"{len(rows)} demo questionnaires from {len(sample)} bureaus",
                           user_id=author, now=now)
    return survey
