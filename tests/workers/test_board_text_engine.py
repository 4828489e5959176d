"""The OCR engine reads Chinese offline, from the models inside rapidocr's wheel: loaded in a process whose
network namespace has nothing but a loopback that is down, with an empty home folder, it reads a slide and
a blackboard (in simplified characters, as stored), and writes nothing into the package (no model was
fetched)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from testkit.synth_board import Scene, render_card
from workers.board_text.engine import models_dir

REPO = Path(__file__).resolve().parents[2]

READ = """
import json, socket, sys
import cv2
assert [name for _, name in socket.if_nameindex()] == ["lo"], socket.if_nameindex()
from workers.board_text.engine import OcrEngine, crop_line
from workers.board_text.tracking import clean_line
engine = OcrEngine(det_side=736, threads=1)
out = []
for path in sys.argv[1:]:
    image = cv2.imread(path)
    quads = engine.detect(image)
    out.append([clean_line(r.text) for r in engine.recognise([crop_line(image, q) for q in quads])])
print(json.dumps(out, ensure_ascii=False))
"""


def _listing(folder: Path) -> list[tuple[str, int, int]]:
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())


def test_the_engine_reads_chinese_with_the_network_cut(tmp_path: Path) -> None:
    slide = Scene(0, "slide", ("分数的加法", "异分母分数先通分"))
    board = Scene(0, "board", ("板书：最小公倍数",))
    images = []
    for name, scene in (("slide", slide), ("board", board)):
        path = tmp_path / f"{name}.png"
        render_card(scene, 1280, 720).convert("RGB").save(path)
        images.append(str(path))
    before = _listing(models_dir())
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1",
           "XDG_CACHE_HOME": str(home / ".cache")}
    run = subprocess.run(["unshare", "--net", sys.executable, "-c", READ, *images], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    slide_lines, board_lines = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(slide.lines) <= set(slide_lines), slide_lines
    assert [line.replace(":", "：") for line in board_lines] == list(board.lines), board_lines
    assert _listing(models_dir()) == before  # nothing downloaded or rewritten next to the models
    assert not any(home.rglob("*.onnx"))
