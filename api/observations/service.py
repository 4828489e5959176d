"""Observing a lesson: create, score, take notes, submit, and the observed teacher's sign-off."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.access import AccessContext, can_drop_in, can_observe, can_read_observation, can_view_lesson, observe_refusal
from api.errors import APIError, forbidden, not_found
from api.observations.schemas import NoteIn, NoteOut, ObservationIn, ObservationOut, ObservationPatch
from api.observations.tagging import tag_note
from models import Lesson, Note, Observation, ObservationScore, ObservationState, Rubric
from models.default_rubric import ensure_default_rubric
from models.search_index import index_lesson
from models.transcript_links import segment_id_at
from tingke.notices import notify_kind
from tingke.timezone import format_local


def weighted_total(obs: Observation) -> float | None:
    """Score out of 100: each dimension's share of its maximum times its weight."""
    if not obs.scores:
        return None
    by_id = {d.id: d for d in obs.rubric.dimensions}
    total = sum(s.score / by_id[s.dimension_id].max_score * by_id[s.dimension_id].weight
                for s in obs.scores if s.dimension_id in by_id)
    return round(total, 2)


def to_out(obs: Observation) -> ObservationOut:
    codes = {d.id: d.code for d in obs.rubric.dimensions}
    return ObservationOut(
        id=obs.id, lesson_id=obs.lesson_id, observer_id=obs.observer_id, observer_name=obs.observer.display_name,
        rubric_id=obs.rubric_id, drop_in=obs.drop_in, state=obs.state,
        scores={codes[s.dimension_id]: s.score for s in obs.scores if s.dimension_id in codes},
        total=weighted_total(obs), comments=obs.comments, summary=obs.summary,
        submitted_at=obs.submitted_at, signed_off_at=obs.signed_off_at,
        notes=[NoteOut.model_validate(n) for n in obs.notes],
    )


def start(session: Session, ctx: AccessContext, lesson: Lesson, data: ObservationIn) -> Observation:
    if lesson.teacher_id == ctx.user.id:
        raise forbidden("You cannot observe your own lesson.")
    if not can_observe(ctx, lesson):
        refused = forbidden("Only members of the lesson's community and its assigned researchers may observe it.")
        refused.extra["reason"] = observe_refusal(ctx, lesson)  # pages say why (lesson.why_not_observe.<reason>)
        raise refused
    if data.drop_in and not can_drop_in(ctx, lesson):
        raise APIError(403, "drop_in_contact_only",
                       "A researcher observes drop-in lessons (推门听课) only at their contact schools.")
    existing = session.scalar(select(Observation).where(
        Observation.lesson_id == lesson.id, Observation.observer_id == ctx.user.id))
    if existing is not None:
        raise APIError(409, "already_observing",
                       f"You already have observation {existing.id} of this lesson; continue that one.")
    if data.rubric_id is None:
        rubric = ensure_default_rubric(session)
    else:
        found = session.get(Rubric, data.rubric_id)
        if found is None:
            raise APIError(422, "unknown_rubric", f"Rubric {data.rubric_id} does not exist.")
        rubric = found
    obs = Observation(lesson_id=lesson.id, observer_id=ctx.user.id, rubric_id=rubric.id, drop_in=data.drop_in)
    session.add(obs)
    session.flush()
    return obs


def get_readable(session: Session, ctx: AccessContext, obs_id: int) -> Observation:
    obs = session.get(Observation, obs_id)
    if obs is None or not can_view_lesson(ctx, obs.lesson) or not can_read_observation(ctx, obs):
        raise not_found("observation")
    return obs


def get_own_draft(session: Session, ctx: AccessContext, obs_id: int) -> Observation:
    obs = get_readable(session, ctx, obs_id)
    if obs.observer_id != ctx.user.id:
        raise forbidden("Only the observer may change an observation.")
    if obs.state != ObservationState.draft:
        raise APIError(409, "already_submitted", "This observation was submitted and can no longer change.")
    return obs


def update(session: Session, obs: Observation, data: ObservationPatch) -> Observation:
    if data.scores is not None:
        dims = {d.code: d for d in obs.rubric.dimensions}
        unknown = sorted(set(data.scores) - set(dims))
        if unknown:
            raise APIError(422, "unknown_dimension",
                           f"Unknown rubric dimension(s): {', '.join(unknown)}. Known: {', '.join(dims)}.")
        for code, value in data.scores.items():
            dim = dims[code]
            if not (0 <= value <= dim.max_score) or value != value:
                raise APIError(422, "score_out_of_range",
                               f"The score for '{code}' must be between 0 and {dim.max_score:g}.")
        _upsert_scores(session, obs, {dims[code].id: value for code, value in data.scores.items()})
    if data.comments is not None:
        obs.comments = data.comments
    if data.summary is not None:
        obs.summary = data.summary
    obs.updated_at = datetime.now(UTC)
    session.flush()
    return obs


def _upsert_scores(session: Session, obs: Observation, scores: dict[int, float]) -> None:
    """Insert-or-update in one statement, so two quick edits of one score never collide on its key."""
    if not scores:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    rows = [{"observation_id": obs.id, "dimension_id": dim_id, "score": value} for dim_id, value in scores.items()]
    stmt = insert(ObservationScore).values(rows)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["observation_id", "dimension_id"], set_={"score": stmt.excluded.score}))
    session.expire(obs, ["scores"])


def add_note(session: Session, obs: Observation, data: NoteIn) -> Note:
    length = obs.lesson.length_seconds
    if data.t > length:
        raise APIError(422, "note_time_out_of_range",
                       f"The note's time ({data.t:.0f} s) is beyond the end of the lesson ({length:.0f} s).")
    note = Note(observation_id=obs.id, t=data.t, text=data.text, tags=tag_note(data.text),
                segment_id=segment_id_at(session, obs.lesson_id, data.t),
                author_label=obs.observer.display_name)
    session.add(note)
    session.flush()
    return note


def delete_note(session: Session, obs: Observation, note_id: int) -> None:
    note = session.get(Note, note_id)
    if note is None or note.observation_id != obs.id:
        raise not_found("note")
    session.delete(note)


def submit(session: Session, obs: Observation) -> Observation:
    scored = {s.dimension_id for s in obs.scores}
    missing = [d.code for d in obs.rubric.dimensions if d.id not in scored]
    if missing:
        raise APIError(422, "incomplete_scores",
                       f"Score every dimension before submitting; missing: {', '.join(missing)}.")
    obs.state = ObservationState.submitted
    obs.submitted_at = datetime.now(UTC)
    session.flush()
    index_lesson(session, obs.lesson_id)  # its notes and their tags become searchable
    lesson = obs.lesson
    # the teacher is told (a drop-in's record waits for their sign-off, so it links to the sign-off list)
    notify_kind(session, lesson.teacher_id, "observation_submitted",
                "/signoffs" if obs.drop_in else f"/lessons/{lesson.id}/report", actor_id=obs.observer_id,
                observer=obs.observer.display_name, title=lesson.title, when=format_local(obs.submitted_at))
    return obs


def sign_off(session: Session, ctx: AccessContext, obs: Observation) -> Observation:
    if obs.lesson.teacher_id != ctx.user.id:
        raise forbidden("Only the observed teacher signs off a drop-in observation.")
    if not obs.drop_in:
        raise APIError(409, "not_drop_in", "Only drop-in observations (推门听课) need the teacher's sign-off.")
    if obs.state == ObservationState.signed_off:
        raise APIError(409, "already_signed_off", "You signed off this observation already.")
    if obs.state != ObservationState.submitted:
        raise APIError(409, "not_submitted", "The observer has not submitted this observation yet.")
    obs.state = ObservationState.signed_off
    obs.signed_off_at = datetime.now(UTC)
    obs.signed_off_by_id = ctx.user.id
    session.flush()
    return obs
