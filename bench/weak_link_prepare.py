"""Make a data folder for bench/weak_link.py with one version of the code: the demo community and a
synthetic lesson processed by that version's own pipeline (its ladder, storyboard, subtitles, downloads).

Run as ``python bench/weak_link_prepare.py <code tree> <data dir> <minutes>``: the code tree is put first on
``sys.path``, so a baseline tree (today's code from main) processes the lesson as that code would. The
transcript comes from the synthetic script (tests/support/ready_lesson.py, loaded by file path, uses only
APIs both versions have), so Whisper's minutes are not spent twice.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
LESSON = 2  # the demo's 勾股定理 lesson at 青山乡中心小学, visible to teacher1 (城东实验小学, same community)


def _load(path: Path, name: str) -> object:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    tree, data, minutes = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve(), float(sys.argv[3])
    sys.path.insert(0, str(tree))
    os.environ.update(TINGKE_DATA_DIR=str(data), TINGKE_SECRET_KEY="bench-weak-link-secret-0123456789")
    from models.db import session_scope
    from tingke.entry.demo import seed_demo

    databases = _load(tree / "tests" / "support" / "databases.py", "bench_databases")
    url = databases.create_sqlite_template(data / "template")  # type: ignore[attr-defined]
    url = databases.copy_sqlite(url, data)  # type: ignore[attr-defined]
    os.environ["TINGKE_DATABASE_URL"] = url
    from tingke.settings import reset_settings

    reset_settings()
    with session_scope(url) as session:
        seed_demo(session)
    synth = _load(HERE / "tests" / "support" / "synth_lesson.py", "bench_synth")
    ready = _load(HERE / "tests" / "support" / "ready_lesson.py", "bench_ready")
    lesson = synth.make_lesson(minutes=minutes, size="854x480")  # type: ignore[attr-defined]
    lines = [(s.start, s.end, s.text) for _, s in lesson.sentences]
    ready.process_with_transcript(url, LESSON, lesson.video, lines)  # type: ignore[attr-defined]
    print(json.dumps({"database_url": url, "lesson": LESSON, "phrase": lines[len(lines) // 2][2][:4]}))


if __name__ == "__main__":
    main()
