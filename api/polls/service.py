"""Polls: who may host and answer (asked of api.access), answering with replace-not-duplicate, results.

Every change bumps ``Poll.version`` in the same transaction with one UPDATE, so the live stream of any
API process notices it by reading that single integer.
"""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.access import (
    AccessContext,
    can_host_on_group,
    can_host_on_lesson,
    can_host_training,
    can_run_poll,
    can_view_group,
    can_view_lesson,
    can_view_poll,
)
from api.errors import APIError, forbidden, not_found
from api.polls.schemas import (
    RATING_MAX,
    RATING_MIN,
    AnswerIn,
    MyAnswerOut,
    PollIn,
    PollOut,
    QuestionIn,
    QuestionOut,
    QuestionPatch,
    QuestionResult,
    ResultsOut,
    TextAnswerOut,
)
from models import Lesson, LessonGroup, Poll, PollAnswer, PollKind, PollQuestion, PollState, School, User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones
CODE_LENGTH = 6
CHOICE_KINDS = (PollKind.single, PollKind.multiple)
MAX_TEXTS_SHOWN = 200


# ---- reading ------------------------------------------------------------------------------------

def get_visible(session: Session, ctx: AccessContext, poll_id: int) -> Poll:
    poll = session.get(Poll, poll_id)
    if poll is None or not can_view_poll(ctx, poll):
        raise not_found("poll")
    return poll


def get_run(session: Session, ctx: AccessContext, poll_id: int) -> Poll:
    poll = get_visible(session, ctx, poll_id)
    if not can_run_poll(ctx, poll):
        raise forbidden("Only the poll's host may open, close or delete it.")
    return poll


def by_code(session: Session, ctx: AccessContext, code: str) -> Poll:
    poll = session.scalar(select(Poll).where(Poll.code == code.strip().upper()))
    if poll is None or not can_view_poll(ctx, poll):
        raise not_found("poll")
    return poll


def to_out(ctx: AccessContext, poll: Poll) -> PollOut:
    return PollOut(
        id=poll.id, code=poll.code, title=poll.title, state=poll.state, version=poll.version,
        host_id=poll.host_id, host_name=poll.host.display_name, lesson_id=poll.lesson_id, group_id=poll.group_id,
        audience_school_ids=list(poll.audience_school_ids or []), created_at=poll.created_at,
        opened_at=poll.opened_at, closed_at=poll.closed_at, join_path=f"/p/{poll.code}",
        may_run=can_run_poll(ctx, poll),
        questions=[QuestionOut(id=q.id, kind=q.kind, prompt=q.prompt, options=list(q.options)) for q in poll.questions],
    )


def polls_of(session: Session, *, lesson_id: int | None = None, group_id: int | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[Poll], int]:
    """A lesson's (or a group's) polls, newest first: the results are kept with the lesson."""
    where = Poll.lesson_id == lesson_id if lesson_id is not None else Poll.group_id == group_id
    total = session.scalar(select(func.count()).select_from(Poll).where(where)) or 0
    rows = session.scalars(select(Poll).where(where).order_by(Poll.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def hosted_by(session: Session, ctx: AccessContext, limit: int, offset: int) -> tuple[list[Poll], int]:
    where = Poll.host_id == ctx.user.id
    total = session.scalar(select(func.count()).select_from(Poll).where(where)) or 0
    rows = session.scalars(select(Poll).where(where).order_by(Poll.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def lesson_for_polls(session: Session, ctx: AccessContext, lesson_id: int) -> Lesson:
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or not can_view_lesson(ctx, lesson):
        raise not_found("lesson")
    return lesson


def group_for_polls(session: Session, ctx: AccessContext, group_id: int) -> LessonGroup:
    group = session.get(LessonGroup, group_id)
    if group is None or not can_view_group(ctx, group):
        raise not_found("lesson group")
    return group


# ---- hosting ------------------------------------------------------------------------------------

def _new_code(session: Session) -> str:
    for _ in range(20):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(Poll.id).where(Poll.code == code)) is None:
            return code
    raise APIError(503, "no_code", "Could not find a free poll code; try again.")


def _check_question(i: int, q: QuestionIn) -> None:
    if q.kind in CHOICE_KINDS:
        if len(q.options) < 2:
            raise APIError(422, "options_required", f"Question {i + 1} needs at least 2 options.")
        if len(set(q.options)) != len(q.options):
            raise APIError(422, "duplicate_options", f"Question {i + 1} repeats an option.")
    elif q.options:
        raise APIError(422, "options_not_allowed", f"Question {i + 1} ({q.kind.value}) takes no options.")


def _audience(session: Session, ctx: AccessContext, school_ids: list[int]) -> list[int]:
    reach = ctx.visible_school_ids | ({ctx.user.school_id} if ctx.user.school_id else set())
    if not school_ids:
        if not reach and not ctx.is_admin:
            raise APIError(422, "audience_required", "Say which schools' staff may join (school_ids).")
        return sorted(reach)
    known = set(session.scalars(select(School.id).where(School.id.in_(school_ids))))
    if missing := set(school_ids) - known:
        raise APIError(422, "unknown_school", f"School {min(missing)} does not exist.")
    if not ctx.is_admin and not set(school_ids) <= reach:
        raise forbidden("A training poll may only invite schools you work with.")
    return sorted(set(school_ids))


def create(session: Session, ctx: AccessContext, data: PollIn) -> Poll:
    if data.lesson_id is not None and data.group_id is not None:
        raise APIError(422, "one_target", "A poll belongs to a lesson or to a group, not both.")
    for i, q in enumerate(data.questions):
        _check_question(i, q)
    audience: list[int] = []
    if data.lesson_id is not None:
        if data.school_ids:
            raise APIError(422, "audience_from_lesson", "A lesson's poll is open to whoever can see the lesson.")
        lesson = lesson_for_polls(session, ctx, data.lesson_id)
        if not can_host_on_lesson(ctx, lesson):
            raise forbidden("Only the lesson's teacher, its school's admins and assigned researchers run polls.")
    elif data.group_id is not None:
        if data.school_ids:
            raise APIError(422, "audience_from_group", "A group's poll is open to whoever can see the group.")
        group = group_for_polls(session, ctx, data.group_id)
        if not can_host_on_group(ctx, group):
            raise forbidden("Only those who manage the group, or host the lesson it was made around, run polls on it.")
    else:
        if not can_host_training(ctx):
            raise forbidden("Only researchers, school admins and admins run training polls.")
        audience = _audience(session, ctx, data.school_ids)
    now = datetime.now(UTC)
    poll = Poll(
        code=_new_code(session), title=data.title, host_id=ctx.user.id, lesson_id=data.lesson_id,
        group_id=data.group_id, audience_school_ids=audience,
        state=PollState.open if data.open_now else PollState.draft, opened_at=now if data.open_now else None,
        questions=[PollQuestion(position=i, kind=q.kind, prompt=q.prompt, options=list(q.options))
                   for i, q in enumerate(data.questions)],
    )
    session.add(poll)
    session.flush()
    return poll


def _bump(session: Session, poll: Poll) -> None:
    session.execute(update(Poll).where(Poll.id == poll.id).values(version=Poll.version + 1))
    session.flush()
    session.refresh(poll)


def set_state(session: Session, poll: Poll, state: PollState) -> Poll:
    """Open (again) or close. Reopening keeps the answers given so far."""
    if state == PollState.draft:
        raise APIError(422, "bad_state", "A poll can be opened or closed, not made a draft again.")
    if poll.state == state:
        return poll
    now = datetime.now(UTC)
    poll.state = state
    if state == PollState.open:
        poll.opened_at, poll.closed_at = now, None
    else:
        poll.closed_at = now
    _bump(session, poll)
    return poll


def _lock(session: Session, poll: Poll) -> dict[int, PollQuestion]:
    """Bump the version first: the UPDATE holds the poll's row until commit, so an edit of its questions and
    an answer to them never interleave. Then read the questions afresh: a waiting request sees what the other
    one committed."""
    _bump(session, poll)
    rows = session.scalars(select(PollQuestion).where(PollQuestion.poll_id == poll.id)
                           .execution_options(populate_existing=True))
    return {q.id: q for q in rows}


def edit_question(session: Session, ctx: AccessContext, poll: Poll, question_id: int,
                  data: QuestionPatch) -> Poll:
    """Reword a question or change its options while nobody has answered the poll: after the first answer
    the counts would mix answers to two different questions."""
    if poll.host_id != ctx.user.id:
        raise forbidden("Only the person who made the poll may change its questions.")
    question = _lock(session, poll).get(question_id)
    if question is None:
        raise not_found("question")
    respondents = session.scalar(select(func.count(func.distinct(PollAnswer.user_id)))
                                 .where(PollAnswer.poll_id == poll.id)) or 0
    if respondents:
        raise APIError(409, "poll_answered", f"{respondents} person(s) already answered this poll, so its "
                       "questions can no longer change. Make a new poll for the changed questions.",
                       respondents=respondents)
    prompt = question.prompt if data.prompt is None else data.prompt
    options = list(question.options) if data.options is None else data.options
    _check_question(question.position, QuestionIn(kind=question.kind, prompt=prompt, options=options))
    question.prompt, question.options = prompt, options
    session.flush()
    return poll


def delete(session: Session, poll: Poll) -> None:
    if poll.state != PollState.draft:
        raise APIError(409, "poll_has_run", "A poll that has been opened keeps its results; close it instead.")
    session.delete(poll)


# ---- answering ----------------------------------------------------------------------------------

def _normalise(q: PollQuestion, item: AnswerIn) -> tuple[list[int], str]:
    """The stored form of one answer, or a 422 that says what is wrong with it."""
    where = f"question {q.position + 1}"
    given = {"choices": item.choices is not None, "rating": item.rating is not None, "text": item.text is not None}
    expected = {PollKind.single: "choices", PollKind.multiple: "choices", PollKind.rating: "rating",
                PollKind.text: "text"}[q.kind]
    if [k for k, v in given.items() if v] != [expected]:
        raise APIError(422, "wrong_answer_field", f"Answer {where} ({q.kind.value}) with '{expected}' only.")
    if q.kind == PollKind.rating:
        assert item.rating is not None
        if not RATING_MIN <= item.rating <= RATING_MAX:
            raise APIError(422, "rating_out_of_range", f"A rating is {RATING_MIN} to {RATING_MAX}.")
        return [item.rating], ""
    if q.kind == PollKind.text:
        return [], (item.text or "")
    choices = list(item.choices or [])
    if not choices:
        raise APIError(422, "no_choice", f"Pick an option for {where}.")
    if q.kind == PollKind.single and len(choices) != 1:
        raise APIError(422, "single_choice", f"Pick exactly one option for {where}.")
    if len(set(choices)) != len(choices):
        raise APIError(422, "duplicate_choice", f"An option is picked twice for {where}.")
    if bad := [c for c in choices if c >= len(q.options)]:
        raise APIError(422, "option_out_of_range",
                       f"Option {bad[0]} does not exist in {where} (it has {len(q.options)} options, from 0).")
    return sorted(choices), ""


def answer(session: Session, ctx: AccessContext, poll: Poll, items: list[AnswerIn]) -> list[MyAnswerOut]:
    """Store the caller's answers; an answer to a question already answered replaces the earlier one."""
    questions = _lock(session, poll)  # these are the questions answered: an edit waits, or came first
    if poll.state != PollState.open:
        word = "has closed" if poll.state == PollState.closed else "is not open yet"
        raise APIError(409, f"poll_{poll.state.value}", f"This poll {word}; answers are not accepted.")
    stored: dict[int, tuple[list[int], str]] = {}
    for item in items:
        q = questions.get(item.question_id)
        if q is None:
            raise APIError(422, "unknown_question", f"Question {item.question_id} is not part of this poll.")
        if item.question_id in stored:
            raise APIError(422, "duplicate_question", f"Question {item.question_id} is answered twice.")
        stored[item.question_id] = _normalise(q, item)
    for attempt in range(2):
        try:
            with session.begin_nested():
                _upsert(session, poll.id, ctx.user.id, stored)
            break
        except IntegrityError:
            # Two requests of the same person raced to insert: the second one now updates.
            if attempt:
                raise
    return my_answers(session, poll, ctx.user.id)


def _upsert(session: Session, poll_id: int, user_id: int, stored: dict[int, tuple[list[int], str]]) -> None:
    existing = {a.question_id: a for a in session.scalars(
        select(PollAnswer).where(PollAnswer.poll_id == poll_id, PollAnswer.user_id == user_id))}
    now = datetime.now(UTC)
    for qid, (choices, text) in stored.items():
        row = existing.get(qid)
        if row is None:
            session.add(PollAnswer(poll_id=poll_id, question_id=qid, user_id=user_id, choices=choices, text=text,
                                   updated_at=now))
        else:
            row.choices, row.text, row.updated_at = choices, text, now
    session.flush()


def my_answers(session: Session, poll: Poll, user_id: int) -> list[MyAnswerOut]:
    kinds = {q.id: q.kind for q in poll.questions}
    rows = session.scalars(select(PollAnswer).where(PollAnswer.poll_id == poll.id, PollAnswer.user_id == user_id))
    out = []
    for a in rows:
        rating = a.choices[0] if kinds.get(a.question_id) == PollKind.rating and a.choices else None
        out.append(MyAnswerOut(question_id=a.question_id, choices=[] if rating else list(a.choices),
                               rating=rating, text=a.text))
    return sorted(out, key=lambda m: m.question_id)


# ---- results ------------------------------------------------------------------------------------

def results(session: Session, poll: Poll) -> ResultsOut:
    """Counts per option, rating distribution and mean, and the short texts with real names."""
    rows = session.execute(
        select(PollAnswer.question_id, PollAnswer.user_id, PollAnswer.choices, PollAnswer.text,
               User.display_name, School.name)
        .join(User, User.id == PollAnswer.user_id).outerjoin(School, School.id == User.school_id)
        .where(PollAnswer.poll_id == poll.id).order_by(PollAnswer.updated_at, PollAnswer.id)
    ).all()
    by_question: dict[int, list[tuple[int, list[int], str, str, str | None]]] = {}
    for qid, uid, choices, text, name, school in rows:
        by_question.setdefault(qid, []).append((uid, list(choices or []), text, name, school))
    out = []
    for q in poll.questions:
        answers = by_question.get(q.id, [])
        result = QuestionResult(question_id=q.id, kind=q.kind, prompt=q.prompt, options=list(q.options),
                                answered=len(answers), counts=[])
        if q.kind in CHOICE_KINDS:
            tally = Counter(c for _, choices, *_ in answers for c in choices)
            result.counts = [tally.get(i, 0) for i in range(len(q.options))]
        elif q.kind == PollKind.rating:
            values = [choices[0] for _, choices, *_ in answers if choices]
            tally = Counter(values)
            result.counts = [tally.get(v, 0) for v in range(RATING_MIN, RATING_MAX + 1)]
            result.average = round(sum(values) / len(values), 2) if values else None
        else:
            result.texts = [TextAnswerOut(user_id=uid, user_name=name, school_name=school or "", text=text)
                            for uid, _, text, name, school in answers[-MAX_TEXTS_SHOWN:]]
        out.append(result)
    respondents = len({uid for _, uid, *_ in rows})
    return ResultsOut(poll_id=poll.id, version=poll.version, state=poll.state, respondents=respondents,
                      questions=out)


def current_version(session: Session, poll_id: int) -> int | None:
    """The one integer the live stream watches (None once the poll is gone)."""
    return session.scalar(select(Poll.version).where(Poll.id == poll_id))
