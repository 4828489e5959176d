// The offline list: lessons saved on this device (web/static/js/offline.js), played from the service
// worker's cache without a network, with their subtitles, and key frames for the audio-only ones.
import { t } from "/static/js/app.js";
import { followKeyFrames } from "/static/js/keyframes.js";
import { installWorker, offlineSupported, removeLesson, savedLessons } from "/static/js/offline.js";

const $ = (id) => document.getElementById(id);
const video = $("offline-video");
let keyFrames = null;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function play(entry) {
  const audio = entry.kind === "audio";
  $("offline-player").classList.remove("hidden");
  $("offline-playing").textContent = entry.title;
  $("offline-video-box").classList.toggle("hidden", audio);
  $("offline-frame").classList.toggle("hidden", !audio);
  video.replaceChildren(el("track", { kind: "subtitles", srclang: "zh", label: t("player.subtitles"),
                                      src: entry.subtitles, default: true }));
  video.poster = entry.poster || "";
  video.src = entry.file;
  const track = video.textTracks[0];
  if (track) track.mode = audio ? "hidden" : "showing";
  keyFrames = followKeyFrames(video, entry.storyboard, $("offline-frame-img"), $("offline-caption"));
  video.play().catch(() => {});
}

async function show() {
  const list = $("offline-list");
  if (!offlineSupported()) { $("offline-empty").textContent = t("offline.unsupported"); return; }
  await installWorker();
  const entries = await savedLessons();
  $("offline-empty").textContent = entries.length ? "" : t("offline.none");
  list.replaceChildren(...entries.map((entry) => {
    const playButton = el("button", { type: "button", className: "primary", textContent: t("offline.play") });
    playButton.addEventListener("click", () => play(entry));
    const remove = el("button", { type: "button", className: "link", textContent: t("offline.remove") });
    remove.addEventListener("click", async () => { await removeLesson(entry.lessonId); show(); });
    const when = new Date(entry.savedAt).toLocaleDateString(document.documentElement.lang);
    const item = el("li", { className: "result offline-item" },
      el("strong", { className: "lesson-title", textContent: entry.title }),
      el("div", { className: "meta", textContent: [entry.teacher, entry.school, t(`offline.kind.${entry.kind}`),
        t("offline.size", { mb: (entry.bytes / 1048576).toFixed(1) }), t("offline.saved_at", { date: when })].join(" · ") }),
      el("div", { className: "row" }, playButton, remove));
    item.dataset.lessonId = String(entry.lessonId);
    return item;
  }));
}

video.addEventListener("loadedmetadata", () => keyFrames?.update());
show();
