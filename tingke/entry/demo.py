"""The demo community: one zone, a lead school paired with two rural schools, people, lessons.

User names are fixed (scripts and tests rely on them); the password is ``tingke-demo`` unless
``TINGKE_DEMO_PASSWORD`` is set.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.passwords import hash_password
from api.observations.tagging import tag_note
from models import (
    Activity,
    ActivityAttendee,
    ActivityKind,
    ActivityMaterial,
    Assignment,
    Community,
    CommunityMember,
    Lesson,
    LessonClassroom,
    LessonGroup,
    LessonKind,
    Locale,
    Note,
    Observation,
    ObservationScore,
    ObservationState,
    Qualification,
    QualificationLevel,
    QualificationStatus,
    RoomMode,
    School,
    SchoolRole,
    StaffPosition,
    User,
    UserRole,
    Visibility,
    Zone,
)
from models.default_rubric import ensure_default_rubric
from models.search_index import reindex_all
from tingke.semesters import current_semester
from tingke.settings import get_settings
from tingke.timezone import at_local
from tingke.timezone import today as local_today

# username, display name, role, school key, subject
PEOPLE = [
    ("admin", "系统管理员", UserRole.admin, None, None),
    ("researcher1", "王研训（数学教研员）", UserRole.researcher, None, "数学"),
    ("researcher2", "李研训（语文教研员）", UserRole.researcher, None, "语文"),
    ("head1", "赵校长", UserRole.school_admin, "lead", None),
    ("teacher1", "陈老师", UserRole.teacher, "lead", "数学"),
    ("teacher2", "刘老师", UserRole.teacher, "rural1", "数学"),
    ("teacher3", "张老师", UserRole.teacher, "rural2", "语文"),
    ("teacher4", "周老师", UserRole.teacher, "lead", "语文"),
]


def seed_demo(session: Session) -> dict[str, User]:
    """Create the demo community once; a second call changes nothing."""
    existing = {u.username: u for u in session.scalars(select(User))}
    if "teacher1" in existing:
        return existing
    password = hash_password(get_settings().demo_password)
    ensure_default_rubric(session)
    zone = Zone(name="城东片区", code="chengdong")
    session.add(zone)
    session.flush()
    schools = {
        "lead": School(name="城东实验小学", zone_id=zone.id, role=SchoolRole.lead, locale=Locale.urban),
        "rural1": School(name="青山乡中心小学", zone_id=zone.id, role=SchoolRole.supported, locale=Locale.rural),
        "rural2": School(name="石桥村小学", zone_id=zone.id, role=SchoolRole.supported, locale=Locale.rural),
    }
    session.add_all(schools.values())
    session.flush()
    session.add(Community(name="城东教研共同体", zone_id=zone.id, lead_school_id=schools["lead"].id,
                          members=[CommunityMember(school_id=schools[k].id) for k in ("rural1", "rural2")]))
    users = {}
    for username, name, role, school, subject in PEOPLE:
        user = User(username=username, display_name=name, password_hash=password, role=role,
                    school_id=schools[school].id if school else None, subject=subject)
        users[username] = user
    session.add_all(users.values())
    session.flush()
    semester = current_semester()
    session.add_all([
        Assignment(researcher_id=users["researcher1"].id, school_id=schools["rural1"].id, semester=semester),
        Assignment(researcher_id=users["researcher2"].id, zone_id=zone.id, semester=semester),
    ])
    _seed_lessons(session, users, schools)
    session.flush()
    _seed_workflows(session, users, schools, zone)
    session.flush()
    reindex_all(session)  # the lessons were made here, not through the API that indexes them
    return users


def _seed_lessons(session: Session, users: dict[str, User], schools: dict[str, School]) -> None:
    today = local_today()
    # school hours in the district (lessons 1-4 of the morning, 2 in the afternoon), not this moment's UTC hour
    periods = [time(8, 0), time(9, 0), time(10, 10), time(11, 10), time(14, 30), time(15, 30)]
    group = LessonGroup(topic="勾股定理", subject="数学", grade="八年级", created_by_id=users["researcher1"].id,
                        zone_id=schools["lead"].zone_id)
    session.add(group)
    session.flush()

    def lesson(teacher: str, title: str, kind: LessonKind, days: int, **extra: object) -> Lesson:
        t = users[teacher]
        row = Lesson(title=title, topic=str(extra.pop("topic", title)), subject=t.subject or "数学",
                     grade=str(extra.pop("grade", "八年级")), teacher_id=t.id, school_id=t.school_id, kind=kind,
                     scheduled_at=at_local(today + timedelta(days=days), periods[days % len(periods)]), **extra)
        session.add(row)
        return row

    group.origin_lesson = lesson("teacher1", "勾股定理（示范课）", LessonKind.demonstration, 1, topic="勾股定理",
                                 visibility=Visibility.public, group_id=group.id)
    lesson("teacher2", "勾股定理（同课异构）", LessonKind.ordinary, 2, topic="勾股定理", group_id=group.id)
    lesson("teacher3", "古诗二首·春晓", LessonKind.open, 3, topic="春晓", grade="一年级")
    lesson("teacher4", "《植物妈妈有办法》", LessonKind.observation, 4, topic="植物妈妈有办法", grade="二年级")
    dual = lesson("teacher1", "双师课堂：圆的面积", LessonKind.demonstration, 5, topic="圆的面积",
                  grade="六年级", room_mode=RoomMode.dual)
    dual.classrooms = [
        LessonClassroom(school_id=schools["lead"].id, teacher_id=users["teacher1"].id, label="主讲端 城东实验小学",
                        position=0),
        LessonClassroom(school_id=schools["rural1"].id, teacher_id=users["teacher2"].id,
                        label="辅助端 青山乡中心小学", position=1),
    ]
    lesson("teacher2", "一元一次方程（个人备课）", LessonKind.ordinary, 6, topic="一元一次方程", grade="七年级",
           visibility=Visibility.private)


# Ages on today's date, so the spot-check draw keeps eligible (under 35) and ineligible teachers over the years.
DEMO_AGES = {"teacher1": 32, "teacher2": 27, "teacher3": 47, "teacher4": 30}


def _seed_workflows(session: Session, users: dict[str, User], schools: dict[str, School], zone: Zone) -> None:
    """Posts and birth dates, visits and activities, two past lessons with observations, one qualification."""
    today = local_today()
    for name, age in DEMO_AGES.items():
        users[name].birth_date = date(today.year - age, 3, 15)
    users["head1"].position = StaffPosition.school_leader
    users["teacher1"].position = StaffPosition.group_leader
    past = [today - timedelta(days=d) for d in (1, 2, 3, 8, 9)]
    r1, r2 = users["researcher1"], users["researcher2"]
    for i, day in enumerate(past[:3]):
        session.add(Activity(kind=ActivityKind.visit, title=["课堂观察与访谈", "教研组座谈", "跟踪常态课"][i],
                             held_on=day, school_id=schools["rural1"].id, organizer_id=r1.id,
                             minutes="听常态课两节，与数学组交流作业设计。" if i == 0 else ""))
    prep = Activity(kind=ActivityKind.prep, title="八年级数学集体备课：勾股定理", held_on=past[1],
                    school_id=schools["rural1"].id, subject="数学", organizer_id=r1.id,
                    minutes="确定教学目标与重难点，分工准备导学案。")
    prep.attendees = [ActivityAttendee(user_id=users["teacher2"].id), ActivityAttendee(user_id=users["teacher1"].id)]
    prep.materials = [ActivityMaterial(name="国家中小学智慧教育平台·勾股定理", url="https://basic.smartedu.cn/",
                                       uploaded_by_id=r1.id)]
    themed = Activity(kind=ActivityKind.themed, title="主题教研：提问与候答", held_on=past[3],
                      school_id=schools["lead"].id, subject="语文", organizer_id=r2.id)
    themed.attendees = [ActivityAttendee(user_id=users["teacher4"].id), ActivityAttendee(user_id=users["teacher3"].id)]
    seminar = Activity(kind=ActivityKind.seminar, title="片区主题研讨：大单元教学", held_on=past[4],
                       zone_id=zone.id, school_id=schools["lead"].id, organizer_id=r2.id)
    seminar.attendees = [ActivityAttendee(user_id=users[u].id) for u in ("teacher1", "teacher2", "teacher3")]
    session.add_all([prep, themed, seminar])

    rubric = ensure_default_rubric(session)
    held = at_local(today - timedelta(days=2), time(9, 0))  # a morning lesson two days ago, district time
    moment = held + timedelta(hours=2)  # observations submitted after it

    def observed(teacher: str, title: str, observer: str, drop_in: bool, summary: str, notes: list[str],
                 level: float) -> Observation:
        t = users[teacher]
        lesson = Lesson(title=title, topic=title, subject=t.subject or "数学", grade="七年级", teacher_id=t.id,
                        school_id=t.school_id, kind=LessonKind.ordinary, scheduled_at=held)
        session.add(lesson)
        session.flush()
        obs = Observation(lesson_id=lesson.id, observer_id=users[observer].id, rubric_id=rubric.id, drop_in=drop_in,
                          summary=summary, state=ObservationState.signed_off if drop_in else ObservationState.submitted,
                          submitted_at=moment, signed_off_at=moment if drop_in else None,
                          signed_off_by_id=t.id if drop_in else None)
        obs.scores = [ObservationScore(dimension_id=d.id, score=round(d.max_score * level, 1))
                      for d in rubric.dimensions]
        obs.notes = [Note(t=60.0 * (i + 5), text=text, tags=tag_note(text), author_label=users[observer].display_name)
                     for i, text in enumerate(notes)]
        session.add(obs)
        session.flush()
        return obs

    observed("teacher2", "有理数的加法（常态课）", "researcher1", True, "目标达成较好，练习时间可再增加。",
             ["教师提问后候答时间不足3秒", "小组合作分工明确，学生参与面广"], 0.8)
    decided = observed("teacher4", "《小蝌蚪找妈妈》（课改合格课）", "head1", False, "符合课改合格课评价标准。",
                       ["以学定教，学生自主朗读、合作探究充分", "板书清晰，重点突出"], 0.85)
    session.add(Qualification(teacher_id=users["teacher4"].id, school_id=schools["lead"].id,
                              level=QualificationLevel.school, observation_id=decided.id,
                              assessed_by_id=users["head1"].id, status=QualificationStatus.passed,
                              semester=current_semester(), notes="课改合格课达标。"))
