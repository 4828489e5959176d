"""Polls as the API accepts and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from api.pagination import Page
from api.types import DbId
from models import PollKind, PollState

Strict = ConfigDict(extra="forbid", str_strip_whitespace=True)
MAX_TEXT_ANSWER = 500
RATING_MIN, RATING_MAX = 1, 5

OptionLabel = Annotated[str, Field(min_length=1, max_length=200)]
OptionIndex = Annotated[int, Field(ge=0, le=1000)]


class QuestionIn(BaseModel):
    model_config = Strict
    kind: PollKind
    prompt: str = Field(min_length=1, max_length=500)
    options: list[OptionLabel] = Field(default_factory=list, max_length=20,
                                       description="single/multiple: 2-20 option labels; rating/text: none")


class QuestionPatch(BaseModel):
    """A question's new wording and options; its kind stays (the answer fields follow from it)."""

    model_config = Strict
    prompt: str | None = Field(default=None, min_length=1, max_length=500)
    options: list[OptionLabel] | None = Field(default=None, max_length=20,
                                              description="single/multiple: 2-20 option labels")


class PollIn(BaseModel):
    model_config = Strict
    title: str = Field(min_length=1, max_length=200)
    lesson_id: DbId | None = None
    group_id: DbId | None = None
    school_ids: list[DbId] = Field(default_factory=list, max_length=500,
                                   description="A training poll (no lesson, no group): the schools whose staff "
                                               "may join; empty = every school the host can see")
    questions: list[QuestionIn] = Field(min_length=1, max_length=30)
    open_now: bool = False


class AnswerIn(BaseModel):
    model_config = Strict
    question_id: DbId
    choices: list[OptionIndex] | None = Field(default=None, max_length=20, description="single/multiple")
    rating: StrictInt | None = Field(default=None, ge=RATING_MIN, le=RATING_MAX, description="rating: 1-5 (a number)")
    text: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_ANSWER, description="text")


class AnswersIn(BaseModel):
    model_config = Strict
    answers: list[AnswerIn] = Field(min_length=1, max_length=30)


class QuestionOut(BaseModel):
    id: int
    kind: PollKind
    prompt: str
    options: list[str]


class PollOut(BaseModel):
    id: int
    code: str
    title: str
    state: PollState
    version: int
    host_id: int
    host_name: str
    lesson_id: int | None
    group_id: int | None
    audience_school_ids: list[int]
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    join_path: str
    may_run: bool
    questions: list[QuestionOut]


class MyAnswerOut(BaseModel):
    question_id: int
    choices: list[int]
    rating: int | None
    text: str


class TextAnswerOut(BaseModel):
    user_id: int
    user_name: str
    school_name: str
    text: str


class QuestionResult(BaseModel):
    question_id: int
    kind: PollKind
    prompt: str
    options: list[str]
    answered: int
    counts: list[int] = Field(description="per option; rating: votes for 1..5")
    average: float | None = None
    texts: list[TextAnswerOut] = Field(default_factory=list)


class ResultsOut(BaseModel):
    poll_id: int
    version: int
    state: PollState
    respondents: int
    questions: list[QuestionResult]


class PollSummary(BaseModel):
    poll: PollOut
    results: ResultsOut


class PollList(Page[PollSummary]):
    may_host: bool = False
