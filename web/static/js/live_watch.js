// Crowd page (手机直播 + 延时点播): the live HLS with hls.js; native HLS only where hls.js cannot run
// (iOS Safari). The same playlist becomes the replay when the lesson ends; if its teacher resumes the
// lesson, the playlists grow again (the relay appends to them) and the page goes back to live by itself.
import { pageData, t } from "/static/js/app.js";
import { grant } from "/static/js/live.js";
import { awaitLive } from "/static/js/live_again.js";

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
// (hls.grant: the latest watch grant, renewed when a resumed lesson is watched live again)
function qualityMenu(hls) {
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
      hls.loadSource(audioOnly ? hls.grant.hls_audio_url : hls.grant.hls_url);
    }
    if (!audioOnly) hls.currentLevel = Number(menu.value);
  };
}

/** The replay is playing: when the lesson is live again and its playlists are open (no ENDLIST), call
 * `reload(grant)`. At most one wait at a time (live_again.js asks the API every 10 s, for 30 minutes). */
let following = false;
function followResume(reload) {
  if (following) return;
  following = true;
  awaitLive(data.lesson.id, "watch", (g) => { following = false; reload(g); },
            { when: (g) => g.hls_ready && !g.hls_ended });
}

async function play(g) {
  say(g.hls_ended ? "replay" : "live");
  const { default: Hls } = await import("/static/vendor/hls/hls.light.min.mjs");
  if (Hls.isSupported()) {
    const hls = new Hls({ liveSyncDurationCount: 3, enableWorker: true });
    window.liveHls = hls; // tests check that hls.js is really the player
    hls.grant = g;
    const backToLive = (fresh) => {
      say("live");
      hls.grant = fresh; // fresh signed URLs (the earlier ones may have expired)
      hls.audioOnly = false;
      $("quality").value = "-1";
      hls.loadSource(fresh.hls_url); // a live playlist again: hls.js starts at its live edge
    };
    // a playlist with ENDLIST: the lesson ended (or ends while we watch): watch for a resume
    hls.on(Hls.Events.LEVEL_LOADED, (_, loaded) => {
      if (loaded.details.live) return;
      say("replay");
      followResume(backToLive);
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => { if (!hls.menuBuilt) { hls.menuBuilt = true; qualityMenu(hls); } video.play().catch(() => null); });
    hls.on(Hls.Events.ERROR, (_, err) => {
      if (!err.fatal) return;
      if (err.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else setTimeout(() => hls.startLoad(), 2000);
    });
    hls.loadSource(g.hls_url);
    hls.attachMedia(video);
  } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
    const native = (fresh) => {
      say(fresh.hls_ended ? "replay" : "live");
      video.src = fresh.hls_url;
      video.play().catch(() => null);
    };
    native(g);
    video.addEventListener("ended", () => followResume(native)); // Safari reaches the end of the replay
    if (g.hls_ended) followResume(native);
  } else {
    say("unsupported");
  }
}

waitForStream().then((g) => g && play(g));
