"""The one translation table covers every string the pages ask for, in both languages."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from api.pages.i18n import TABLE, messages
from models import LessonKind, LessonStatus, ObservationState, RoomMode, UserRole, Visibility

WEB = Path(__file__).resolve().parents[2] / "web"
LITERAL = re.compile(r"""\bt\(\s*['"]([a-z_][a-z0-9_.]*)['"]""")


def used_keys() -> dict[str, str]:
    """Literal keys in templates and page scripts → the first file using them."""
    found: dict[str, str] = {}
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("static/js/*.js")]:
        for key in LITERAL.findall(path.read_text(encoding="utf-8")):
            if not key.endswith("."):  # a prefix joined with a value: covered by the enum lists below
                found.setdefault(key, path.name)
    return found


def test_every_used_key_exists_in_both_languages() -> None:
    table = messages()
    dynamic = [f"status.{s}" for s in LessonStatus] + [f"kind.{k}" for k in LessonKind] + \
              [f"obs.state.{s}" for s in ObservationState] + [f"role.{r}" for r in UserRole] + \
              [f"visibility.{v}" for v in Visibility] + [f"room.{m}" for m in RoomMode] + \
              [f"lessontype.{x}" for x in ("practice", "lecture", "dialogue", "mixed", "no_speech")] + \
              [f"agreement.{x}" for x in ("reliable", "tentative", "low", "insufficient")] + \
              [f"lesson.why_not_observe.{x}" for x in ("own_lesson", "not_visible", "not_in_community",
                                                       "researcher_other_subject", "researcher_outside_zone")] + \
              [f"job.stage.{x}" for x in ("ingest", "compose", "transcode", "storyboard", "board_text", "audio",
                                          "transcribe", "analyse", "store", "index")]
    keys = {**used_keys(), **{k: "(enum)" for k in dynamic}}
    assert len(keys) > 150
    missing = {k: where for k, where in keys.items() if k not in table["zh"] or not table["zh"][k]}
    assert not missing, f"keys missing from {TABLE.name}: {missing}"
    untranslated = sorted(k for k in keys if not table["en"].get(k))
    assert not untranslated, untranslated


def test_table_is_well_formed() -> None:
    rows = [r for r in csv.reader(TABLE.open(encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE)
            if r and not r[0].startswith("#")]
    assert rows[0] == ["key", "zh", "en"]
    bad = [r for r in rows if len(r) != 3]
    assert not bad, bad
    duplicates = [k for k, n in Counter(r[0] for r in rows).items() if n > 1]
    assert not duplicates, duplicates
    for key, zh, en in rows[1:]:
        assert set(re.findall(r"\{(\w+)\}", zh)) == set(re.findall(r"\{(\w+)\}", en)), key


API = Path(__file__).resolve().parents[2] / "api"
REFUSAL = re.compile(r"""APIError\(\s*\d{3},\s*['"]([a-z_]+)['"]""")
# Refusals that pages show through errorText() (web/static/js/app.js): the table's apierr.<code>.
EXPLAINED_MODULES = ["quotas/endpoints.py", "quotas/common.py",  # the quota rule form: every refusal
                     "deps.py", "discussions/service.py", "lessons/service.py", "library/service.py",
                     "observations/service.py", "live/service.py", "polls/service.py", "media/uploads.py",
                     "activities/service.py", "activities/storage.py", "spotchecks/service.py",
                     "qualifications/service.py", "lesson_events/service.py",  # every page that calls errorText()
                     "community/service.py", "users/service.py", "rubrics/service.py", "auth/service.py",
                     "imports/service.py", "imports/reader.py"]  # the admin pages (issue 13)
EXPLAINED_CODES = {"invalid_input", "invalid_field", "forbidden", "not_found", "conflict", "too_many_requests",
                   "internal_error", "bad_request", "poll_draft", "poll_closed",  # from api/errors.py; poll_<state>
                   "network", "error"}  # from app.js: no reply at all, a reply without our error body


def test_refusals_the_pages_explain_are_in_both_languages() -> None:
    table = messages()
    codes = set(EXPLAINED_CODES)
    for module in EXPLAINED_MODULES:
        found = REFUSAL.findall((API / module).read_text(encoding="utf-8"))
        assert found, module
        codes |= set(found)
    missing = sorted(c for c in codes if not table["zh"].get(f"apierr.{c}") or not table["en"].get(f"apierr.{c}"))
    assert not missing, missing
