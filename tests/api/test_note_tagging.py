"""Observation notes get rubric-dimension tags when posted; the main tag is right on held-out notes."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from api.observations.tagging import DIMENSIONS, TRAIN_FILE, accuracy, default_tagger, read_labeled, tag_note

HELDOUT = Path(__file__).parent.parent / "data" / "notes_heldout.tsv"


def test_labeled_sets_are_large_varied_and_disjoint():
    train, heldout = read_labeled(TRAIN_FILE), read_labeled(HELDOUT)
    assert len(train) >= 80 and len(heldout) >= 40
    for notes in (train, heldout):
        per_dimension = Counter(n.main for n in notes)
        assert set(per_dimension) == set(DIMENSIONS) and min(per_dimension.values()) >= 5
    assert not {n.text for n in train} & {n.text for n in heldout}


def test_main_tag_accuracy_on_held_out_notes():
    heldout = read_labeled(HELDOUT)
    score = accuracy(default_tagger(), heldout)
    print(f"held-out main-tag accuracy: {score:.3f} on {len(heldout)} notes")
    assert score >= 0.8


def test_tagging_is_fast_and_main_tag_first():
    default_tagger()
    started = time.perf_counter()
    tags = tag_note("教师提问后候答时间不足3秒，学生来不及思考")
    assert (time.perf_counter() - started) < 0.05
    assert tags[0] == "interaction" and len(tags) == len(set(tags)) <= 3
    assert tag_note("板书工整但缺少知识结构图")[0] == "teacher_skills"
    assert tag_note("!!!") == []


def test_a_posted_note_comes_back_tagged(client, login):
    h = login("researcher1")
    items = client.get("/api/lessons", headers=h, params={"limit": 200}).json()["items"]
    lesson = next(x["id"] for x in items if x["teacher_name"] == "刘老师" and x["visibility"] != "private")
    oid = client.post(f"/api/lessons/{lesson}/observations", headers=h, json={}).json()["id"]
    reply = client.post(f"/api/observations/{oid}/notes", headers=h,
                        json={"t": 300, "text": "小组合作流于形式，部分学生游离"})
    assert reply.status_code == 201, reply.text
    assert reply.json()["tags"][0] == "engagement"
    notes = client.get(f"/api/observations/{oid}", headers=h).json()["notes"]
    assert notes[0]["tags"][0] == "engagement"
