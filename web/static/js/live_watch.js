// Crowd page (手机直播 + 延时点播): the live HLS with hls.js; native HLS only where hls.js cannot run
// (iOS Safari). The same playlist becomes the replay when the lesson ends.
import { pageData, t } from "/static/js/app.js";
import { grant } from "/static/js/live.js";

const data = pageData("live-data");
const $ = (id) => document.getElementById(id);
const video = $("player");
const state = $("live-state");

function say(key) { state.dataset.state = key; state.textContent = t(`live.watch.${key}`); }

async function waitForStream() {
  for (;;) {
    try {
      const g = await grant(data.lesson.id, "watch");
      if (g.hls_ready) return g;
      say("waiting");
    } catch (err) {
      say(err.code === "lesson_ready" ? "over" : "error");
      if (err.code === "lesson_ready") return null;
    }
    await new Promise((r) => setTimeout(r, 3000));
  }
}

/** One menu entry per picture size: when the camera already sends 360p, the source copy and the 360p
 * rendition are the same size, and the one with the higher bitrate is kept. [label, level index] pairs. */
export function distinctLevels(levels) {
  const best = new Map();
  levels.forEach((level, i) => {
    const label = level.height ? `${level.height}p` : `#${i + 1}`;
    const kept = best.get(label);
    if (kept === undefined || (level.bitrate || 0) > (levels[kept].bitrate || 0)) best.set(label, i);
  });
  return [...best.entries()];
}

// hls.js hides an audio-only variant when video variants exist: "audio only" loads that playlist itself.
function qualityMenu(hls, g) {
  const menu = $("quality");
  menu.replaceChildren(new Option(t("live.quality.auto"), "-1"));
  for (const [label, i] of distinctLevels(hls.levels)) menu.append(new Option(label, String(i)));
  menu.append(new Option(t("live.quality.audio"), "audio"));
  menu.classList.remove("hidden");
  $("quality-label").classList.remove("hidden");
  menu.onchange = () => {
    const audioOnly = menu.value === "audio";
    if (audioOnly !== hls.audioOnly) {
      hls.audioOnly = audioOnly;
      hls.loadSource(audioOnly ? g.hls_audio_url : g.hls_url);
    }
    if (!audioOnly) hls.currentLevel = Number(menu.value);
  };
}

async function play(g) {
  say(g.hls_ended ? "replay" : "live");
  const { default: Hls } = await import("/static/vendor/hls/hls.light.min.mjs");
  if (Hls.isSupported()) {
    const hls = new Hls({ liveSyncDurationCount: 3, enableWorker: true });
    window.liveHls = hls; // tests check that hls.js is really the player
    hls.on(Hls.Events.MANIFEST_PARSED, () => { if (!hls.menuBuilt) { hls.menuBuilt = true; qualityMenu(hls, g); } video.play().catch(() => null); });
    hls.on(Hls.Events.ERROR, (_, err) => {
      if (!err.fatal) return;
      if (err.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else setTimeout(() => hls.startLoad(), 2000);
    });
    hls.loadSource(g.hls_url);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = g.hls_url;
    video.play().catch(() => null);
  } else {
    say("unsupported");
  }
}

waitForStream().then((g) => g && play(g));
