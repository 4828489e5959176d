"""Quota rules (data, editable per zone and semester) and everyone's computed progress."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from api.access import can_edit_quota_rules, can_see_quota_of, can_set_position, quota_school_ids
from api.deps import DB, Access
from api.errors import APIError, forbidden, not_found
from api.quotas import service
from api.quotas.common import semester_dates, semester_or_current
from api.quotas.schemas import (
    GroupOut,
    MetricOut,
    PersonOut,
    PositionIn,
    PositionOut,
    QuotasOut,
    RuleIn,
    RuleOut,
    RulePatch,
    SchoolOut,
)
from api.types import PathId
from models import QuotaRule, School, User, UserRole, Zone
from tingke.semesters import SEMESTER_PATTERN

router = APIRouter(prefix="/api", tags=["quotas"])

Semester = Annotated[str | None, Query(pattern=SEMESTER_PATTERN, description="e.g. 2026-2027-1; default: now")]


def person_out(p: service.PersonProgress) -> PersonOut:
    return PersonOut(user_id=p.user_id, name=p.name, role=p.role, position=p.position, audience=p.audience,
                     school_id=p.school_id, school_name=p.school_name, met=p.met,
                     metrics=[MetricOut(**vars(m)) for m in p.metrics])


def school_out(s: service.SchoolProgress) -> SchoolOut:
    return SchoolOut(school_id=s.school_id, name=s.name, people_met=s.people_met, people_total=len(s.people),
                     people=[person_out(p) for p in s.people],
                     subject_groups=[GroupOut(subject=g.subject, met=g.met, metrics=[MetricOut(**vars(m))
                                                                                     for m in g.metrics])
                                     for g in s.subject_groups])


@router.get("/quotas", response_model=QuotasOut, summary="Quota progress of the people and schools you may see")
def quotas(session: DB, ctx: Access, semester: Semester = None,
           school_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> QuotasOut:
    term = semester_or_current(semester)
    first, last = semester_dates(term)
    school_ids = quota_school_ids(session, ctx, term)
    if school_id is not None:
        if school_id not in school_ids:
            raise not_found("school")
        school_ids = {school_id}
    schools = session.scalars(select(School).where(School.id.in_(school_ids or {-1})).order_by(School.id))
    loose: list[User] = [] if ctx.user.school_id in school_ids else [ctx.user]
    if ctx.is_admin and school_id is None:
        loose = list(session.scalars(select(User).where(User.role == UserRole.researcher, User.is_active.is_(True))
                                     .order_by(User.id)))
    return QuotasOut(semester=term, start=first, end=last,
                     people=[person_out(p) for p in service.people_progress(session, loose, term)],
                     schools=[school_out(service.school_progress(session, s, term)) for s in schools])


@router.get("/quotas/people/{user_id}", response_model=PersonOut)
def person_quota(user_id: PathId, session: DB, ctx: Access, semester: Semester = None) -> PersonOut:
    term = semester_or_current(semester)
    person = session.get(User, user_id)
    if person is None or not can_see_quota_of(session, ctx, person, term):
        raise not_found("person")
    found = service.people_progress(session, [person], term)
    if not found:
        raise APIError(404, "no_quota", "Administrators carry no observation quota.")
    return person_out(found[0])


@router.get("/quotas/schools/{school_id}", response_model=SchoolOut)
def school_quota(school_id: PathId, session: DB, ctx: Access, semester: Semester = None) -> SchoolOut:
    term = semester_or_current(semester)
    school = session.get(School, school_id)
    if school is None or school_id not in quota_school_ids(session, ctx, term):
        raise not_found("school")
    return school_out(service.school_progress(session, school, term))


# ---- rules --------------------------------------------------------------------------------------

@router.get("/quota-rules", response_model=list[RuleOut])
def list_rules(session: DB, _: Access,
               zone_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
               semester: Semester = None) -> list[QuotaRule]:
    query = select(QuotaRule).order_by(QuotaRule.audience, QuotaRule.metric, QuotaRule.id)
    if zone_id is not None:
        query = query.where(QuotaRule.zone_id == zone_id)
    if semester is not None:
        query = query.where(QuotaRule.semester == semester)
    return list(session.scalars(query))


def _check_rule(session: DB, audience: str, metric: str, zone_id: int | None, semester: str | None) -> None:
    if audience not in service.AUDIENCES:
        raise APIError(422, "unknown_audience", f"Audience must be one of: {', '.join(service.AUDIENCES)}.")
    allowed = service.GROUP_METRICS if audience == "subject_group" else service.PERSON_METRICS
    if metric not in allowed:
        raise APIError(422, "unknown_metric", f"For '{audience}' the metric must be one of: {', '.join(allowed)}.")
    if zone_id is not None and session.get(Zone, zone_id) is None:
        raise APIError(422, "unknown_zone", f"Zone {zone_id} does not exist.")
    if semester is not None:
        semester_dates(semester)


@router.post("/quota-rules", response_model=RuleOut, status_code=201)
def create_rule(data: RuleIn, session: DB, ctx: Access) -> QuotaRule:
    if not can_edit_quota_rules(ctx):
        raise forbidden("Only the district office (administrators) sets quota rules.")
    _check_rule(session, data.audience, data.metric, data.zone_id, data.semester)
    if data.metric == "drop_in_share" and data.target > 1:
        raise APIError(422, "share_out_of_range", "A drop-in share is a fraction between 0 and 1.")
    exists = session.scalar(select(QuotaRule).where(
        QuotaRule.zone_id.is_(None) if data.zone_id is None else QuotaRule.zone_id == data.zone_id,
        QuotaRule.semester.is_(None) if data.semester is None else QuotaRule.semester == data.semester,
        QuotaRule.audience == data.audience, QuotaRule.metric == data.metric))
    if exists is not None:
        raise APIError(409, "rule_exists", f"Rule {exists.id} already sets this; change that one.",
                       rule_id=exists.id)
    rule = QuotaRule(**data.model_dump(), updated_by_id=ctx.user.id)
    session.add(rule)
    session.flush()
    return rule


@router.patch("/quota-rules/{rule_id}", response_model=RuleOut)
def update_rule(rule_id: PathId, data: RulePatch, session: DB, ctx: Access) -> QuotaRule:
    if not can_edit_quota_rules(ctx):
        raise forbidden("Only the district office (administrators) sets quota rules.")
    rule = session.get(QuotaRule, rule_id)
    if rule is None:
        raise not_found("quota rule")
    if data.target is not None:
        if rule.metric == "drop_in_share" and data.target > 1:
            raise APIError(422, "share_out_of_range", "A drop-in share is a fraction between 0 and 1.")
        rule.target = data.target
    if "maximum" in data.model_fields_set:
        rule.maximum = data.maximum
    if data.source is not None:
        rule.source = data.source
    rule.updated_by_id = ctx.user.id
    session.flush()
    return rule


@router.delete("/quota-rules/{rule_id}", status_code=204)
def delete_rule(rule_id: PathId, session: DB, ctx: Access) -> Response:
    if not can_edit_quota_rules(ctx):
        raise forbidden("Only the district office (administrators) sets quota rules.")
    rule = session.get(QuotaRule, rule_id)
    if rule is None:
        raise not_found("quota rule")
    session.delete(rule)
    return Response(status_code=204)


# ---- posts --------------------------------------------------------------------------------------

@router.put("/users/{user_id}/position", response_model=PositionOut,
            summary="Set a person's post (school leader, middle leader, group leader, teacher)")
def set_position(user_id: PathId, data: PositionIn, session: DB, ctx: Access) -> PositionOut:
    person = session.get(User, user_id)
    if person is None or not can_set_position(ctx, person):
        raise not_found("person")
    if person.school_id is None:
        raise APIError(422, "not_school_staff", "Only people of a school have a post.")
    person.position = data.position
    session.flush()
    return PositionOut(user_id=person.id, position=person.position)
