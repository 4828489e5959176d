"""Slides (课件) and a blackboard (板书) for synthetic lessons, changing at known times.

A scene fills the top three quarters of the picture, like the coloured cards of ``synth_lesson``, over
ffmpeg's moving ``testsrc2`` pattern (its bottom quarter stays visible and moves all the time):

- ``slide``: a printed slide (WenQuanYi Micro Hei), a title bar and bullet lines;
- ``board``: chalk on a green board in a brush-written font (AR PL UKai), every character a little
  turned, shifted and sized differently, as a hand writes; a board scene lists every line on the board
  then, so lines added one by one stay where they were;
- ``blank``: an empty card; ``picture``: shapes without any text (a diagram).

``deck`` makes a long lesson's scenes: a different slide every ``seconds``, every fourth one a board that
is filled over the next scenes. Ground truth: ``phrase_times`` — every line and when it first appeared.
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SLIDE_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
BOARD_FONT = Path("/usr/share/fonts/truetype/arphic/ukai.ttc")
CARD_SHARE = 0.75  # of the picture's height


@dataclass(frozen=True)
class Scene:
    start: float
    kind: str  # slide / board / blank / picture
    lines: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return asdict(self)


def scene_from_json(data: dict) -> Scene:
    return Scene(float(data["start"]), str(data["kind"]), tuple(data.get("lines", ())))


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    if not path.is_file():
        raise RuntimeError(f"font {path} is missing: run make setup (.ci/system-deps.sh installs it)")
    return ImageFont.truetype(str(path), size)


def _slide(draw: ImageDraw.ImageDraw, scene: Scene, width: int, height: int) -> None:
    draw.rectangle((0, 0, width, height), fill=(246, 247, 250, 255))
    bar = int(height * 0.2)
    draw.rectangle((0, 0, width, bar), fill=(31, 78, 121, 255))
    if not scene.lines:
        return
    title = _font(SLIDE_FONT, int(height * 0.085))
    draw.text((int(width * 0.06), bar // 2), scene.lines[0], font=title, fill=(255, 255, 255, 255), anchor="lm")
    body = _font(SLIDE_FONT, int(height * 0.068))
    y = bar + int(height * 0.08)
    for line in scene.lines[1:]:
        draw.ellipse((int(width * 0.06), y + int(height * 0.025), int(width * 0.06) + 12,
                      y + int(height * 0.025) + 12), fill=(197, 90, 17, 255))
        draw.text((int(width * 0.09), y), line, font=body, fill=(30, 30, 30, 255))
        y += int(height * 0.125)


def _board(image: Image.Image, scene: Scene, width: int, height: int, seed: int) -> None:
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height), fill=(36, 67, 47, 255))
    draw.rectangle((0, 0, width - 1, height - 1), outline=(120, 84, 48, 255), width=max(4, width // 120))
    size = int(height * 0.085)
    y = int(height * 0.1)
    for n, line in enumerate(scene.lines):
        rng = random.Random(f"{seed}:{line}")  # the same line looks the same in every scene it is in
        x = int(width * 0.07) + rng.randint(0, width // 40)
        for ch in line:
            glyph_size = int(size * rng.uniform(0.92, 1.08))
            font = _font(BOARD_FONT, glyph_size)
            glyph = Image.new("RGBA", (glyph_size * 2, glyph_size * 2), (0, 0, 0, 0))
            chalk = rng.randint(225, 250)
            ImageDraw.Draw(glyph).text((glyph_size // 2, glyph_size // 2), ch, font=font,
                                        fill=(chalk, chalk, chalk - 12, 255))
            glyph = glyph.rotate(rng.uniform(-5, 5), resample=Image.Resampling.BICUBIC)
            image.alpha_composite(glyph, (x - glyph_size // 2, y + rng.randint(-3, 3) - glyph_size // 2))
            advance = font.getlength(ch)
            x += int(advance * rng.uniform(0.98, 1.1))
        y += int(size * 1.55) + (n % 2) * 4


def _picture(draw: ImageDraw.ImageDraw, width: int, height: int, seed: int) -> None:
    rng = random.Random(seed)
    draw.rectangle((0, 0, width, height), fill=(250, 248, 240, 255))
    for _ in range(7):
        x, y, r = rng.randint(0, width), rng.randint(0, height), rng.randint(height // 14, height // 5)
        colour = (rng.randint(40, 220), rng.randint(40, 220), rng.randint(40, 220), 255)
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), outline=colour, width=6)
        else:
            draw.polygon([(x, y - r), (x + r, y + r), (x - r, y + r)], outline=colour, width=6)
    draw.line((width * 0.1, height * 0.9, width * 0.9, height * 0.9), fill=(60, 60, 60, 255), width=5)


def render_card(scene: Scene, width: int, height: int, seed: int = 3) -> Image.Image:
    """The full-size overlay of a scene: the card on top, transparent below it."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    card_h = int(height * CARD_SHARE)
    card = Image.new("RGBA", (width, card_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(card)
    if scene.kind == "slide":
        _slide(draw, scene, width, card_h)
    elif scene.kind == "board":
        _board(card, scene, width, card_h, seed)
    elif scene.kind == "picture":
        _picture(draw, width, card_h, seed + int(scene.start))
    else:
        draw.rectangle((0, 0, width, card_h), fill=(84, 130, 53, 255))
    image.alpha_composite(card)
    return image


def render_video(folder: Path, scenes: list[Scene], audio: Path, duration: float, size: str, fps: int) -> Path:
    """testsrc2 under the scenes' cards (switching at their exact start times) and the lesson's audio."""
    width, height = (int(v) for v in size.split("x"))
    cards = folder / "cards"
    cards.mkdir(exist_ok=True)
    listing = ["ffconcat version 1.0"]
    ordered = sorted(scenes, key=lambda s: s.start)
    if not ordered or ordered[0].start > 0:
        ordered.insert(0, Scene(0.0, "blank"))
    for i, scene in enumerate(ordered):
        name = cards / f"scene{i:04d}.png"
        render_card(scene, width, height).save(name)
        end = ordered[i + 1].start if i + 1 < len(ordered) else duration
        listing += [f"file '{name.name}'", f"duration {max(1.0 / fps, end - scene.start):.3f}"]
    listing.append(f"file '{(cards / f'scene{len(ordered) - 1:04d}.png').name}'")  # the last duration counts
    (cards / "list.ffconcat").write_text("\n".join(listing) + "\n")
    video = folder / "lesson.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}:duration={duration:.3f}",
         "-f", "concat", "-safe", "0", "-i", str(cards / "list.ffconcat"), "-i", str(audio),
         "-filter_complex", "[1:v]format=rgba,setpts=PTS-STARTPTS[c];[0:v][c]overlay=0:0:eof_action=repeat[v]",
         "-map", "[v]", "-map", "2:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-g", str(fps * 2), "-c:a", "aac", "-b:a", "64k", "-shortest", "-movflags", "+faststart", str(video)],
        check=True,
    )
    return video


def phrase_times(scenes: list[Scene]) -> list[tuple[str, float, str]]:
    """(line, when it first appeared, slide or board) for every line of every run of scenes showing it."""
    out: list[tuple[str, float, str]] = []
    shown: set[str] = set()
    for scene in sorted(scenes, key=lambda s: s.start):
        now = set(scene.lines)
        out += [(line, scene.start, scene.kind) for line in scene.lines if line not in shown]
        shown = now
    return out


# ---- a long lesson's deck ------------------------------------------------------------------------

TOPICS = ["分数的加法", "异分母分数", "通分与约分", "最小公倍数", "分数的意义", "比较分数大小", "分数与除法",
          "解决问题", "练习与巩固", "课堂小结"]
POINTS = ["把单位一平均分成若干份", "分母表示平均分的份数", "分子表示取了几份", "同分母分数直接相加",
          "异分母分数先通分", "找两个分母的最小公倍数", "分子相加分母不变", "计算结果要化成最简分数",
          "约分时用最大公因数", "画图帮助理解分数", "用线段图表示数量关系", "说一说你的想法",
          "同桌互相检查", "比一比谁的方法好", "先估计再计算", "验算保证结果正确", "举例说明算理",
          "分数可以化成小数", "带分数化成假分数", "假分数化成带分数", "单位一可以是一个整体",
          "通分后分数大小不变", "比较时先统一分母", "分子相同比分母", "列式时写清单位"]
BOARD_LINES = ["板书：异分母分数加法", "一、先通分", "二、再相加", "三、要约分", "二分之一加三分之一",
               "等于六分之五", "四分之三减二分之一", "等于四分之一", "小结：统一分数单位"]


def deck(duration: float, seconds: float = 15.0, seed: int = 5) -> list[Scene]:
    """Scenes every ``seconds`` over ``duration``: distinct slides, and boards written line by line."""
    rng = random.Random(seed)
    scenes: list[Scene] = []
    t, page, board_lines = seconds, 0, 0
    while t < duration - 1:
        if page % 4 == 3:  # a board scene, three steps of writing on it
            count = 2 + board_lines % (len(BOARD_LINES) - 1)
            lines = [BOARD_LINES[(board_lines + i) % len(BOARD_LINES)] for i in range(min(count, 4))]
            scenes.append(Scene(round(t, 2), "board", tuple(lines)))
            board_lines += 1
        else:
            topic = TOPICS[page % len(TOPICS)]
            points = rng.sample(POINTS, 3)
            scenes.append(Scene(round(t, 2), "slide", (f"{topic}（第{page + 1}页）", *points)))
        page += 1
        t += seconds
    return scenes
