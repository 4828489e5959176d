"""The library: search over lessons, transcripts and notes, and the lesson player."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.access import can_correct_transcript, can_observe
from api.deps import DB
from api.media.service import lesson_media
from api.pages.deps import PageAccess
from api.pages.errors import lesson_or_error_page
from api.pages.lessons import choices
from api.pages.rendering import render
from models.default_rubric import ensure_default_rubric
from tingke.settings import get_settings

router = APIRouter(include_in_schema=False)


@router.get("/library", response_class=HTMLResponse)
def library(request: Request, session: DB, ctx: PageAccess) -> HTMLResponse:
    """The form is filled from the URL; the results come from GET /api/search in the page script."""
    rubric = ensure_default_rubric(session)
    tags = [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en} for d in rubric.dimensions]
    params = {k: request.query_params.get(k, "") for k in ("q", "subject", "grade", "kind", "school", "tag",
                                                          "date_from", "date_to")}
    return render(request, "library.html", ctx.user, active="library", params=params, tags=tags,
                  tz=get_settings().timezone, **choices(session, ctx))


# The standard ladder's lightest picture needs ~470 kbit/s with its sound; below that the player starts with
# the audio-only rendition and the key frames. Pages measure their own few small files (web/static/js/link.js),
# where latency weighs: that figure reads ~35-65 on a 100 kbit/s / 300 ms link, ~90-225 at 500 kbit/s / 150 ms
# and ~400-1700 at 2 Mbit/s (Chromium, CDP throttling, bench/weak_link.py's pages), so the line is drawn at 100.
WEAK_KBPS = 100
CHOICE_COOKIE, LINK_COOKIE = "tingke_playback", "tingke_link_kbps"  # set by web/static/js/link.js


def playback_mode(request: Request) -> str | None:
    """The mode the player starts in, when the server can tell: the person's own choice, else the link their
    last pages were measured on; None leaves it to the page script's measurement."""
    choice = request.cookies.get(CHOICE_COOKIE)
    if choice in ("low", "standard"):
        return choice
    kbps = request.cookies.get(LINK_COOKIE, "")
    if kbps.isdigit():
        return "low" if int(kbps) < WEAK_KBPS else "standard"
    return None


@router.get("/lessons/{lesson_id}/play", response_class=HTMLResponse)
def player(lesson_id: int, request: Request, session: DB, ctx: PageAccess,
           t: Annotated[float, Query(ge=0, le=86400)] = 0) -> HTMLResponse:
    lesson = lesson_or_error_page(request, session, ctx, lesson_id)
    if isinstance(lesson, HTMLResponse):
        return lesson
    # in the page: no round trip before the poster and playback
    media = lesson_media(session, lesson, viewer=ctx.user.id)
    mode = playback_mode(request) if media["audio_only"] else "standard"
    return render(request, "player.html", ctx.user, active="library", lesson=lesson,
                  may_observe=can_observe(ctx, lesson), low=mode == "low" and media["hls"] is not None,
                  data={"lesson_id": lesson.id, "start": t, "status": lesson.status.value, "media": media,
                        "mode": mode, "weak_kbps": WEAK_KBPS, "teacher": lesson.teacher.display_name,
                        "school": lesson.school.name, "may_correct": can_correct_transcript(ctx, lesson)})
