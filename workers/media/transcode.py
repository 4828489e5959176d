"""Stage 2: the HLS ladder (up to 720p, ~360p at 400 kbit/s, audio-only under 48 kbit/s at its peak), the
master playlist (with the WebVTT subtitle rendition, see workers/media/subtitles.py), the downloads, a
poster and the 16 kHz WAV for transcription.

One ffmpeg run decodes the source once and encodes every rendition (split/asplit filters), which
matters on a 2-core machine. The native AAC encoder has no HE-AAC profile, so the audio-only
rendition is AAC-LC, mono, 24 kHz, 32 kbit/s with the encoder's "fast" coder: its bit rate follows the
target closely, where the default coder spends ~1.5x the target on speech next to digital silence. The
rendition exists for a 100 kbit/s link, so its *peak* segment rate (what HLS BANDWIDTH means and what the
link must carry) is measured and, should a lesson still exceed ``AUDIO_PEAK_LIMIT_BPS``, the rendition is
encoded again at a rate scaled down to fit. Its 2-s segments (the video's are 6 s) let a browser's own HLS
player start after ~3 segments, ~24 KB: under 2 s at 100 kbit/s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from tingke.media_probe import MediaInfo, input_args
from tingke.settings import get_settings
from workers.media.files import new_dir, new_file
from workers.media.run import run_ffmpeg
from workers.media.subtitles import SUBTITLE_GROUP, subtitle_media_tag

AUDIO_ONLY_KBPS = 32
AUDIO_ONLY_SAMPLE_RATE = 24000
AUDIO_PEAK_LIMIT_BPS = 46_000  # the rendition must stay under 48 kbit/s per segment, transport stream included
AUDIO_SEGMENT_SECONDS = 2
AUDIO_RETRIES = 3
KEYFRAME_SECONDS = 2
# ffprobe's H.264 profile name -> profile_idc and constraint byte of an RFC 6381 "avc1" codec string
H264_PROFILES = {"Constrained Baseline": "42E0", "Baseline": "4200", "Main": "4D40", "High": "6400"}


@dataclass
class Rendition:
    name: str  # folder under hls/
    height: int | None  # None: audio only
    video_kbps: int
    audio_kbps: int
    width: int | None = None
    peak_bps: int = 0
    average_bps: int = 0
    copy_codec: str | None = None  # the source's avc1 string when its video is copied, not encoded

    @property
    def codecs(self) -> str:
        if self.height is None:
            return "mp4a.40.2"
        return f"{self.copy_codec or 'avc1.4d401f'},mp4a.40.2"


def copyable_h264(info: MediaInfo) -> str | None:
    """The source's avc1 codec string when its video can be the top rendition as is.

    A phone's H.264 at up to 720p and 30 fps needs no re-encode: copying it saves most of the
    transcode time on a 2-core machine. Segments then start at the source's own key frames.
    Relay recordings (segment lists with gaps) are always re-encoded for clean timestamps.
    """
    profile = H264_PROFILES.get(info.video_profile or "")
    if (info.video_codec != "h264" or profile is None or info.is_concat or not info.height
            or info.height > 720 or (info.fps or 0) > 30.5 or info.pix_fmt not in ("yuv420p", "yuvj420p")
            or not info.video_level):
        return None
    return f"avc1.{profile}{info.video_level:02X}".lower()


def plan_ladder(info: MediaInfo) -> list[Rendition]:
    """Source height capped at 720p, plus ~360p when the source is taller than ~400 lines, plus audio."""
    ladder: list[Rendition] = []
    if info.has_video and info.height:
        top = min(info.height, 720)
        if top > 400:
            ladder.append(Rendition("v0", _even(top), max(800, int(2000 * (top / 720) ** 2)), 96))
            ladder.append(Rendition("v1", 360, 400, 64))
        else:
            ladder.append(Rendition("v0", _even(top), 400, 64))
        for r in ladder:
            r.width = _even(round(info.width * r.height / info.height)) if info.width and r.height else None
        ladder[0].copy_codec = copyable_h264(info)
        if ladder[0].copy_codec:
            ladder[0].width, ladder[0].height = info.width, info.height
    ladder.append(Rendition("a", None, 0, AUDIO_ONLY_KBPS))
    return ladder


def _even(n: int | float) -> int:
    return int(n) // 2 * 2


def encode_ladder(source: Path, info: MediaInfo, hls_dir: Path,
                  progress: Callable[[float], None] | None = None) -> list[Rendition]:
    """Write hls/<rendition>/index.m3u8 + segments and hls/master.m3u8 (swapped in atomically)."""
    ladder = plan_ladder(info)
    seg = get_settings().hls_segment_seconds
    with new_dir(hls_dir) as tmp:
        src = ffmpeg.input(str(source), **input_args(source))
        videos = [r for r in ladder if r.height and not r.copy_codec]
        audio_split = src.audio.filter_multi_output("asplit", len(ladder))
        video_split = None
        if videos:
            video = src.video
            if info.fps and info.fps > 30.5:
                video = video.filter("fps", fps=30)
            video_split = video.filter_multi_output("split", len(videos))
        outputs = []
        for i, r in enumerate(ladder):
            (tmp / r.name).mkdir()
            common: dict[str, Any] = {
                "f": "hls", "hls_time": seg, "hls_playlist_type": "vod", "hls_flags": "independent_segments",
                "hls_segment_filename": str(tmp / r.name / "seg%05d.ts"),
                "c:a": "aac", "b:a": f"{r.audio_kbps}k",
            }
            if r.height is None:
                outputs.append(ffmpeg.output(audio_split[i], str(tmp / r.name / "index.m3u8"),
                                             **_audio_only_options(common, r.audio_kbps)))
                continue
            if r.copy_codec:
                outputs.append(ffmpeg.output(src.video, audio_split[i], str(tmp / r.name / "index.m3u8"), ac=2,
                                             **{"c:v": "copy"}, **common))
                continue
            assert video_split is not None
            v = video_split[videos.index(r)].filter("scale", -2, r.height)
            outputs.append(ffmpeg.output(
                v, audio_split[i], str(tmp / r.name / "index.m3u8"), ac=2, pix_fmt="yuv420p",
                **{"c:v": "libx264", "preset": "veryfast", "profile:v": "main", "b:v": f"{r.video_kbps}k",
                   "maxrate": f"{int(r.video_kbps * 1.3)}k", "bufsize": f"{r.video_kbps * 2}k",
                   "force_key_frames": f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})"},
                **common,
            ))
        args = ffmpeg.merge_outputs(*outputs).get_args()
        run_ffmpeg(args, info.duration, progress)
        for r in ladder:
            r.peak_bps, r.average_bps = measure_bitrate(tmp / r.name / "index.m3u8")
        audio = ladder[-1]
        for _ in range(AUDIO_RETRIES):
            if audio.peak_bps < AUDIO_PEAK_LIMIT_BPS:
                break
            audio.audio_kbps = max(8, int(audio.audio_kbps * AUDIO_PEAK_LIMIT_BPS / audio.peak_bps * 0.9))
            _encode_audio_only(source, info, tmp / audio.name, audio.audio_kbps, seg)
            audio.peak_bps, audio.average_bps = measure_bitrate(tmp / audio.name / "index.m3u8")
        (tmp / "master.m3u8").write_text(master_playlist(ladder))
    return ladder


def _audio_only_options(common: dict[str, Any], kbps: int) -> dict[str, Any]:
    return {**common, "b:a": f"{kbps}k", "ac": 1, "ar": AUDIO_ONLY_SAMPLE_RATE, "aac_coder": "fast",
            "hls_time": AUDIO_SEGMENT_SECONDS}


def _encode_audio_only(source: Path, info: MediaInfo, folder: Path, kbps: int, seg: float) -> None:
    """The audio-only rendition again, alone, at ``kbps`` (its folder emptied first)."""
    for old in folder.iterdir():
        old.unlink()
    common = {"f": "hls", "hls_playlist_type": "vod", "hls_flags": "independent_segments",
              "hls_segment_filename": str(folder / "seg%05d.ts"), "c:a": "aac", "hls_time": seg}
    args = (ffmpeg.input(str(source), **input_args(source)).audio
            .output(str(folder / "index.m3u8"), **_audio_only_options(common, kbps)).get_args())
    run_ffmpeg(args, info.duration)


def playlist_segments(playlist: Path) -> list[tuple[float, Path]]:
    """(duration, file) of every segment of a media playlist."""
    out: list[tuple[float, Path]] = []
    duration = 0.0
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line.split(":", 1)[1].split(",")[0])
        elif line and not line.startswith("#"):
            out.append((duration, playlist.parent / line))
    return out


def measure_bitrate(playlist: Path) -> tuple[int, int]:
    """(peak, average) bits per second over the segments, as HLS BANDWIDTH wants them."""
    segments = playlist_segments(playlist)
    total_bytes = sum(p.stat().st_size for _, p in segments)
    total_seconds = sum(d for d, _ in segments) or 1.0
    peak = max((p.stat().st_size * 8 / d for d, p in segments if d > 0.5), default=0.0)
    average = total_bytes * 8 / total_seconds
    return math.ceil(max(peak, average)), math.ceil(average)


def master_playlist(ladder: list[Rendition]) -> str:
    """Variants from the lightest picture up (players start with the first one listed, and a weak link
    must not start with 720p), the audio-only variant last, each with the subtitle rendition."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS", subtitle_media_tag()]
    videos = sorted((r for r in ladder if r.height), key=lambda r: r.peak_bps)
    for r in [*videos, *(r for r in ladder if not r.height)]:
        attrs = [f"BANDWIDTH={r.peak_bps}", f"AVERAGE-BANDWIDTH={r.average_bps}", f'CODECS="{r.codecs}"']
        if r.height and r.width:
            attrs.append(f"RESOLUTION={r.width}x{r.height}")
        attrs.append(f'SUBTITLES="{SUBTITLE_GROUP}"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), f"{r.name}/index.m3u8"]
    return "\n".join(lines) + "\n"


def make_download(hls_dir: Path, ladder: list[Rendition], target: Path, subtitles: Path | None = None) -> None:
    """An MP4 of the best rendition for offline use (a remux, no re-encode), with the subtitles as a
    mov_text track when there are any."""
    best = ladder[0]
    with new_file(target) as tmp:
        args = ["-i", str(hls_dir / best.name / "index.m3u8")]
        cues = subtitles is not None and subtitles.is_file() and "-->" in subtitles.read_text(encoding="utf-8")
        if cues and subtitles is not None:
            args += ["-i", str(subtitles), "-map", "0:v?", "-map", "0:a?", "-map", "1:s", "-c:s", "mov_text",
                     "-metadata:s:s:0", "language=chi", "-metadata:s:s:0", "handler_name=中文字幕"]
        args += ["-c:v", "copy", "-c:a", "copy", "-movflags", "+faststart"]
        if best.height is None:
            args += ["-vn"]
        run_ffmpeg([*args, str(tmp)], 0, what="package")


def make_audio_download(hls_dir: Path, target: Path) -> None:
    """The audio-only rendition as one .m4a (a remux): what a weak link can take home."""
    with new_file(target) as tmp:
        run_ffmpeg(["-i", str(hls_dir / "a" / "index.m3u8"), "-vn", "-c:a", "copy", "-movflags", "+faststart",
                    str(tmp)], 0, what="package")


def make_poster(source: Path, info: MediaInfo, target: Path) -> bool:
    """A frame at a tenth of the lesson (the first seconds are often a black screen)."""
    if not info.has_video:
        return False
    at = min(info.duration * 0.1, 30.0)
    with new_file(target) as tmp:
        run_ffmpeg(["-ss", f"{at:.2f}", *_flat(input_args(source)), "-i", str(source), "-frames:v", "1",
                    "-vf", "scale=-2:'min(720,ih)'", "-q:v", "3", str(tmp)], 0, what="grab a poster from")
    return True


def extract_audio(source: Path, target: Path, info: MediaInfo,
                  progress: Callable[[float], None] | None = None) -> None:
    """16 kHz mono WAV: what Whisper and the speech analysis read. A hole in the audio (a live
    publisher's drop, kept as lesson time) becomes silence, so speech after it keeps its lesson time."""
    with new_file(target) as tmp:
        run_ffmpeg([*_flat(input_args(source)), "-i", str(source), "-vn", "-af", "aresample=async=1",
                    "-ac", "1", "-ar", "16000",
                    "-c:a", "pcm_s16le", str(tmp)], info.duration, progress, what="extract audio from")


def _flat(options: dict[str, Any]) -> list[str]:
    return [item for key, value in options.items() for item in (f"-{key}", str(value))]


def ladder_json(ladder: list[Rendition]) -> list[dict[str, Any]]:
    return [asdict(r) for r in ladder]
