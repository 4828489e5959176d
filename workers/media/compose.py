"""Dual-teacher lessons (双师课堂): several classroom recordings become one picture-in-picture video.

The first classroom (the master side, 主讲端) fills a 1280x720 frame; each other classroom is a
quarter-size inset along the bottom-right edge. Audio of all classrooms is mixed. The relay's
recordings share the lesson clock, so the inputs are aligned by their timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tingke.media_probe import MediaInfo, input_args
from workers.media.files import new_file
from workers.media.run import run_ffmpeg

WIDTH, HEIGHT = 1280, 720
INSET_W, INSET_H = 320, 180
MARGIN = 16


def compose_pip(sources: list[tuple[Path, MediaInfo]], target: Path,
                progress: Callable[[float], None] | None = None) -> None:
    """Write target (MP4, H.264 + AAC) from two or more (recording, probe) pairs, master first."""
    args: list[str] = []
    for path, _ in sources:
        for key, value in input_args(path).items():
            args += [f"-{key}", str(value)]
        args += ["-i", str(path)]
    filters = [f"[0:v]scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=decrease,"
               f"pad={WIDTH}:{HEIGHT}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=25[base0]"]
    last = "base0"
    insets = [i for i, (_, info) in enumerate(sources) if i > 0 and info.has_video]
    for n, i in enumerate(insets):
        x = f"W-w-{MARGIN + n * (INSET_W + MARGIN)}"
        filters.append(f"[{i}:v]scale={INSET_W}:{INSET_H}:force_original_aspect_ratio=decrease,setsar=1[pip{i}]")
        filters.append(f"[{last}][pip{i}]overlay=x={x}:y=H-h-{MARGIN}:eof_action=pass[base{i}]")
        last = f"base{i}"
    audio_inputs = "".join(f"[{i}:a]" for i in range(len(sources)))
    filters.append(f"{audio_inputs}amix=inputs={len(sources)}:duration=longest:normalize=0[mix]")
    duration = max(info.duration for _, info in sources)
    with new_file(target) as tmp:
        run_ffmpeg([*args, "-filter_complex", ";".join(filters), "-map", f"[{last}]", "-map", "[mix]",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", str(tmp)],
                   duration, progress, what="compose")
