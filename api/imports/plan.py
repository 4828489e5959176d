"""What an import would do, row by row, before anything is written: created, updated, unchanged, or an error
said in Chinese (the office reads it next to its own spreadsheet).

Everything the rows are checked against is loaded once (schools, people by 工号 and phone), so a preview of
2,000 rows costs a few queries. A person is matched on 工号, else on phone number, which makes a re-import of
the same file change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import AccessContext, can_manage_people_of, can_manage_person, may_grant_role
from api.imports import layouts
from api.imports.reader import Row, Sheet
from models import Assignment, School, User, UserRole, Zone
from tingke.semesters import SEMESTER_PATTERN, semester_bounds

PHONE = re.compile(r"^1[3-9]\d{9}$")
EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
SEMESTER = re.compile(SEMESTER_PATTERN)


def _is_semester(label: str) -> bool:
    try:
        semester_bounds(label)
    except ValueError:
        return False
    return bool(SEMESTER.match(label))
NEEDS_SCHOOL = (UserRole.teacher, UserRole.school_admin)


@dataclass
class PlanRow:
    number: int
    status: str  # created | updated | unchanged | error
    label: str
    message: str = ""
    changes: dict[str, list[Any]] = field(default_factory=dict)  # 中文字段 → [before, after]
    target_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)  # what to write (the service call's input)

    def public(self) -> dict[str, Any]:
        return {"row": self.number, "status": self.status, "label": self.label, "message": self.message,
                "changes": self.changes}


def normalize_phone(text: str) -> str:
    digits = re.sub(r"[\s\-()（）]", "", text)
    return digits.removeprefix("+86").removeprefix("0086") if len(digits) > 11 else digits


def _error(row: Row, label: str, problems: list[str]) -> PlanRow:
    return PlanRow(row.number, "error", label, "；".join(problems))


def _diff(user_or_row: object, wanted: dict[str, Any], names: dict[int, str] | None = None) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for key, value in wanted.items():
        before = getattr(user_or_row, key)
        if before != value:
            show = (lambda v: names.get(v, v)) if names and key in ("school_id", "zone_id") else (
                lambda v: layouts.ROLE_ZH.get(v, getattr(v, "value", v)))
            out[layouts.FIELD_ZH.get(key, key)] = [show(before), show(value)]
    return out


# ---- people -------------------------------------------------------------------------------------

def plan_people(session: Session, ctx: AccessContext | None, sheet: Sheet) -> list[PlanRow]:
    schools = {s.name: s for s in session.scalars(select(School))}
    school_names = {s.id: s.name for s in schools.values()}
    people = list(session.scalars(select(User)))
    by_no = {u.employee_no: u for u in people if u.employee_no}
    by_phone = {u.phone: u for u in people if u.phone}
    usernames = {u.username: u for u in people}
    seen_no: dict[str, int] = {}
    seen_phone: dict[str, int] = {}
    out = []
    for row in sheet.rows:
        v = row.values
        name = v.get("name", "")
        number = v.get("employee_no", "")
        phone = normalize_phone(v.get("phone", ""))
        label = name or number or phone or f"第{row.number}行"
        problems = []
        if not name:
            problems.append("缺少姓名")
        if not number and not phone:
            problems.append("缺少工号或手机号")
        if number and not EMPLOYEE_NO.match(number):
            problems.append(f"工号格式不正确：{number}（只能包含字母、数字、下划线和短横线）")
        if phone and not PHONE.match(phone):
            problems.append(f"手机号格式不正确：{v.get('phone')}（应为 11 位手机号）")
        if number and number in seen_no:
            problems.append(f"工号重复：与第 {seen_no[number]} 行相同")
        if phone and phone in seen_phone:
            problems.append(f"手机号重复：与第 {seen_phone[phone]} 行相同")
        if number:
            seen_no.setdefault(number, row.number)
        if phone:
            seen_phone.setdefault(phone, row.number)
        role = layouts.ROLE_WORDS.get(v.get("role", "教师"))
        if role is None or role == UserRole.admin:
            problems.append(f"角色无法识别：{v.get('role')}（可填 教师、学校管理员、教研员）")
        position = layouts.POSITION_WORDS.get(v.get("position", "科任教师"))
        if position is None:
            problems.append(f"职务无法识别：{v.get('position')}（可填 科任教师、教研组长、中层干部、校长）")
        school = schools.get(v.get("school", ""))
        if v.get("school") and school is None:
            problems.append(f"学校不存在：{v.get('school')}")
        elif role in NEEDS_SCHOOL and school is None:
            problems.append("缺少学校")
        school_id = school.id if school is not None and role in NEEDS_SCHOOL else None
        if role is not None and not may_grant_role(ctx, role):
            problems.append("学校管理员只能导入教师")
        elif school_id is not None and not can_manage_people_of(ctx, school_id):
            problems.append("只能导入本校的教师")
        match = by_no.get(number) if number else None
        other = by_phone.get(phone) if phone else None
        if match is not None and other is not None and other is not match:
            problems.append(f"工号 {number} 与手机号 {phone} 属于两个不同的人")
        match = match or other
        if match is not None and match.employee_no and number and match.employee_no != number:
            problems.append(f"手机号 {phone} 已属于工号为 {match.employee_no} 的人")
        if match is not None and not problems and not can_manage_person(ctx, match):
            problems.append("无权修改此人（只能修改本校教师）")
        if problems:
            out.append(_error(row, label, problems))
            continue
        assert role is not None and position is not None
        wanted: dict[str, Any] = {"display_name": name, "role": role, "position": position, "school_id": school_id}
        for key in ("subject", "grade"):
            if v.get(key):
                wanted[key] = v[key][:50]
        if number:
            wanted["employee_no"] = number
        if phone:
            wanted["phone"] = phone
        if match is not None:
            changes = _diff(match, wanted, school_names)
            out.append(PlanRow(row.number, "updated" if changes else "unchanged", label, changes=changes,
                               target_id=match.id, values={k: wanted[k] for k in wanted
                                                           if getattr(match, k) != wanted[k]}))
            continue
        username = number if number and USERNAME.match(number) else phone
        if username in usernames:
            out.append(_error(row, label, [f"用户名已被占用：{username}"]))
            continue
        usernames[username] = User()  # a later row of the file cannot take it either
        out.append(PlanRow(row.number, "created", label, values={"username": username, **wanted},
                           changes={layouts.FIELD_ZH[k]: [None, school_names.get(val, val) if k == "school_id"
                                                          else layouts.ROLE_ZH.get(val, getattr(val, "value", val))]
                                    for k, val in wanted.items() if val is not None}))
    return out


# ---- schools ------------------------------------------------------------------------------------

def plan_schools(session: Session, ctx: AccessContext | None, sheet: Sheet) -> list[PlanRow]:
    schools = {s.name: s for s in session.scalars(select(School))}
    zones = {z.name: z for z in session.scalars(select(Zone))} | {z.code: z for z in session.scalars(select(Zone))}
    zone_names = {z.id: z.name for z in zones.values()}
    seen: dict[str, int] = {}
    out = []
    for row in sheet.rows:
        v = row.values
        name = v.get("name", "")[:200]
        problems = []
        if not name:
            problems.append("缺少学校名称")
        elif name in seen:
            problems.append(f"学校名称重复：与第 {seen[name]} 行相同")
        seen.setdefault(name, row.number)
        zone = zones.get(v.get("zone", ""))
        if v.get("zone") and zone is None:
            problems.append(f"片区不存在：{v.get('zone')}")
        role = layouts.SCHOOL_ROLE_WORDS.get(v["role"]) if v.get("role") else None
        if v.get("role") and role is None:
            problems.append(f"学校类型无法识别：{v.get('role')}（可填 引领校、基地校、薄弱校）")
        locale = layouts.LOCALE_WORDS.get(v["locale"]) if v.get("locale") else None
        if v.get("locale") and locale is None:
            problems.append(f"城乡类别无法识别：{v.get('locale')}（可填 城镇、农村）")
        if problems:
            out.append(_error(row, name or f"第{row.number}行", problems))
            continue
        wanted: dict[str, Any] = {}
        if zone is not None:
            wanted["zone_id"] = zone.id
        if role is not None:
            wanted["role"] = role
        if locale is not None:
            wanted["locale"] = locale
        existing = schools.get(name)
        if existing is not None:
            changes = {k: [layouts.SCHOOL_ROLE_ZH.get(a, getattr(a, "value", a)),
                           layouts.SCHOOL_ROLE_ZH.get(b, getattr(b, "value", b))]
                       for k, (a, b) in _diff(existing, wanted, zone_names).items()}
            out.append(PlanRow(row.number, "updated" if changes else "unchanged", name, changes=changes,
                               target_id=existing.id,
                               values={k: val for k, val in wanted.items() if getattr(existing, k) != val}))
        else:
            out.append(PlanRow(row.number, "created", name, values={"name": name, **wanted}))
    return out


# ---- researchers' assignments ---------------------------------------------------------------------

def plan_assignments(session: Session, ctx: AccessContext | None, sheet: Sheet) -> list[PlanRow]:
    researchers = list(session.scalars(select(User).where(User.role == UserRole.researcher)))
    by_key = {k: u for u in researchers for k in (u.employee_no, u.phone, u.username) if k}
    by_name: dict[str, list[User]] = {}
    for u in researchers:
        by_name.setdefault(u.display_name, []).append(u)
    schools = {s.name: s for s in session.scalars(select(School))}
    zones = {z.name: z for z in session.scalars(select(Zone))} | {z.code: z for z in session.scalars(select(Zone))}
    existing: dict[tuple[Any, ...], Assignment] = {
        (a.researcher_id, a.school_id, a.zone_id, a.semester): a for a in session.scalars(select(Assignment))}
    seen: dict[tuple[Any, ...], int] = {}
    out = []
    for row in sheet.rows:
        v = row.values
        key, name = v.get("key", ""), v.get("researcher", "")
        label = name or key or f"第{row.number}行"
        problems = []
        researcher = by_key.get(normalize_phone(key)) or by_key.get(key) if key else None
        if researcher is None and not key and name:
            found = by_name.get(name, [])
            researcher = found[0] if len(found) == 1 else None
            if len(found) > 1:
                problems.append(f"有多位教研员叫 {name}：请填写工号或手机号")
        if researcher is None and not problems:
            problems.append(f"教研员不存在：{key or name}")
        semester = v.get("semester", "")
        if not _is_semester(semester):
            problems.append(f"学期格式不正确：{semester}（如 2026-2027-1）")
        school = schools.get(v.get("school", ""))
        zone = zones.get(v.get("zone", ""))
        if v.get("school") and school is None:
            problems.append(f"学校不存在：{v.get('school')}")
        if v.get("zone") and zone is None:
            problems.append(f"片区不存在：{v.get('zone')}")
        if v.get("school") and v.get("zone"):
            problems.append("蹲点联系学校和片区只填一项")
        if not v.get("school") and not v.get("zone"):
            problems.append("缺少蹲点联系学校或片区")
        if ctx is not None and not ctx.is_admin:
            problems.append("只有区县管理员可以导入教研员分工")
        ident = (researcher.id if researcher else None, school.id if school else None, zone.id if zone else None,
                 semester)
        if not problems and ident in seen:
            problems.append(f"与第 {seen[ident]} 行重复")
        seen.setdefault(ident, row.number)
        if problems:
            out.append(_error(row, label, problems))
            continue
        assert researcher is not None
        subject = v.get("subject") or None
        place = school.name if school else zone.name if zone else ""
        label = f"{researcher.display_name} · {place} · {semester}"
        found_row = existing.get(ident)
        if found_row is not None:
            changes = {"学科": [found_row.subject, subject]} if subject and found_row.subject != subject else {}
            out.append(PlanRow(row.number, "updated" if changes else "unchanged", label, changes=changes,
                               target_id=found_row.id, values={"subject": subject} if changes else {}))
        else:
            out.append(PlanRow(row.number, "created", label, values={
                "researcher_id": researcher.id, "school_id": school.id if school else None,
                "zone_id": zone.id if zone else None, "semester": semester, "subject": subject}))
    return out


PLANNERS = {"people": plan_people, "schools": plan_schools, "assignments": plan_assignments}
