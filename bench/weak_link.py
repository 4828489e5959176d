"""The rural teacher's journey on a weak link, before and after: Chromium on a phone (375×812) throttled by
CDP ``Network.emulateNetworkConditions`` to 100 kbit/s / 300 ms and to 500 kbit/s / 150 ms.

For each link and each version of the code it reports, from a cold cache:
- the time and bytes of each page (sign-in page, signing in to home, library, a search, the player);
- for the player: time to first audio (the mode the player picks by itself), time to the first picture of the
  standard ladder (a second cold visit with the standard mode chosen), and the full page (the transcript shown).

The baseline is measured in the same run: today's code (``git merge-base HEAD main`` unless ``--baseline``
names another commit) checked out in a temporary worktree, its own pipeline processing the same synthetic
lesson into its own data folder, served by its own uvicorn. Prints a table and writes JSON
(``bench/results/weak_link.json``). Times are capped (``--cap``): a capped figure is printed as ``>cap``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.sync_api import Browser, Page, sync_playwright

REPO = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--autoplay-policy=no-user-gesture-required", "--disable-component-update", "--no-first-run"]
PHONE = {"width": 375, "height": 812}
LINKS = {"100k/300ms": (100, 300), "500k/150ms": (500, 150)}
MEDIA_BYTES = (".ts", ".m4s", ".mp4", ".m4a")  # the stream itself, not the page
PASSWORD = "tingke-demo"


@dataclass
class Visit:
    seconds: float | None  # None: not reached within the cap
    page_bytes: int
    media_bytes: int


@dataclass
class Run:
    version: str
    link: str
    pages: dict[str, Visit] = field(default_factory=dict)
    player: dict[str, float | None] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def baseline_tree(commit: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="tingke-baseline-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), commit], cwd=REPO, check=True,
                   capture_output=True)
    (folder / "web" / "node_modules").symlink_to(REPO / "web" / "node_modules")
    try:
        yield folder
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=REPO, capture_output=True)


def prepare(tree: Path, data: Path, minutes: float) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(REPO / "bench" / "weak_link_prepare.py"), str(tree), str(data),
                          str(minutes)], cwd=tree, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"preparing {tree} failed:\n{out.stderr[-3000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


@contextmanager
def serve(tree: Path, data: Path, db_url: str) -> Iterator[str]:
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(tree), TINGKE_DATA_DIR=str(data), TINGKE_DATABASE_URL=db_url,
               TINGKE_SECRET_KEY="bench-weak-link-secret-0123456789")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port",
                             str(port), "--log-level", "warning"], cwd=tree, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


class Throttled:
    """A phone context whose one page is throttled and whose transfers are counted (CDP Network events)."""

    def __init__(self, browser: Browser, base: str, kbps: int, latency_ms: int) -> None:
        self.context = browser.new_context(base_url=base, viewport=PHONE, is_mobile=True, has_touch=True,
                                           locale="zh-CN")
        self.page = self.context.new_page()
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        self.cdp.send("Network.emulateNetworkConditions", {
            "offline": False, "latency": latency_ms, "downloadThroughput": kbps * 1000 / 8,
            "uploadThroughput": kbps * 1000 / 8})
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        self.cdp.on("Network.loadingFinished",
                    lambda e: self.bytes.__setitem__(e["requestId"], int(e.get("encodedDataLength", 0))))

    def reset(self) -> None:
        self.urls.clear()
        self.bytes.clear()

    def counted(self) -> tuple[int, int]:
        page = media = 0
        for request_id, size in self.bytes.items():
            path = self.urls.get(request_id, "").split("?", 1)[0]
            if path.endswith(MEDIA_BYTES):
                media += size
            else:
                page += size
        return page, media

    def close(self) -> None:
        self.context.close()


def timed(page: Page, start: float, condition: str, cap: float) -> float | None:
    try:
        page.wait_for_function(condition, timeout=max(1.0, cap - (time.monotonic() - start)) * 1000, polling=100)
    except Exception:
        return None
    return round(time.monotonic() - start, 2)


def visit(t: Throttled, path: str, ready: str, cap: float, settle: float = 1.5) -> Visit:
    t.reset()
    start = time.monotonic()
    t.page.goto(path, wait_until="commit")
    seconds = timed(t.page, start, ready, cap)
    t.page.wait_for_timeout(settle * 1000)  # what loads right after (images, translations) counts too
    return Visit(seconds, *t.counted())


PLAYER_STARTS = """() => { const v = document.getElementById('video'); if (!v) return false;
  if (!window.__bench) { window.__bench = {};
    v.muted = true;
    const mark = (k) => { if (!window.__bench[k]) window.__bench[k] = performance.now() / 1000; };
    v.addEventListener('timeupdate', () => { if (v.currentTime > 0.2) { mark('audio');
      if (v.videoWidth > 0) mark('picture'); } });
  }
  if (v.paused && (v.currentSrc || v.src)) v.play().catch(() => {});
  return false; }"""


def player_visit(browser: Browser, base: str, link: tuple[int, int], lesson: int, cap: float,
                 mode: str | None) -> tuple[Visit, dict[str, float | None]]:
    """A cold visit of the player (signed in over loopback first, so only the player page is measured)."""
    t = Throttled(browser, base, *link)
    try:
        sign_in_fast(t.page)
        if mode:
            t.page.evaluate(f"localStorage.setItem('tingke.playback', '{mode}');"
                            f"document.cookie = 'tingke_playback={mode}; path=/'")  # as ticking the box does
        t.cdp.send("Network.clearBrowserCache")
        t.reset()
        start = time.monotonic()
        t.page.goto(f"/lessons/{lesson}/play", wait_until="commit")
        t.page.wait_for_selector("#video", state="attached", timeout=cap * 1000)
        figures: dict[str, float | None] = {"audio": None, "picture": None, "full_page": None}
        deadline = start + cap
        while time.monotonic() < deadline:
            t.page.evaluate(PLAYER_STARTS)
            marks = t.page.evaluate("window.__bench")
            full = t.page.evaluate("document.querySelectorAll('#transcript .segment').length > 0")
            if full and figures["full_page"] is None:
                figures["full_page"] = round(time.monotonic() - start, 2)
            for key in ("audio", "picture"):  # seconds since the navigation started (performance.now())
                if marks.get(key) and figures[key] is None:
                    figures[key] = round(marks[key], 2)
            wanted = ("audio", "full_page") if mode != "standard" else ("picture", "full_page")
            if all(figures[k] is not None for k in wanted):
                break
            t.page.wait_for_timeout(100)
        page_bytes, media = t.counted()
        low = t.page.evaluate("document.getElementById('low-bandwidth')?.checked ?? false")
        figures["low_bandwidth_mode"] = float(bool(low))
        return Visit(figures["full_page"], page_bytes, media), figures
    finally:
        t.close()


def sign_in_fast(page: Page) -> None:
    page.goto("/login")
    page.fill("input[name=username]", "teacher1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def journey(browser: Browser, base: str, version: str, link_name: str, lesson: int, phrase: str,
            cap: float) -> Run:
    link = LINKS[link_name]
    run = Run(version, link_name)
    t = Throttled(browser, base, *link)
    try:
        run.pages["login"] = visit(t, "/login", "document.readyState === 'complete'", cap)
        t.reset()
        start = time.monotonic()
        t.page.fill("input[name=username]", "teacher1")
        t.page.fill("input[name=password]", PASSWORD)
        t.page.click("button[type=submit]")
        reached = timed(t.page, start, "location.pathname === '/' && document.readyState === 'complete'", cap)
        t.page.wait_for_timeout(1500)
        run.pages["sign_in_home"] = Visit(reached, *t.counted())
        run.pages["library"] = visit(t, "/library", "document.readyState === 'complete'", cap)
        run.pages["search"] = visit(t, f"/library?q={quote(phrase)}",
                                    "(document.getElementById('results-count')?.textContent || '') !== ''", cap)
    finally:
        t.close()
    visit_auto, auto = player_visit(browser, base, link, lesson, cap, None)
    _visit_std, std = player_visit(browser, base, link, lesson, cap, "standard")
    run.pages["player"] = visit_auto
    run.player = {"first_audio_s": auto["audio"], "low_bandwidth_mode": auto["low_bandwidth_mode"],
                  "full_page_s": auto["full_page"], "standard_first_picture_s": std["picture"],
                  "standard_full_page_s": std["full_page"], "player_media_bytes": visit_auto.media_bytes}
    return run


def fmt(value: float | None, cap: float) -> str:
    return f">{cap:.0f}" if value is None else f"{value:.1f}"


def table(runs: list[Run], cap: float) -> str:
    lines = [f"{'link':<11} {'version':<9} {'page':<13} {'seconds':>8} {'page KB':>8} {'media KB':>9}"]
    for r in runs:
        for name, v in r.pages.items():
            lines.append(f"{r.link:<11} {r.version:<9} {name:<13} {fmt(v.seconds, cap):>8} "
                         f"{v.page_bytes / 1024:>8.1f} {v.media_bytes / 1024:>9.1f}")
    lines.append("")
    lines.append(f"{'link':<11} {'version':<9} {'first audio':>12} {'low mode':>9} {'full page':>10} "
                 f"{'std picture':>12} {'std full':>9}")
    for r in runs:
        p = r.player
        lines.append(f"{r.link:<11} {r.version:<9} {fmt(p['first_audio_s'], cap):>12} "
                     f"{'yes' if p['low_bandwidth_mode'] else 'no':>9} {fmt(p['full_page_s'], cap):>10} "
                     f"{fmt(p['standard_first_picture_s'], cap):>12} {fmt(p['standard_full_page_s'], cap):>9}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="", help="commit of the baseline (default: merge-base with main)")
    parser.add_argument("--minutes", type=float, default=2.0, help="length of the synthetic lesson")
    parser.add_argument("--cap", type=float, default=60.0, help="give up on a figure after this many seconds")
    parser.add_argument("--links", default=",".join(LINKS), help="comma-separated: " + ", ".join(LINKS))
    parser.add_argument("--no-baseline", action="store_true", help="measure this tree only")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "weak_link.json")
    args = parser.parse_args()
    commit = args.baseline or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=REPO, capture_output=True,
                                             text=True, check=True).stdout.strip()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="tingke-weak-link-") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        versions: list[tuple[str, Path]] = [("this", REPO)]
        trees: Any = baseline_tree(commit) if not args.no_baseline else None
        try:
            if trees is not None:
                versions.insert(0, ("baseline", trees.__enter__()))
            for version, tree in versions:
                data = Path(tmp) / version
                data.mkdir()
                made = prepare(tree, data, args.minutes)
                with serve(tree, data, made["database_url"]) as base:
                    for link in args.links.split(","):
                        runs.append(journey(browser, base, version, link, made["lesson"], made["phrase"], args.cap))
                        print(table(runs[-1:], args.cap), flush=True)
        finally:
            if trees is not None:
                trees.__exit__(None, None, None)
            browser.close()
    print("\n" + table(runs, args.cap))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"baseline_commit": commit, "minutes": args.minutes, "cap_seconds": args.cap,
                                    "runs": [asdict(r) for r in runs]}, ensure_ascii=False, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
