"""Pages of the community workflows: quotas, activities and visits, spot-check draws, qualification
(the work reports page is api/reports/pages.py)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from api.access import (
    activities_clause,
    can_draw_spotchecks,
    can_edit_quota_rules,
    can_organise_events,
    contact_school_ids,
    drawable_school_ids,
    qualification_school_ids,
    qualifications_clause,
    quota_school_ids,
    spotchecks_clause,
    users_clause,
    visible_lessons_clause,
)
from api.activities import service as activities
from api.deps import DB
from api.lesson_events import service as events
from api.pages.deps import PageAccess
from api.pages.errors import error_page
from api.pages.rendering import render
from api.pages.semesters import semester_from_query, semesters_around
from api.qualifications import service as qualifications
from api.quotas import service as quotas
from api.quotas.common import semester_dates
from api.spotchecks import service as spotchecks
from models import (
    Activity,
    Lesson,
    LessonGroupEvent,
    Observation,
    ObservationState,
    Qualification,
    QualificationCheck,
    QuotaRule,
    School,
    SpotCheckDraw,
    User,
    UserRole,
    Zone,
)
from tingke.semesters import current_semester
from tingke.settings import get_settings
from tingke.timezone import today as local_today

router = APIRouter(include_in_schema=False)

RECENT = 50


@router.get("/quotas", response_class=HTMLResponse)
def quotas_page(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    term = semester_from_query(request)
    first, last = semester_dates(term)
    mine = quotas.people_progress(session, [ctx.user], term)
    school_ids = quota_school_ids(session, ctx, term)
    schools = [quotas.school_progress(session, s, term) for s in session.scalars(
        select(School).where(School.id.in_(school_ids or {-1})).order_by(School.id))]
    researchers = quotas.people_progress(session, session.scalars(
        select(User).where(User.role == UserRole.researcher, User.is_active.is_(True)).order_by(User.id)),
        term) if ctx.is_admin else []
    rules = list(session.scalars(select(QuotaRule).order_by(QuotaRule.zone_id.nulls_first(), QuotaRule.semester,
                                                            QuotaRule.audience, QuotaRule.metric)))
    zones = {z.id: z.name for z in session.scalars(select(Zone).order_by(Zone.id))}
    return render(request, "quotas.html", ctx.user, active="work", tab="quotas", semester=term, first=first,
                  last=last, semesters=semesters_around(term), mine=mine[0] if mine else None, schools=schools,
                  researchers=researchers, rules=rules, zones=zones, can_edit=can_edit_quota_rules(ctx),
                  audiences=quotas.AUDIENCES, person_metrics=quotas.PERSON_METRICS,
                  group_metrics=quotas.GROUP_METRICS)


@router.get("/activities", response_class=HTMLResponse)
def activities_page(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    term = semester_from_query(request)
    first, last = semester_dates(term)
    rows = session.scalars(select(Activity).where(
        activities_clause(session, ctx), Activity.held_on >= first, Activity.held_on <= last)
        .order_by(Activity.held_on.desc(), Activity.id.desc()).limit(RECENT))
    schools = list(session.scalars(select(School).order_by(School.id)))
    if not ctx.is_admin:
        allowed = set(ctx.visible_school_ids) | ({ctx.user.school_id} if ctx.user.school_id else set())
        schools = [s for s in schools if s.id in allowed]
    contact = contact_school_ids(session, ctx.user.id, current_semester()) \
        if ctx.user.role == UserRole.researcher else set()
    people = list(session.scalars(select(User).where(users_clause(ctx), User.is_active.is_(True),
                                                     User.role != UserRole.admin).order_by(User.id).limit(500)))
    event_rows = [events.to_out(session, ctx, e) for e in session.scalars(
        select(LessonGroupEvent).order_by(LessonGroupEvent.held_on.desc()).limit(RECENT))]
    free_lessons = list(session.scalars(
        select(Lesson).where(visible_lessons_clause(ctx), Lesson.group_id.is_(None))
        .order_by(Lesson.scheduled_at.desc().nulls_last(), Lesson.id.desc()).limit(100))) \
        if can_organise_events(ctx) else []
    return render(request, "activities.html", ctx.user, active="work", tab="activities", semester=term,
                  free_lessons=free_lessons,
                  semesters=semesters_around(term), activities=list(rows), schools=schools, contact=contact,
                  people=people, zones=list(session.scalars(select(Zone).order_by(Zone.id))),
                  events=[e for e in event_rows if e.lessons], today=local_today().isoformat(),
                  is_researcher=ctx.user.role == UserRole.researcher)


@router.get("/activities/{activity_id}", response_class=HTMLResponse)
def activity_page(activity_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    row = session.scalar(select(Activity).where(Activity.id == activity_id, activities_clause(session, ctx)))
    if row is None:
        return error_page(request, ctx, 404, "wf.activity_not_found")
    return render(request, "activity.html", ctx.user, active="work", tab="activities",
                  activity=activities.to_out(session, ctx, row))


@router.get("/spotchecks", response_class=HTMLResponse)
def spotchecks_page(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    rows = [spotchecks.to_out(r) for r in session.scalars(
        select(SpotCheckDraw).where(spotchecks_clause(ctx))
        .order_by(SpotCheckDraw.id.desc()).limit(RECENT))]
    ids = {i for r in rows for i in (*r.eligible_ids, *map(int, r.excluded))}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids or {-1}))).all())
    may_draw = can_draw_spotchecks(ctx)
    scope_ids = drawable_school_ids(session, ctx) if may_draw else set()
    schools = list(session.scalars(select(School).where(School.id.in_(scope_ids or {-1})).order_by(School.id)))
    teachers = list(session.scalars(select(User).where(User.school_id.in_(scope_ids or {-1}),
                                                       User.role == UserRole.teacher, User.is_active.is_(True))
                                    .order_by(User.id)))
    return render(request, "spotchecks.html", ctx.user, active="work", tab="spotchecks", draws=rows, names=names,
                  may_draw=may_draw, schools=schools, teachers=teachers, max_age=get_settings().spotcheck_max_age,
                  tomorrow=(local_today() + timedelta(days=1)).isoformat())


@router.get("/qualifications", response_class=HTMLResponse)
def qualifications_page(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    scope = qualification_school_ids(session, ctx)
    rate_scope = scope if scope is None or scope else ({ctx.user.school_id} if ctx.user.school_id else set())
    rows = [qualifications.to_out(session, q) for q in session.scalars(
        select(Qualification).where(qualifications_clause(session, ctx))
        .order_by(Qualification.id.desc()).limit(200))]
    pending = [qualifications.check_out(session, c) for c in session.scalars(
        select(QualificationCheck).join(Qualification, QualificationCheck.qualification_id == Qualification.id)
        .where(qualifications_clause(session, ctx), QualificationCheck.passed.is_(None))
        .order_by(QualificationCheck.id))]
    my_observations = list(session.scalars(
        select(Observation).where(Observation.observer_id == ctx.user.id,
                                  Observation.state.in_((ObservationState.submitted, ObservationState.signed_off)))
        .order_by(Observation.id.desc()).limit(100)))
    return render(request, "qualifications.html", ctx.user, active="work", tab="qualifications",
                  rates=qualifications.pass_rates(session, rate_scope), rows=rows, pending=pending,
                  observations=my_observations,
                  may_recheck=ctx.is_admin or ctx.user.role in (UserRole.researcher, UserRole.school_admin))
