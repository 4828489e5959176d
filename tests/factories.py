"""Test worlds built for the test, instead of the demo's ids and titles.

``build_world(session)`` makes one zone with a "1+1" community (a lead school and a rural member school),
a second zone with a school of another community, and one person per role that access rules tell apart:

| name | who |
|---|---|
| ``teacher`` | teaches the world's lessons, at the lead school |
| ``peer`` | another teacher of the lead school |
| ``rural`` | a teacher of the rural member school |
| ``head`` | school admin of the lead school |
| ``researcher`` | researcher assigned (this semester) to the lead school |
| ``zone_researcher`` | researcher assigned to the whole zone |
| ``unassigned`` | researcher with no assignment |
| ``admin`` | administrator |
| ``outsider`` | teacher of the other community's school, in the other zone |
| ``outsider_head`` | school admin of that school |

and three lessons of ``teacher``: ``public``, ``community`` and ``private``. Sign-in is by token
(:func:`bearer`), so a test pays no password hashing per user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import tokens
from api.auth.passwords import hash_password
from models import (
    Assignment,
    Community,
    CommunityMember,
    Lesson,
    LessonKind,
    Locale,
    Observation,
    ObservationScore,
    ObservationState,
    School,
    SchoolRole,
    User,
    UserRole,
    Visibility,
    Zone,
)
from models.db import session_scope
from models.default_rubric import ensure_default_rubric
from tingke.semesters import current_semester

PASSWORD = "world-password-1"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class World:
    users: dict[str, int] = field(default_factory=dict)
    schools: dict[str, int] = field(default_factory=dict)
    lessons: dict[str, int] = field(default_factory=dict)
    zones: dict[str, int] = field(default_factory=dict)


def add_user(session: Session, username: str, role: UserRole, school: School | None, name: str | None = None,
             subject: str | None = "数学") -> User:
    user = User(username=username, display_name=name or username, password_hash=password_hash(), role=role,
                school_id=school.id if school else None, subject=subject)
    session.add(user)
    session.flush()
    return user


def add_lesson(session: Session, teacher: User, visibility: Visibility = Visibility.community,
               title: str | None = None, **extra: object) -> Lesson:
    assert teacher.school_id is not None
    lesson = Lesson(title=title or f"{teacher.username}-{visibility.value}", subject=teacher.subject or "数学",
                    grade="八年级", teacher_id=teacher.id, school_id=teacher.school_id, kind=LessonKind.ordinary,
                    visibility=visibility, **extra)
    session.add(lesson)
    session.flush()
    return lesson


def build_world(session: Session) -> World:
    world = World()
    zone, far = Zone(name="测试片区", code="test-zone"), Zone(name="远方片区", code="far-zone")
    session.add_all([zone, far])
    session.flush()
    lead = School(name="测试实验小学", zone_id=zone.id, role=SchoolRole.lead, locale=Locale.urban)
    rural = School(name="测试乡小学", zone_id=zone.id, role=SchoolRole.supported, locale=Locale.rural)
    other = School(name="远方中学", zone_id=far.id, role=SchoolRole.lead, locale=Locale.urban)
    session.add_all([lead, rural, other])
    session.flush()
    session.add_all([Community(name="测试共同体", zone_id=zone.id, lead_school_id=lead.id,
                               members=[CommunityMember(school_id=rural.id)]),
                     Community(name="远方共同体", zone_id=far.id, lead_school_id=other.id)])
    people = {
        "teacher": (UserRole.teacher, lead, "授课老师"), "peer": (UserRole.teacher, lead, "同校老师"),
        "rural": (UserRole.teacher, rural, "乡村老师"), "head": (UserRole.school_admin, lead, "校长"),
        "researcher": (UserRole.researcher, None, "王研究员"),
        "zone_researcher": (UserRole.researcher, None, "片区赵研究员"),
        "unassigned": (UserRole.researcher, None, "孙研究员"), "admin": (UserRole.admin, None, "管理员"),
        "outsider": (UserRole.teacher, other, "外区老师"), "outsider_head": (UserRole.school_admin, other, "外区校长"),
    }
    users = {key: add_user(session, f"w-{key}", role, school, name) for key, (role, school, name) in people.items()}
    semester = current_semester()
    session.add_all([Assignment(researcher_id=users["researcher"].id, school_id=lead.id, semester=semester),
                     Assignment(researcher_id=users["zone_researcher"].id, zone_id=zone.id, semester=semester)])
    for visibility in Visibility:
        world.lessons[visibility.value] = add_lesson(session, users["teacher"], visibility).id
    ensure_default_rubric(session)
    session.flush()
    world.users = {key: u.id for key, u in users.items()}
    world.schools = {"lead": lead.id, "rural": rural.id, "other": other.id}
    world.zones = {"zone": zone.id, "far": far.id}
    return world


def observe(session: Session, lesson_id: int, observer_id: int, scores: Mapping[str, float],
            state: ObservationState = ObservationState.submitted) -> Observation:
    """An observation with a score for every dimension of the default rubric (codes → scores)."""
    rubric = ensure_default_rubric(session)
    obs = Observation(lesson_id=lesson_id, observer_id=observer_id, rubric_id=rubric.id, state=state,
                      submitted_at=datetime.now(UTC) if state != ObservationState.draft else None)
    session.add(obs)
    session.flush()
    by_code = {d.code: d.id for d in rubric.dimensions}
    session.add_all([ObservationScore(observation_id=obs.id, dimension_id=by_code[code], score=value)
                     for code, value in scores.items()])
    session.flush()
    return obs


def bearer(session: Session, user_id: int) -> dict[str, str]:
    """The Authorization header a signed-in API client sends (the same token sign-in would issue)."""
    user = session.get(User, user_id)
    assert user is not None
    return {"Authorization": f"Bearer {tokens.issue(user)}"}


def add_analytics(session: Session, lesson_id: int, duration: float = 2400.0) -> None:
    """The analysis document a processed 40-minute lesson gets (S-T from the real coder, talk time)."""
    from models import LessonAnalytics
    from workers.analytics.st import st_analysis

    teacher = [(0.0, 600.0), (700.0, 1000.0), (1300.0, 1500.0), (1800.0, 2100.0)]
    shares = {"teacher": (1400.0, 0.5833), "students": (620.0, 0.2583), "silence": (380.0, 0.1583)}
    norms = {"teacher": 0.68, "students": 0.2, "silence": 0.12}
    talk = {k: {"seconds": s, "fraction": f, "norm": norms[k], "difference": round(f - norms[k], 4)}
            for k, (s, f) in shares.items()}
    session.add(LessonAnalytics(lesson_id=lesson_id, data={
        "st": st_analysis(teacher, duration, 30.0), "talk_time": talk,
        "questions": {"count": 12, "average_wait_seconds": 2.4, "items": []}}))
    session.flush()


def lesson_id(db_url: str, title: str) -> int:
    """The id of the one lesson with that title (demo lessons are found by title, never by a fixed id)."""
    with session_scope(db_url) as session:
        return int(session.scalars(select(Lesson.id).where(Lesson.title == title)).one())


def lesson_row(session: Session, lesson_id: int) -> Lesson:
    """The lesson, loaded in ``session`` (a test asking for one that does not exist fails here, by name)."""
    lesson = session.get(Lesson, lesson_id)
    assert lesson is not None, f"no lesson {lesson_id}"
    return lesson
