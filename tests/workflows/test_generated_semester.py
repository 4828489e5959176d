"""A generated semester of activity (observations in every state, drop-ins signed or not, some outside the
semester, visits and activities) against counts computed here by hand, independently of the service."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from models import (
    Activity,
    ActivityAttendee,
    ActivityKind,
    Lesson,
    LessonKind,
    Observation,
    ObservationState,
    School,
    User,
)
from models.db import session_scope
from models.default_rubric import ensure_default_rubric
from tests.workflows.conftest import BOTH_DATABASES
from tests.workflows.helpers import metric
from tingke.semesters import current_semester, semester_bounds


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


@BOTH_DATABASES
def test_generated_semester_matches_hand_counts(client, login, demo, db_url):
    rng = random.Random(20261123)
    term = current_semester()
    first, last = semester_bounds(term)
    observers = ["teacher4", "head1", "researcher1"]
    expected = {name: {"observations": 0, "drop_ins": 0, "contact": 0} for name in observers}
    visit_days: set[date] = set()
    activities = 0
    with session_scope(db_url) as session:
        rubric = ensure_default_rubric(session)
        rural1 = session.get(User, demo["teacher2"]).school_id  # type: ignore[union-attr]
        teachers = [session.get(User, demo[t]) for t in ("teacher1", "teacher2", "teacher3")]
        for i in range(60):
            teacher = teachers[i % 3]
            assert teacher is not None and teacher.school_id is not None
            lesson = Lesson(title=f"生成课{i}", subject="数学", grade="七年级", teacher_id=teacher.id,
                            school_id=teacher.school_id, kind=LessonKind.ordinary)
            session.add(lesson)
            session.flush()
            for name in observers:
                if name == "researcher1" and teacher.school_id != rural1:
                    continue  # a researcher observes at the contact school only
                if rng.random() < 0.3:
                    continue
                inside = rng.random() < 0.85
                day = first + timedelta(days=rng.randrange((last - first).days + 1)) if inside else \
                    first - timedelta(days=rng.randrange(1, 60))
                drop_in = rng.random() < 0.5
                state = rng.choice([ObservationState.draft, ObservationState.submitted, ObservationState.submitted,
                                    ObservationState.signed_off if drop_in else ObservationState.submitted])
                submitted = None if state == ObservationState.draft else _moment(day)
                session.add(Observation(lesson_id=lesson.id, observer_id=demo[name], rubric_id=rubric.id,
                                        drop_in=drop_in, state=state, submitted_at=submitted,
                                        signed_off_at=submitted if state == ObservationState.signed_off else None))
                counts = inside and state != ObservationState.draft and (
                    not drop_in or state == ObservationState.signed_off)
                if counts:
                    expected[name]["observations"] += 1
                    expected[name]["drop_ins"] += int(drop_in)
                    expected[name]["contact"] += int(teacher.school_id == rural1)
        lead = session.get(User, demo["teacher1"]).school_id  # type: ignore[union-attr]
        for _ in range(25):
            day = first + timedelta(days=rng.randrange(-20, (last - first).days + 20))
            kind = rng.choice([ActivityKind.visit, ActivityKind.prep, ActivityKind.themed])
            school = rural1 if kind == ActivityKind.visit else rng.choice([rural1, lead])
            attended = rng.random() < 0.6
            row = Activity(kind=kind, title="生成活动", held_on=day, school_id=school,
                           organizer_id=demo["researcher1"] if kind == ActivityKind.visit or not attended
                           else demo["teacher2"])
            if kind != ActivityKind.visit and attended:
                row.attendees = [ActivityAttendee(user_id=demo["researcher1"])]
            session.add(row)
            if first <= day <= last:
                if kind == ActivityKind.visit:
                    visit_days.add(day)
                else:
                    activities += 1  # organised or attended: either way researcher1 took part
        assert session.get(School, rural1) is not None
    # the demo's own records this semester (visits, a prep, a drop-in) are part of the expectation too
    base = {name: client.get(f"/api/quotas/people/{demo[name]}", headers=login("admin"),
                             params={"semester": "2000-2001-1"}).json() for name in observers}
    assert all(metric(b, "observations")["done"] == 0 for b in base.values())

    with session_scope(db_url) as session:
        demo_obs = {name: [o for o in session.query(Observation).filter(Observation.observer_id == demo[name])
                           if o.lesson.title.startswith(("有理数", "《小蝌蚪"))
                           and o.submitted_at is not None and first <= o.submitted_at.date() <= last]
                    for name in observers}
        for name, rows in demo_obs.items():
            for obs in rows:
                expected[name]["observations"] += 1
                expected[name]["drop_ins"] += int(obs.drop_in)
                expected[name]["contact"] += int(obs.lesson.school_id == rural1)
        demo_visits = {a.held_on for a in session.query(Activity).filter(
            Activity.kind == ActivityKind.visit, Activity.title != "生成活动") if first <= a.held_on <= last}
        demo_studies = sum(1 for a in session.query(Activity).filter(
            Activity.kind.in_((ActivityKind.prep, ActivityKind.themed)), Activity.title != "生成活动")
            if first <= a.held_on <= last and (a.organizer_id == demo["researcher1"]
                                               or demo["researcher1"] in {x.user_id for x in a.attendees}))
    for name in observers:
        got = client.get(f"/api/quotas/people/{demo[name]}", headers=login("admin"), params={"semester": term}).json()
        want = expected[name]
        assert metric(got, "observations")["done"] == want["observations"], name
        assert metric(got, "observations")["detail"]["drop_ins"] == want["drop_ins"], name
        share = want["drop_ins"] / want["observations"] if want["observations"] else 0.0
        assert abs(metric(got, "drop_in_share")["done"] - share) < 1e-3, name
        assert metric(got, "drop_in_share")["met"] == (share >= 0.5), name
    researcher = client.get(f"/api/quotas/people/{demo['researcher1']}", headers=login("admin")).json()
    assert metric(researcher, "contact_observations")["done"] == expected["researcher1"]["contact"]
    assert metric(researcher, "visit_days")["done"] == len(visit_days | demo_visits)
    assert metric(researcher, "activities")["done"] == activities + demo_studies
