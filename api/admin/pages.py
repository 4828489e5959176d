"""The district office's pages (zh-CN first, phone-sized): zones, schools, communities and their pairing, people,
researchers' assignments, rubrics, bulk import and the audit log.

Pages only read; every change is a call of the JSON API from web/static/js/admin.js, so the access rules and
the audit records are those of the API's service functions. A school admin sees the people pages of their
own school and the teacher import; everything else is the district's.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, or_, select

from api.access import AccessContext, can_administer_district, can_manage_person, users_clause
from api.audit import search
from api.deps import DB
from api.pages.deps import PageAccess
from api.pages.errors import error_page
from api.pages.rendering import render
from api.rubrics.service import in_use
from models import (
    Assignment,
    AuditEvent,
    Community,
    Rubric,
    School,
    SchoolRole,
    StaffPosition,
    User,
    UserRole,
    Zone,
)
from tingke.semesters import SCHOOL_YEAR_PATTERN, SEMESTER_PATTERN, current_school_year, current_semester

router = APIRouter(include_in_schema=False)
PAGE = 50


def _district(request: Request, ctx: AccessContext) -> HTMLResponse | None:
    """None when the district office may see the page; else the refusal page."""
    return None if can_administer_district(ctx) else error_page(request, ctx, 403, "admin.only_district")


def _people_admin(request: Request, ctx: AccessContext) -> HTMLResponse | None:
    if ctx.is_admin or ctx.user.role == UserRole.school_admin:
        return None
    return error_page(request, ctx, 403, "admin.only_admins")


def _page(request: Request, ctx: AccessContext, name: str, tab: str, **context: Any) -> HTMLResponse:
    return render(request, name, ctx.user, active="admin", tab=tab, district=ctx.is_admin, **context)


def _names(session: DB) -> tuple[list[Zone], list[School]]:
    return (list(session.scalars(select(Zone).order_by(Zone.id))),
            list(session.scalars(select(School).order_by(School.zone_id.nulls_last(), School.id))))


@router.get("/admin", response_class=HTMLResponse)
def overview(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    if (refused := _people_admin(request, ctx)) is not None:
        return refused
    if not ctx.is_admin:
        return _page(request, ctx, "admin/home.html", "home", counts=None,
                     school=ctx.user.school, recent=[])

    def count(model: Any, *where: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    counts = {"zones": count(Zone), "schools": count(School), "communities": count(Community),
              "people": count(User, User.is_active.is_(True)),
              "researchers": count(User, User.role == UserRole.researcher),
              "assignments": count(Assignment, Assignment.semester == current_semester()),
              "rubrics": count(Rubric), "audit": count(AuditEvent)}
    recent = [search.to_out(r) for r in session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(8))]
    return _page(request, ctx, "admin/home.html", "home", counts=counts, school=None, recent=recent,
                 semester=current_semester())


@router.get("/admin/schools", response_class=HTMLResponse)
def schools_page(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    """Zones and schools on one page: an office adds a zone, then its schools."""
    if (refused := _district(request, ctx)) is not None:
        return refused
    zones, schools = _names(session)
    staff = dict(session.execute(select(User.school_id, func.count()).where(User.is_active.is_(True))
                                 .group_by(User.school_id)).all())
    return _page(request, ctx, "admin/schools.html", "schools", zones=zones, schools=schools, staff=staff,
                 school_roles=list(SchoolRole))


@router.get("/admin/communities", response_class=HTMLResponse)
def communities_page(request: Request, session: DB, ctx: PageAccess,
                     year: Annotated[str | None, Query(pattern=SCHOOL_YEAR_PATTERN)] = None) -> HTMLResponse:
    if (refused := _district(request, ctx)) is not None:
        return refused
    this_year = current_school_year()
    chosen = year or this_year
    zones, schools = _names(session)
    rows = list(session.scalars(select(Community).where(
        or_(Community.school_year == chosen, Community.school_year.is_(None))).order_by(Community.id)))
    first = int(this_year[:4])
    years = [f"{y}-{y + 1}" for y in range(first - 2, first + 2)]
    next_year = f"{int(chosen[:4]) + 1}-{int(chosen[:4]) + 2}"
    return _page(request, ctx, "admin/communities.html", "communities", communities=rows, zones=zones,
                 schools=schools, school_by_id={s.id: s for s in schools}, year=chosen, years=years,
                 next_year=next_year)


def _people_query(ctx: AccessContext, q: str | None, school_id: int | None, role: UserRole | None,
                  active: str | None) -> list[Any]:
    where: list[Any] = [users_clause(ctx)]
    if q:
        like = f"%{q.strip()}%"
        where.append(or_(User.display_name.like(like), User.username.like(like), User.employee_no.like(like),
                         User.phone.like(like)))
    if school_id:
        where.append(User.school_id == school_id)
    if role:
        where.append(User.role == role)
    if active in ("yes", "no"):
        where.append(User.is_active.is_(active == "yes"))
    return where


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, session: DB, ctx: PageAccess,
               q: Annotated[str | None, Query(max_length=100)] = None,
               school_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
               role: UserRole | None = None, active: Annotated[str | None, Query(max_length=3)] = None,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    if (refused := _people_admin(request, ctx)) is not None:
        return refused
    where = _people_query(ctx, q, school_id, role, active)
    total = int(session.scalar(select(func.count()).select_from(User).where(*where)) or 0)
    people = list(session.scalars(select(User).where(*where).order_by(User.id).limit(PAGE).offset((page - 1) * PAGE)))
    all_schools = _names(session)[1]
    schools = all_schools if ctx.is_admin else [s for s in all_schools if s.id == ctx.user.school_id]
    roles = list(UserRole) if ctx.is_admin else [UserRole.teacher]
    return _page(request, ctx, "admin/users.html", "users", people=people, total=total, page=page,
                 pages=max(1, (total + PAGE - 1) // PAGE), schools=schools,
                 school_by_id={s.id: s for s in all_schools}, roles=roles, positions=list(StaffPosition),
                 filters={"q": q or "", "school_id": school_id, "role": role.value if role else "",
                          "active": active or ""},
                 manageable={u.id for u in people if can_manage_person(ctx, u)})


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(user_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    if (refused := _people_admin(request, ctx)) is not None:
        return refused
    person = session.get(User, user_id)
    if person is None or not can_manage_person(ctx, person):
        return error_page(request, ctx, 404, "admin.user_not_found")
    _, schools = _names(session)
    if not ctx.is_admin:
        schools = [s for s in schools if s.id == ctx.user.school_id]
    history = [search.to_out(r) for r in session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "user", AuditEvent.target_id == person.id)
        .order_by(AuditEvent.id.desc()).limit(20))] if ctx.is_admin else []
    assignments = list(session.scalars(select(Assignment).where(Assignment.researcher_id == person.id)
                                       .order_by(Assignment.semester.desc(), Assignment.id)))
    return _page(request, ctx, "admin/user.html", "users", person=person, schools=schools,
                 roles=list(UserRole) if ctx.is_admin else [UserRole.teacher], positions=list(StaffPosition),
                 history=history, assignments=assignments, is_self=person.id == ctx.user.id)


@router.get("/admin/assignments", response_class=HTMLResponse)
def assignments_page(request: Request, session: DB, ctx: PageAccess,
                     semester: Annotated[str | None, Query(pattern=SEMESTER_PATTERN)] = None) -> HTMLResponse:
    if (refused := _district(request, ctx)) is not None:
        return refused
    term = semester or current_semester()
    zones, schools = _names(session)
    researchers = list(session.scalars(select(User).where(User.role == UserRole.researcher).order_by(User.id)))
    rows = list(session.scalars(select(Assignment).where(Assignment.semester == term)
                                .order_by(Assignment.researcher_id, Assignment.id)))
    first = int(current_semester()[:4])
    semesters = [f"{y}-{y + 1}-{t}" for y in range(first + 1, first - 2, -1) for t in (2, 1)]
    return _page(request, ctx, "admin/assignments.html", "assignments", semester=term, semesters=semesters,
                 assignments=rows, researchers=researchers, zones=zones, schools=schools,
                 zone_by_id={z.id: z for z in zones}, school_by_id={s.id: s for s in schools})


@router.get("/admin/rubrics", response_class=HTMLResponse)
def rubrics_page(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    if (refused := _district(request, ctx)) is not None:
        return refused
    rubrics = list(session.scalars(select(Rubric).order_by(Rubric.is_default.desc(), Rubric.id)))
    return _page(request, ctx, "admin/rubrics.html", "rubrics", rubrics=rubrics,
                 used={r.id: in_use(session, r.id) for r in rubrics})


@router.get("/admin/rubrics/{rubric_id}", response_class=HTMLResponse)
def rubric_page(rubric_id: int, request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    if (refused := _district(request, ctx)) is not None:
        return refused
    rubric = session.get(Rubric, rubric_id)
    if rubric is None:
        return error_page(request, ctx, 404, "admin.rubric_not_found")
    dims = [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "weight": d.weight,
             "max_score": d.max_score, "descriptors": d.descriptors} for d in rubric.dimensions]
    return _page(request, ctx, "admin/rubric.html", "rubrics", rubric=rubric, dims=dims,
                 used=in_use(session, rubric.id))


@router.get("/admin/import", response_class=HTMLResponse)
def import_page(request: Request, ctx: PageAccess) -> HTMLResponse:
    if (refused := _people_admin(request, ctx)) is not None:
        return refused
    kinds = ["people", "schools", "assignments"] if ctx.is_admin else ["people"]
    return _page(request, ctx, "admin/import.html", "import", kinds=kinds)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: DB, ctx: PageAccess,
               person: Annotated[str | None, Query(max_length=100)] = None,
               lesson_id: Annotated[str | None, Query(max_length=12)] = None,
               action: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_.]*$")] = None,
               since: Annotated[str | None, Query(max_length=10)] = None,
               until: Annotated[str | None, Query(max_length=10)] = None,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> HTMLResponse:
    if (refused := _district(request, ctx)) is not None:
        return refused

    def day(text: str | None) -> date | None:
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            return None

    lesson = int(lesson_id) if lesson_id and lesson_id.isdigit() and len(lesson_id) < 10 else None
    query = search.AuditQuery(person=person or None, lesson_id=lesson, action=action or None, since=day(since),
                              until=day(until))
    rows, total = search.search(session, query, PAGE, (page - 1) * PAGE)
    filters = {"person": person or "", "lesson_id": lesson or "", "action": action or "", "since": since or "",
               "until": until or ""}
    link = urlencode({k: v for k, v in filters.items() if v})
    return _page(request, ctx, "admin/audit.html", "audit", rows=[search.to_out(r) for r in rows], total=total,
                 page=page, pages=max(1, (total + PAGE - 1) // PAGE), filters=filters, query_string=link,
                 actions=search.ACTION_ZH)
