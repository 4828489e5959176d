"""Administering people: create, edit, move school, change role, deactivate, reactivate, reset a password.

The JSON API, the admin pages (through the API), the bulk import and the command line all call these, so
the access rules and the audit record are the same on every path. ``ctx`` None is the command line.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.access import AccessContext, can_manage_people_of, can_manage_person, may_grant_role
from api.audit.service import record
from api.auth import passwords
from api.auth import service as auth
from api.errors import APIError, forbidden, not_found
from api.users.schemas import USERNAME as USERNAME_PATTERN
from api.users.schemas import UserIn, UserPatch
from models import School, User, UserRole

NEEDS_SCHOOL = (UserRole.teacher, UserRole.school_admin)
USERNAME = re.compile(USERNAME_PATTERN)


def _actor(ctx: AccessContext | None) -> User | None:
    return ctx.user if ctx is not None else None


def find_school(session: Session, school_id: int | None) -> School | None:
    if school_id is None:
        return None
    school = session.get(School, school_id)
    if school is None:
        raise APIError(422, "unknown_school", f"School {school_id} does not exist.", school_id=school_id)
    return school


def school_by_name(session: Session, name: str) -> School:
    """A school named exactly so (the command line and imports name schools as people do)."""
    rows = list(session.scalars(select(School).where(School.name == name.strip()).limit(2)))
    if not rows:
        raise APIError(422, "unknown_school", f"No school is named '{name}'.", school=name)
    if len(rows) > 1:
        raise APIError(422, "ambiguous_school", f"Several schools are named '{name}'; give its id.", school=name)
    return rows[0]


def _check_unique(session: Session, user_id: int | None, employee_no: str | None, phone: str | None) -> None:
    for column, value, code, label in ((User.employee_no, employee_no, "employee_no_taken", "工号"),
                                       (User.phone, phone, "phone_taken", "phone number")):
        if value is None:
            continue
        query = select(User.id).where(column == value)
        if user_id is not None:
            query = query.where(User.id != user_id)
        if session.scalar(query.limit(1)) is not None:
            raise APIError(409, code, f"Another person has this {label}: {value}.", value=value)


def get_person(session: Session, ctx: AccessContext | None, user_id: int) -> User:
    """A person this caller may manage (404 for one they may not even list)."""
    user = session.get(User, user_id)
    if user is None:
        raise not_found("user")
    if not can_manage_person(ctx, user):
        if ctx is not None and ctx.user.role == UserRole.school_admin and user.school_id == ctx.user.school_id:
            raise forbidden("A school admin manages the school's teachers only.")
        raise not_found("user")
    return user


def create_user(session: Session, ctx: AccessContext | None, data: UserIn) -> tuple[User, str | None]:
    """A new person; without a password they get a one-time one (returned once) to change at first sign-in."""
    return create_users(session, ctx, [data])[0]


def _taken(session: Session, column: Any, values: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(values)
    for start in range(0, len(ordered), 500):  # bounded IN lists
        found |= set(session.scalars(select(column).where(column.in_(ordered[start:start + 500]))))
    return found


def create_users(session: Session, ctx: AccessContext | None, items: list[UserIn]) -> list[tuple[User, str | None]]:
    """Create many people at once with the rules of :func:`create_user` (the bulk import's path): every check
    is made for all of them with one query per kind, then all are written in one flush. Any refusal refuses
    the whole batch, before anything is written."""
    schools = {s.id for s in session.scalars(select(School).where(
        School.id.in_({d.school_id for d in items if d.school_id is not None} or {-1})))}
    names: list[str] = []
    for data in items:
        if not can_manage_people_of(ctx, data.school_id):
            raise forbidden("A school admin adds people to their own school only.")
        if not may_grant_role(ctx, data.role):
            raise forbidden("A school admin adds teachers only.")
        username = data.username or data.employee_no or data.phone
        if not username or not USERNAME.match(username):
            raise APIError(422, "username_required",
                           "Give a user name (or a 工号 made of letters and digits, or a phone).")
        if data.role in NEEDS_SCHOOL and data.school_id is None:
            raise APIError(422, "school_required", "Teachers and school admins belong to a school.")
        if data.school_id is not None and data.school_id not in schools:
            raise APIError(422, "unknown_school", f"School {data.school_id} does not exist.", school_id=data.school_id)
        problem = passwords.strength_problem(data.password, username) if data.password else None
        if problem is not None:  # the same rule as a person's own change (api.auth.service.check_new_password)
            raise APIError(422, "weak_password", problem, min=passwords.MIN_LENGTH, username=username)
        names.append(username)
    for column, values, code, label in (
            (User.username, names, "username_taken", "user name"),
            (User.employee_no, [d.employee_no for d in items if d.employee_no], "employee_no_taken", "工号"),
            (User.phone, [d.phone for d in items if d.phone], "phone_taken", "phone number")):
        twice = {v for v, n in Counter(values).items() if n > 1}
        taken = sorted(_taken(session, column, set(values)) | twice)
        if taken:
            if code == "username_taken":
                raise APIError(409, code, f"The {label} '{taken[0]}' is taken.", username=taken[0])
            raise APIError(409, code, f"The {label} '{taken[0]}' is taken.", value=taken[0])
    made: list[tuple[User, str | None]] = []
    for data, username in zip(items, names, strict=True):
        one_time = None
        if data.password:
            password_hash = passwords.hash_password(data.password)
        else:
            one_time = passwords.new_one_time_password()
            password_hash = passwords.hash_one_time(one_time)
        made.append((User(username=username, display_name=data.display_name, password_hash=password_hash,
                          role=data.role, school_id=data.school_id, subject=data.subject, birth_date=data.birth_date,
                          employee_no=data.employee_no, phone=data.phone, grade=data.grade, position=data.position,
                          must_change_password=one_time is not None), one_time))
    session.add_all([user for user, _ in made])
    session.flush()
    for user, _ in made:
        record(session, _actor(ctx), "user.create", target_type="user", target_id=user.id, school_id=user.school_id,
               summary=f"{user.display_name}（{user.username}）", role=user.role.value)
    return made


def update_user(session: Session, ctx: AccessContext | None, user_id: int, data: UserPatch) -> User:
    """Edit a person; moving school and changing role follow the same rules as creating one."""
    user = get_person(session, ctx, user_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    if changes.get("role", user.role) is None or changes.get("display_name", user.display_name) is None:
        raise APIError(422, "invalid_input", "Role and name cannot be emptied.")
    if "school_id" in changes and changes["school_id"] != user.school_id:
        if not can_manage_people_of(ctx, changes["school_id"]) or not can_manage_people_of(ctx, user.school_id):
            raise forbidden("Only the district office moves people between schools.")
        find_school(session, changes["school_id"])
    role = changes.get("role", user.role)
    if role != user.role and not may_grant_role(ctx, role):
        raise forbidden("A school admin cannot give this role.")
    if role in NEEDS_SCHOOL and changes.get("school_id", user.school_id) is None:
        raise APIError(422, "school_required", "Teachers and school admins belong to a school.")
    _check_unique(session, user.id, changes.get("employee_no"), changes.get("phone"))
    before = {k: _plain(getattr(user, k)) for k in changes}
    for key, value in changes.items():
        setattr(user, key, value)
    after = {k: _plain(getattr(user, k)) for k in changes}
    diff = {k: [before[k], after[k]] for k in changes if before[k] != after[k]}
    if diff:
        if "role" in diff or "school_id" in diff:
            auth.revoke_sessions(session, user)  # rights changed: tokens carrying the old ones stop
        record(session, _actor(ctx), "user.update", target_type="user", target_id=user.id,
               school_id=user.school_id, summary=f"{user.display_name}（{user.username}）", changes=diff)
    session.flush()
    return user


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value.isoformat() if hasattr(value, "isoformat") else value


def set_active(session: Session, ctx: AccessContext | None, user_id: int, active: bool) -> User:
    user = get_person(session, ctx, user_id)
    if ctx is not None and user.id == ctx.user.id and not active:
        raise APIError(409, "cannot_deactivate_self", "You cannot deactivate your own account.")
    if user.is_active == active:
        return user
    if active:
        auth.reactivate_user(session, user)
    else:
        auth.deactivate_user(session, user)
    record(session, _actor(ctx), "user.reactivate" if active else "user.deactivate", target_type="user",
           target_id=user.id, school_id=user.school_id, summary=f"{user.display_name}（{user.username}）")
    return user


def reset_password(session: Session, ctx: AccessContext | None, user_id: int, password: str | None = None) -> str:
    """A new password (given, or one-time) to change at the next sign-in; the person's sessions end."""
    user = get_person(session, ctx, user_id)
    new = auth.reset_password(session, user, password)
    record(session, _actor(ctx), "user.reset_password", target_type="user", target_id=user.id,
           school_id=user.school_id, summary=f"{user.display_name}（{user.username}）",
           one_time=password is None)
    return new


def find_by_name(session: Session, name: str) -> User:
    """A person by user name, 工号 or phone number (the command line)."""
    rows = list(session.scalars(select(User).where(
        or_(User.username == name, User.employee_no == name, User.phone == name)).limit(2)))
    if len(rows) != 1:
        raise APIError(404, "not_found", f"No single person has the user name, 工号 or phone '{name}'.")
    return rows[0]
