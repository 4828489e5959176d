"""Who sees what of a lesson's report, with one, two and three observers, for every role — in the JSON
report, the Word 听课记录 and the Excel sheet alike (api/reports/lesson.py states the rule).

Rows: only observations the reader may read (api.access.can_read_observation). Aggregates: only over at
least three observations, or when the reader may read every observation they cover."""

from __future__ import annotations

import io

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from models.db import session_scope
from tests.factories import World, bearer, build_world, observe

DIMS = ("goals", "content", "process", "engagement", "interaction", "outcome", "teacher_skills")
OBSERVERS = ("researcher", "peer", "rural")  # in the order they observe the public lesson
SCORES = {"researcher": (9, 8, 9, 7, 8, 8, 9), "peer": (6, 5, 6, 4, 5, 5, 6), "rural": (3, 2, 3, 1, 2, 2, 3)}
NAMES = {"researcher": "王研究员", "peer": "同校老师", "rural": "乡村老师"}
# Readers who may read every submitted observation of the lesson; everyone else reads only their own.
READS_ALL = {"teacher", "head", "researcher", "zone_researcher", "admin"}
READERS = ("teacher", "head", "researcher", "zone_researcher", "admin", "peer", "rural", "unassigned", "outsider",
           "outsider_head")


@pytest.fixture
def world(db_url: str, client: TestClient) -> World:
    with session_scope(db_url) as session:
        return build_world(session)


def _observed(db_url: str, world: World, count: int) -> dict[str, dict[str, str]]:
    """``count`` observers submit on the public lesson; returns reader → bearer headers."""
    with session_scope(db_url) as session:
        for who in OBSERVERS[:count]:
            observe(session, world.lessons["public"], world.users[who], dict(zip(DIMS, SCORES[who], strict=True)))
        return {who: bearer(session, world.users[who]) for who in READERS}


def _expected_rows(reader: str, count: int) -> set[str]:
    observers = set(OBSERVERS[:count])
    return observers if reader in READS_ALL else observers & {reader}


@pytest.mark.parametrize("count", [1, 2, 3])
def test_json_report_rows_and_aggregates_per_role(client: TestClient, db_url: str, world: World, count: int) -> None:
    headers = _observed(db_url, world, count)
    lesson = world.lessons["public"]
    reports = {}
    for reader in READERS:
        reply = client.get(f"/api/lessons/{lesson}/report", headers=headers[reader])
        assert reply.status_code == 200, (reader, reply.text)
        reports[reader] = reply.json()
    seen = {reader: ({row["observer_name"] for row in r["rows"]}, r["weighted_total_mean"] is not None)
            for reader, r in reports.items()}
    expected = {reader: ({NAMES[w] for w in _expected_rows(reader, count)}, count >= 3 or reader in READS_ALL)
                for reader in READERS}
    assert seen == expected  # (names of the rows, whether aggregates are shown) per reader
    for reader, report in reports.items():
        shown = expected[reader][1]
        assert report["observers"] == count and report["aggregates_min_observations"] == 3
        assert report["aggregates_shown"] is shown, (reader, count)
        goals = next(d for d in report["dimensions"] if d["code"] == "goals")
        if shown:
            values = [SCORES[w][0] for w in OBSERVERS[:count]]
            assert goals["n"] == count and goals["min"] == min(values) and goals["max"] == max(values)
            assert goals["mean"] == pytest.approx(sum(values) / count, abs=1e-3)
            assert (report["agreement"] is not None) is (count >= 2)
        else:  # not one number derived from the scores
            assert all(d["n"] == 0 and d["mean"] is None and d["std"] is None and d["min"] is None
                       and d["max"] is None for d in report["dimensions"])
            assert report["weighted_total_std"] is None and report["agreement"] is None


def _docx_text(content: bytes) -> tuple[str, list[list[str]]]:
    doc = Document(io.BytesIO(content))
    cells = [[c.text for c in row.cells] for table in doc.tables for row in table.rows]
    return "\n".join(p.text for p in doc.paragraphs), cells


@pytest.mark.parametrize("count", [1, 2, 3])
def test_downloads_follow_the_same_rule(client: TestClient, db_url: str, world: World, count: int) -> None:
    headers = _observed(db_url, world, count)
    lesson = world.lessons["public"]
    for reader in ("teacher", "peer", "outsider"):
        rows = _expected_rows(reader, count)
        hidden = set(OBSERVERS[:count]) - rows
        shown = count >= 3 or reader in READS_ALL

        reply = client.get(f"/api/lessons/{lesson}/report.docx", headers=headers[reader])
        assert reply.status_code == 200
        text, cells = _docx_text(reply.content)
        for who in rows:
            assert f"听课人：{NAMES[who]}" in text
        for who in hidden:
            assert NAMES[who] not in text and not any(NAMES[who] in c for row in cells for c in row)
        summary = [row for row in cells if row[0] == "教学目标" and len(row) == 6]
        assert bool(summary) is shown, (reader, count)
        assert ("不显示平均分" in text) is (not shown)

        reply = client.get(f"/api/lessons/{lesson}/report.xlsx", headers=headers[reader])
        assert reply.status_code == 200
        book = load_workbook(io.BytesIO(reply.content))
        scored = [r[0] for r in book["评分"].iter_rows(min_row=4, values_only=True)]
        assert set(scored) == {NAMES[w] for w in rows}
        stats = [r for r in book["维度统计"].iter_rows(min_row=2, values_only=True) if r and r[0]]
        if shown:
            goals = next(r for r in stats if r[1] == "goals")
            assert goals[3] == count and goals[6] == min(SCORES[w][0] for w in OBSERVERS[:count])
        else:
            assert len(stats) == 1 and "不显示" in stats[0][0] and not any(isinstance(v, float) for v in stats[0])


def test_a_draft_is_no_ones_but_its_observers(client: TestClient, db_url: str, world: World) -> None:
    from models import ObservationState

    with session_scope(db_url) as session:
        for who in OBSERVERS:
            observe(session, world.lessons["public"], world.users[who], dict(zip(DIMS, SCORES[who], strict=True)),
                    state=ObservationState.draft)
        teacher, researcher = bearer(session, world.users["teacher"]), bearer(session, world.users["researcher"])
    for headers in (teacher, researcher):
        report = client.get(f"/api/lessons/{world.lessons['public']}/report", headers=headers).json()
        assert report["observers"] == 0 and report["rows"] == []


def test_a_lesson_the_reader_may_not_see_has_no_report(client: TestClient, db_url: str, world: World) -> None:
    with session_scope(db_url) as session:
        observe(session, world.lessons["community"], world.users["researcher"],
                dict(zip(DIMS, SCORES["researcher"], strict=True)))
        outsider = bearer(session, world.users["outsider"])
    for path in ("report", "report.docx", "report.xlsx"):
        reply = client.get(f"/api/lessons/{world.lessons['community']}/{path}", headers=outsider)
        assert reply.status_code == 404 and reply.json()["error"]["code"] == "not_found"
