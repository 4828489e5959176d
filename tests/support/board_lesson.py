"""A short generated lesson with Chinese slides and a chalk board changing at known times, and a way to run
the real pipeline over it in this process (for the board-text tests of the workers, the library and the
pages)."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from models import Lesson, MediaAsset, MediaKind
from models.db import session_scope
from models.lifecycle import JobKind
from testkit.synth_board import Scene
from testkit.synth_lesson import SynthLesson, make_lesson
from tests.factories import lesson_row
from tingke import jobs_client
from tingke.settings import get_settings

# Changes at odd moments (not on the 2-s key frames): blank card, two slides, a board written line by line,
# a picture without text, a closing slide.
SCENES = [
    Scene(0.0, "blank"),
    Scene(3.4, "slide", ("分数的加法", "同分母分数相加", "分母不变，分子相加")),
    Scene(10.7, "slide", ("异分母分数怎样相加", "先通分再计算", "找两个分母的最小公倍数")),
    Scene(17.2, "board", ("板书：通分",)),
    Scene(21.5, "board", ("板书：通分", "二分之一等于四分之二")),
    Scene(25.9, "board", ("板书：通分", "二分之一等于四分之二", "结果要约分")),
    Scene(30.3, "picture"),
    Scene(34.6, "slide", ("课堂小结", "今天学习了异分母分数加法")),
]
TEXTLESS = [(0.0, 3.4), (30.3, 34.6)]  # blank card, then a picture: nothing to read
SCRIPT = [("teacher", "同学们好，今天我们来学习分数的加法。"), ("teacher", "请看大屏幕，先复习同分母分数相加。"),
          ("silence", 6.0), ("teacher", "异分母分数怎样相加呢？我们要先通分。"), ("silence", 8.0),
          ("teacher", "看黑板，二分之一等于四分之二。最后结果要约分。"), ("silence", 6.0),
          ("teacher", "我们来做一个小结。")]


def board_lesson(silent: bool = False) -> SynthLesson:
    """About 49 s at 1280×720 (cached after the first run); ``silent``: no speech (nothing to transcribe, for
    tests about the pages, where the pipeline's speech recognition would only cost time)."""
    return make_lesson([("silence", 46.0)] if silent else SCRIPT, scenes=SCENES, size="1280x720",
                       pause=(0.8, 1.2))


def private_lesson_id(db_url: str) -> int:
    """teacher2's private 一元一次方程（个人备课） of the demo: only its teacher and admins may see it."""
    with session_scope(db_url) as session:
        return int(session.scalars(select(Lesson.id).where(Lesson.title.contains("个人备课"))).one())


def queue_upload(db_url: str, lesson_id: int, synth: SynthLesson) -> int:
    """Register the lesson's video as an upload (as the upload endpoint does) and queue its processing."""
    assert synth.video is not None
    root = get_settings().media_root
    target = root / "lessons" / str(lesson_id) / "uploads" / synth.video.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(synth.video, target)
    jobs_client._client.cache_clear()
    with session_scope(db_url) as session:
        asset = MediaAsset(lesson_id=lesson_id, kind=MediaKind.upload, bytes=target.stat().st_size,
                           path=str(target.relative_to(root)), duration_seconds=synth.duration)
        session.add(asset)
        session.flush()
        return jobs_client.process(session, lesson_row(session, lesson_id), JobKind.process, asset.id).id
