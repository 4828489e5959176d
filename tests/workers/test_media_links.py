"""Signed media links cover a lesson's media scope (tingke/signing.py), so that a long lesson's playlist
reaches a weak link small: every line carries the same query and gzip folds them. A 45-minute audio-only
rendition has 1,350 two-second segments; with a signature per line its playlist was about 30 KB on the wire
(seconds at 100 kbit/s before the first sound). The scope must hold: a link for one lesson opens none of
another lesson's files, by any spelling of the path."""

from __future__ import annotations

import gzip
from pathlib import Path

from fastapi.testclient import TestClient

from api.media.service import link_expiry, signed
from tingke.settings import get_settings

SEGMENTS = 1350  # 45 minutes of 2-second audio segments


def _playlist(lesson: int) -> str:
    folder = get_settings().media_root / "lessons" / str(lesson) / "hls" / "a"
    folder.mkdir(parents=True)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2", "#EXT-X-PLAYLIST-TYPE:VOD"]
    for i in range(SEGMENTS):
        lines += ["#EXTINF:2.000000,", f"seg{i:05d}.ts"]
    (folder / "seg00000.ts").write_bytes(b"G" * 188)
    (folder / "index.m3u8").write_text("\n".join([*lines, "#EXT-X-ENDLIST", ""]))
    return f"/media/lessons/{lesson}/hls/a/index.m3u8"


def test_a_long_lessons_playlist_is_small_on_the_wire(sqlite_client: TestClient, env: Path) -> None:
    url = signed(_playlist(2), link_expiry(), viewer=7)
    reply = sqlite_client.get(url, headers={"Accept-Encoding": "gzip"})
    assert reply.status_code == 200, reply.text
    assert reply.headers.get("content-encoding") == "gzip"
    segments = [line for line in reply.text.splitlines() if line and not line.startswith("#")]
    assert len(segments) == SEGMENTS and len({s.split("?", 1)[1] for s in segments}) == 1  # one query for all
    on_the_wire = len(gzip.compress(reply.text.encode(), compresslevel=6))
    assert on_the_wire < 8 * 1024, f"{on_the_wire} bytes compressed for {SEGMENTS} segments"
    assert sqlite_client.get(segments[0]).status_code == 200  # the shared query opens the segment


def test_a_link_opens_only_its_own_lessons_files(sqlite_client: TestClient, env: Path) -> None:
    mine, other = _playlist(2), _playlist(3)
    query = signed(mine, link_expiry(), viewer=7).split("?", 1)[1]
    assert sqlite_client.get(f"{mine}?{query}").status_code == 200
    assert sqlite_client.get(f"{other}?{query}").status_code == 403
    for sneaky in ("/media/lessons/2/%2e%2e/3/hls/a/index.m3u8", "/media/lessons/2/hls/%2E%2E/%2E%2E/%2e%2e/3/hls/a/"
                   "index.m3u8", "/media/lessons/2//hls/a/index.m3u8"):
        reply = sqlite_client.get(f"{sneaky}?{query}")
        assert reply.status_code in (403, 404), (sneaky, reply.status_code)
        assert "#EXTM3U" not in reply.text
    tampered = query.replace("v=7", "v=8")
    assert sqlite_client.get(f"{mine}?{tampered}").status_code == 403  # the viewer is part of the signature
