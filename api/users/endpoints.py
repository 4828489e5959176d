"""People: list, create, edit (move school, change role), deactivate and reactivate, reset a password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, or_, select

from api.access import can_list_users, users_clause
from api.deps import DB, Access
from api.errors import forbidden
from api.pagination import Page, Paging
from api.types import PathId
from api.users import service
from api.users.schemas import PasswordResetIn, PasswordResetOut, UserCreated, UserIn, UserOut, UserPatch
from models import User, UserRole

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("", response_model=Page[UserOut])
def list_users(session: DB, ctx: Access, paging: Paging,
               q: Annotated[str | None, Query(max_length=100, description="name, user name, 工号 or phone")] = None,
               school_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
               role: UserRole | None = None, active: bool | None = None) -> Page[UserOut]:
    if not can_list_users(ctx):
        raise forbidden("Only administrators, school admins and researchers list people.")
    where = [users_clause(ctx)]
    if q:
        like = f"%{q.strip()}%"
        where.append(or_(User.display_name.like(like), User.username.like(like), User.employee_no.like(like),
                         User.phone.like(like)))
    if school_id is not None:
        where.append(User.school_id == school_id)
    if role is not None:
        where.append(User.role == role)
    if active is not None:
        where.append(User.is_active.is_(active))
    total = session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    rows = session.scalars(select(User).where(*where).order_by(User.id).limit(paging.limit).offset(paging.offset))
    return Page(items=[UserOut.model_validate(u) for u in rows], total=total, **paging.model_dump())


@router.post("", response_model=UserCreated, status_code=201,
             summary="Create a person (without a password: a one-time one, shown once)")
def create_user(data: UserIn, session: DB, ctx: Access) -> UserCreated:
    user, one_time = service.create_user(session, ctx, data)
    return UserCreated(**UserOut.model_validate(user).model_dump(), one_time_password=one_time)


@router.get("/{user_id}", response_model=UserOut)
def get_user(user_id: PathId, session: DB, ctx: Access) -> User:
    return service.get_person(session, ctx, user_id)


@router.patch("/{user_id}", response_model=UserOut, summary="Edit a person: name, school, role, subject, 工号 …")
def update_user(user_id: PathId, data: UserPatch, session: DB, ctx: Access) -> User:
    return service.update_user(session, ctx, user_id, data)


@router.post("/{user_id}/deactivate", response_model=UserOut, summary="Deactivate (their sessions end at once)")
def deactivate_user(user_id: PathId, session: DB, ctx: Access) -> User:
    return service.set_active(session, ctx, user_id, False)


@router.post("/{user_id}/reactivate", response_model=UserOut)
def reactivate_user(user_id: PathId, session: DB, ctx: Access) -> User:
    return service.set_active(session, ctx, user_id, True)


@router.post("/{user_id}/reset-password", response_model=PasswordResetOut,
             summary="Reset the password (their sessions end; a new one must be chosen at the next sign-in)")
def reset_password(user_id: PathId, data: PasswordResetIn, session: DB, ctx: Access) -> PasswordResetOut:
    new = service.reset_password(session, ctx, user_id, data.password)
    return PasswordResetOut(user_id=user_id, one_time_password=new if data.password is None else None)
