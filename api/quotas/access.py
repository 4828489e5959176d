"""Who sees whose quota progress and who edits the rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import AccessContext
from api.quotas.common import contact_school_ids
from models import School, User, UserRole


def quota_school_ids(session: Session, ctx: AccessContext, semester: str) -> set[int]:
    """Admins every school; researchers their contact schools of that semester; school admins their own."""
    if ctx.is_admin:
        return set(session.scalars(select(School.id)))
    if ctx.user.role == UserRole.researcher:
        return contact_school_ids(session, ctx.user.id, semester)
    if ctx.user.role == UserRole.school_admin and ctx.user.school_id is not None:
        return {ctx.user.school_id}
    return set()


def can_see_person(session: Session, ctx: AccessContext, person: User, semester: str) -> bool:
    if person.id == ctx.user.id or ctx.is_admin:
        return True
    return person.school_id is not None and person.school_id in quota_school_ids(session, ctx, semester)


def can_edit_rules(ctx: AccessContext) -> bool:
    """The district office (administrators) sets the numbers."""
    return ctx.is_admin
