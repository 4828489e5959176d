// Observer (远程听课): low-delay WHEP view of every publisher, with notes into my observation
// stamped on the lesson clock (seconds since the lesson went live, from the relay).
import { api, clock, errorText, pageData, t, toast } from "/static/js/app.js";
import { grant, RoomWatcher } from "/static/js/live.js";
import { awaitLive } from "/static/js/live_again.js";
import { findTile, showPresence, showQuality, videoTile } from "/static/js/live_tiles.js";

const data = pageData("live-data");
const $ = (id) => document.getElementById(id);
const tiles = $("tiles");
let liveAt = null; // performance.now() at lesson clock 0
let endedAt = null; // the lesson clock stops where the lesson ended
let observationId = data.observation_id;

function watch() {
  const watcher = new RoomWatcher({
    fetchGrant: () => grant(data.lesson.id, "watch"),
    show: (label, name, stream) =>
      videoTile(tiles, label, data.lesson.mode === "dual" ? `${label} · ${name}` : name, stream, !$("sound").checked),
    onState: (state) => { $("live-state").dataset.state = state; $("live-state").textContent = t(`live.others.${state}`); },
    onPresence: (label, gone) => showPresence(findTile(tiles, label), gone),
    onQuality: (label, q) => showQuality(findTile(tiles, label), q),
    onEnded: () => {
      endedAt = performance.now();
      for (const figure of tiles.querySelectorAll("figure.tile")) showQuality(figure, null);
      $("lesson-over").classList.remove("hidden");
      awaitLive(data.lesson.id, "watch", () => { // its teacher resumed it: watch again, the clock continues
        endedAt = null;
        $("lesson-over").classList.add("hidden");
        watch();
      });
    },
    onStatus: (status) => {
      // a resumed lesson's clock continues after its earlier parts (the relay offsets live_seconds)
      if (status.live_seconds != null) liveAt = performance.now() - status.live_seconds * 1000;
      $("viewers").textContent = t("live.viewers", { n: status.viewers });
    },
  });
  window.liveWatcher = watcher;
  watcher.start();
}

watch();

$("sound").addEventListener("change", () => {
  for (const video of tiles.querySelectorAll("video")) video.muted = !$("sound").checked;
});

const lessonSeconds = () => (liveAt === null ? 0 : Math.max(0, ((endedAt ?? performance.now()) - liveAt) / 1000));
setInterval(() => { $("lesson-clock").textContent = clock(lessonSeconds()); }, 500);

function showNotes() {
  $("notes-start").classList.add("hidden");
  $("note-form").classList.remove("hidden");
}
if (observationId) showNotes();
$("notes-start")?.addEventListener("click", async () => {
  try {
    const obs = await api("POST", `/api/lessons/${data.lesson.id}/observations`, { drop_in: false });
    observationId = obs.id;
    showNotes();
  } catch (err) { toast(errorText(err)); }
});

let stamp = null; // the moment a note starts being typed is the moment it is about
$("note-text").addEventListener("input", () => { if (stamp === null) stamp = lessonSeconds(); });
$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("note-text").value.trim();
  if (!text || !observationId) return;
  const at = Math.round((stamp ?? lessonSeconds()) * 10) / 10;
  try {
    const note = await api("POST", `/api/observations/${observationId}/notes`, { t: at, text });
    const item = document.createElement("li");
    item.textContent = `${clock(note.t)}  ${note.text}`;
    $("notes-list").prepend(item);
    $("note-text").value = "";
    stamp = null;
    toast(t("live.note.saved"));
  } catch (err) { toast(errorText(err, { text: t("live.note.label") })); }
});
