// The lesson player: HLS with a quality choice, subtitles, a low-bandwidth mode (audio-only rendition
// plus the key-frame storyboard), a download for offline viewing, and the clickable transcript.
import { api, clock, pageData, t } from "/static/js/app.js";
import { loadMedia, playHls } from "/static/js/media.js";

const data = pageData("player-data");
const $ = (id) => document.getElementById(id);
const video = $("video");
let hls = null;
let media = null;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function seek(seconds) {
  video.currentTime = seconds;
  video.play().catch(() => {});
}

function fillQualities() {
  const select = $("quality");
  select.replaceChildren(el("option", { value: "-1", textContent: t("player.quality.auto") }));
  (hls?.levels || []).forEach((level, i) => {
    const label = level.height ? `${level.height}p · ${Math.round(level.bitrate / 1000)} kbit/s` : t("player.quality.audio");
    select.append(el("option", { value: String(i), textContent: label }));
  });
  select.disabled = !hls;
}

async function start(url, at) {
  hls?.destroy();
  hls = await playHls(video, url, at);
  if (hls) hls.on("hlsManifestParsed", fillQualities);
  video.addEventListener("loadedmetadata", () => {
    if (Math.abs(video.currentTime - at) > 1) video.currentTime = at;
  }, { once: true });
}

$("quality").addEventListener("change", () => { if (hls) hls.currentLevel = Number($("quality").value); });
$("subtitles").addEventListener("change", () => {
  for (const track of video.textTracks) track.mode = $("subtitles").checked ? "showing" : "disabled";
});

// Low bandwidth: the audio-only rendition in the same element, and the key frame of the moment.
function showStoryboard() {
  const frames = media?.storyboard || [];
  let current = null;
  for (const f of frames) if (f.t <= video.currentTime + 0.25) current = f;
  if (current && $("storyboard-img").dataset.t !== String(current.t)) {
    $("storyboard-img").src = current.url;
    $("storyboard-img").dataset.t = String(current.t);
    $("storyboard-time").textContent = `${t("player.storyboard")} ${clock(current.t)}`;
  }
}
$("low-bandwidth").addEventListener("change", async () => {
  const low = $("low-bandwidth").checked;
  const at = video.currentTime;
  const playing = !video.paused;
  $("storyboard").classList.toggle("hidden", !low);
  $("video-box").classList.toggle("hidden", low);
  await start(low ? media.audio_only : media.hls, at);
  if (low) showStoryboard();
  if (playing) video.play().catch(() => {});
});
video.addEventListener("timeupdate", () => { if ($("low-bandwidth").checked) showStoryboard(); });

async function renderTranscript() {
  let reply;
  try { reply = await api("GET", `/api/lessons/${data.lesson_id}/transcript`); } catch { return; }
  const box = $("transcript");
  box.replaceChildren(...reply.segments.map((seg) => {
    const b = el("button", { type: "button", className: "link time-link", textContent: clock(seg.start) });
    b.addEventListener("click", () => seek(seg.start));
    return el("p", { className: "segment" }, b, " ", seg.text);
  }));
}

media = await loadMedia(data.lesson_id);
if (media?.hls) {
  await start(media.hls, data.start || 0);
  if (media.poster) video.poster = media.poster;
  if (media.download) { $("download").href = media.download; $("download").classList.remove("hidden"); }
  $("low-bandwidth").disabled = !media.audio_only;
  renderTranscript();
} else {
  $("video-box").classList.add("hidden");
  $("player-controls").classList.add("hidden");
  $("no-media").textContent = t(media?.job && ["queued", "running"].includes(media.job.state) ? "player.processing" : "player.no_media");
  $("no-media").classList.remove("hidden");
}
