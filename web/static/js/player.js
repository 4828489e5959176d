// The lesson player: HLS with a quality choice, subtitles, a low-bandwidth mode (audio-only rendition plus the
// key-frame storyboard) that a weak link gets first, downloads, saving for offline use, and the transcript,
// which follows playback. The page carries the media listing, so nothing waits for a round trip before the
// poster and playback; the transcript and subtitles load on their own, whatever happens to the player.
import { api, clock, markFirstSound, pageData, t } from "/static/js/app.js";
import { frameAt, spokenText, subtitleTrack } from "/static/js/keyframes.js";
import { choosePlayback, rememberPlayback } from "/static/js/link.js";
import { loadMedia, playHls, playsHlsNatively } from "/static/js/media.js";

const data = pageData("player-data");
const $ = (id) => document.getElementById(id);
const video = $("video");
let hls = null;
let media = data.media || await loadMedia(data.lesson_id);
let segments = [];

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function seek(seconds) {
  video.currentTime = seconds;
  video.play().catch(() => {});
}

// ---- quality ------------------------------------------------------------------------------------

function qualityLabel(height, bitrate) {
  return height ? `${height}p · ${Math.round(bitrate / 1000)} kbit/s` : t("player.quality.audio");
}

/** hls.js levels, or, where the browser plays HLS itself, the listing's video renditions (by URL). */
function fillQualities() {
  const select = $("quality");
  select.replaceChildren(el("option", { value: "-1", textContent: t("player.quality.auto") }));
  if (hls) {
    hls.levels.forEach((level, i) => select.append(el("option", { value: String(i), textContent: qualityLabel(level.height, level.bitrate) })));
  } else {
    const seen = new Set();
    for (const r of media.renditions.filter((r) => !r.audio_only).sort((a, b) => b.height - a.height)) {
      if (seen.has(r.height)) continue;
      seen.add(r.height);
      select.append(el("option", { value: r.url, textContent: qualityLabel(r.height, r.bandwidth) }));
    }
  }
  select.disabled = lowBandwidth();
}

async function start(url, at) {
  hls?.destroy();
  hls = await playHls(video, url, at);
  if (hls) hls.on("hlsManifestParsed", fillQualities);
  else fillQualities();
  video.addEventListener("loadedmetadata", () => {
    if (Math.abs(video.currentTime - at) > 1) video.currentTime = at;
  }, { once: true });
}

async function restart(url) {
  const at = video.currentTime || data.start || 0;
  const playing = !video.paused;
  await start(url, at);
  if (playing) video.play().catch(() => {});
}

$("quality").addEventListener("change", () => {
  const value = $("quality").value;
  if (hls) hls.currentLevel = Number(value);
  else restart(value === "-1" ? media.hls : value);
});

// ---- subtitles: on the picture, or under the key frame in the low-bandwidth mode ------------------

let subtitlesLoaded = false;  // the track loads once it has a mode: on a weak link, after the first sound
function showSubtitles() {
  const on = $("subtitles").checked;
  const track = subtitlesLoaded ? subtitleTrack(video) : null;
  // In the low-bandwidth mode the picture is hidden: the cues are read out under the key frame instead.
  if (track) track.mode = on ? (lowBandwidth() ? "hidden" : "showing") : "disabled";
  $("storyboard-caption").classList.toggle("hidden", !on);
  showCaption();
}

function showCaption() {
  $("storyboard-caption").textContent = spokenText(video);
}

$("subtitles").addEventListener("change", showSubtitles);
video.textTracks.addEventListener("addtrack", () => { subtitleTrack(video)?.addEventListener("cuechange", showCaption); showSubtitles(); });
subtitleTrack(video)?.addEventListener("cuechange", showCaption);

// ---- low bandwidth: the audio-only rendition in the same element, and the key frame of the moment --------

function lowBandwidth() {
  return $("low-bandwidth").checked;
}

let picturesWait = true;  // on a weak link the key frames wait for the first sound, like the subtitles
function showStoryboard() {
  if (picturesWait) return;
  const current = frameAt(media?.storyboard, video.currentTime || data.start || 0);
  if (current && $("storyboard-img").dataset.t !== String(current.t)) {
    $("storyboard-img").src = current.url;
    $("storyboard-img").dataset.t = String(current.t);
    $("storyboard-time").textContent = `${t("player.storyboard")} ${clock(current.t)}`;
  }
}

function showMode() {
  const low = lowBandwidth();
  $("storyboard").classList.toggle("hidden", !low);
  $("video-box").classList.toggle("hidden", low);
  $("quality").disabled = low;
  if (low) showStoryboard();
  showSubtitles();
}

$("low-bandwidth").addEventListener("change", async () => {
  rememberPlayback(lowBandwidth() ? "low" : "standard");
  $("link-note").textContent = "";
  showMode();
  await restart(lowBandwidth() ? media.audio_only : media.hls);
});
video.addEventListener("timeupdate", () => {
  if (lowBandwidth()) showStoryboard();
  followTranscript();
});

// ---- the transcript: loaded on its own, the spoken line marked as playback goes ------------------------

async function renderTranscript() {
  let reply, lineBody;
  try {
    // loaded here, not with the page: on a weak link its bytes would share the link with the first audio
    [reply, { lineBody }] = await Promise.all([api("GET", `/api/lessons/${data.lesson_id}/transcript`),
                                               import("/static/js/transcript_lines.js")]);
  } catch { return; }
  segments = reply.segments;
  $("transcript").replaceChildren(...segments.map((seg) => {
    const b = el("button", { type: "button", className: "link time-link", textContent: clock(seg.start) });
    b.addEventListener("click", () => seek(seg.start));
    return el("p", { className: "segment" }, b, " ", lineBody(data.lesson_id, seg, data.may_correct, reloadSubtitles));
  }));
  followTranscript();
}

/** After a correction: the side-loaded track fetches the subtitles again (the API makes them from the transcript). */
function reloadSubtitles() {
  const track = video.querySelector("track");
  if (!track) return;
  const url = new URL(track.getAttribute("src"), location.href);
  url.searchParams.set("v", String(Date.now()));
  const fresh = track.cloneNode();
  fresh.src = url.pathname + url.search;
  track.replaceWith(fresh);
}

let spoken = -1;
function followTranscript() {
  if (!segments.length) return;
  const now = video.currentTime;
  let i = -1;
  for (let lo = 0, hi = segments.length - 1; lo <= hi;) {  // the last line that started by now
    const mid = (lo + hi) >> 1;
    if (segments[mid].start <= now + 0.05) { i = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (i === spoken) return;
  const box = $("transcript");
  box.children[spoken]?.removeAttribute("aria-current");
  spoken = i;
  const line = box.children[i];
  if (!line) return;
  line.setAttribute("aria-current", "true");
  box.scrollTop = Math.max(0, line.offsetTop - box.offsetTop - box.clientHeight / 3);  // the box, not the page
}

// ---- downloads and offline -----------------------------------------------------------------------

function offerDownloads() {
  const links = [["download", media.download], ["download-audio", media.audio_download]];
  for (const [id, url] of links) {
    $(id).classList.toggle("hidden", !url);
    if (url) $(id).href = url;
  }
  $("downloads").classList.toggle("hidden", !links.some(([, url]) => url));
  if ("serviceWorker" in navigator && "caches" in window && (media.audio_download || media.download)) {
    $("offline-save").classList.remove("hidden");
    $("save-offline-audio").classList.toggle("hidden", !media.audio_download);
    $("save-offline-video").classList.toggle("hidden", !media.download);
  }
}

async function saveOffline(kind) {
  const { saveLesson } = await import("/static/js/offline.js");
  const status = $("offline-status");
  const buttons = [$("save-offline-audio"), $("save-offline-video")];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    await saveLesson({ lessonId: data.lesson_id, title: document.querySelector("h1").textContent,
                       teacher: data.teacher, school: data.school, kind, media },
                     (done, total) => { status.textContent = t("offline.saving", { percent: total ? Math.floor((done / total) * 100) : 0 }); });
    status.textContent = t("offline.saved");
  } catch (err) {
    status.textContent = t("offline.failed", { reason: err?.message || String(err) });
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}
$("save-offline-audio").addEventListener("click", () => saveOffline("audio"));
$("save-offline-video").addEventListener("click", () => saveOffline("video"));

// ---- start ---------------------------------------------------------------------------------------

function delay(ms) { return new Promise((resolve) => { setTimeout(resolve, ms); }); }

if (media?.hls) {
  const choice = data.mode ? { mode: data.mode, reason: "page" }
    : media.audio_only ? choosePlayback(data.weak_kbps) : { mode: "standard", reason: "no-audio-rendition" };
  const low = choice.mode === "low";
  $("low-bandwidth").disabled = !media.audio_only;
  $("low-bandwidth").checked = low;
  if (choice.reason === "weak") $("link-note").textContent = t("player.weak_link", { kbps: choice.link.kbps });
  offerDownloads();
  const given = video.getAttribute("src");  // the page may already play the audio-only rendition
  if (low && given === media.audio_only && playsHlsNatively(video)) {
    fillQualities();
    if (data.start) video.addEventListener("loadedmetadata", () => { video.currentTime = data.start; }, { once: true });
  } else {
    await start(low ? media.audio_only : media.hls, data.start || 0);
  }
  showMode();
  // On a weak link the subtitles and the transcript wait for the first sound (or a few seconds): they must not
  // delay it, and they do not depend on the player. The first sound is the clock moving, not "playing": a
  // browser that plays HLS itself says "playing" with one segment and waits for the next before it sounds.
  const firstSound = new Promise((resolve) => {
    const heard = () => {
      const played = video.played;
      if (!played.length || played.end(played.length - 1) - played.start(played.length - 1) < 0.05) return;
      video.removeEventListener("timeupdate", heard);
      resolve();
    };
    video.addEventListener("timeupdate", heard);
  });
  if (!low) picturesWait = false;
  Promise.race([firstSound, delay(low ? 3000 : 0)]).then(() => {
    markFirstSound();
    picturesWait = false;
    if (lowBandwidth()) showStoryboard();
    subtitlesLoaded = true;
    showSubtitles();
    renderTranscript();
  });
} else {
  $("video-box").classList.add("hidden");
  $("player-controls").classList.add("hidden");
  $("no-media").textContent = t(media?.job && ["queued", "running"].includes(media.job.state) ? "player.processing" : "player.no_media");
  $("no-media").classList.remove("hidden");
  renderTranscript();
}
