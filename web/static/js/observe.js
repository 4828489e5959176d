// Observer workspace: start an observation, stamp notes with the lesson time, score the rubric,
// write 点评 and 总评, submit. Everything goes through the JSON API.
import { api, clock, errorText, pageData, t, toast } from "/static/js/app.js";
import { LessonClock } from "/static/js/lesson_clock.js";
import { attachLessonVideo } from "/static/js/media.js";

const data = pageData("workspace-data");
const lang = document.body.dataset.lang;
const $ = (id) => document.getElementById(id);
let obs = data.observation;
let stamp = null; // lesson time at which the observer began the current note

// Changes to the observation are sent one after another, so two quick edits never race.
let queue = Promise.resolve();
function patch(body) {
  const next = queue.then(() => api("PATCH", `/api/observations/${obs.id}`, body));
  queue = next.catch(() => {});
  return next;
}

const lessonClock = new LessonClock({ display: $("clock"), toggle: $("clock-toggle"), setter: $("clock-set"),
                                      length: data.lesson.length_seconds });
if (data.lesson.status === "live") watchLive();
else attachLessonVideo(data.lesson.id, $("video")).then((ok) => {
  if (!ok) return;
  $("video-box").classList.remove("hidden");
  $("clock-box").classList.add("hidden");
  lessonClock.useVideo($("video"));
}).catch(() => {});

/** A live lesson: the low-delay view of every classroom beside the rubric, and the clock set to the
 *  relay's lesson clock (seconds since the lesson went live), so notes line up with the recording. */
async function watchLive() {
  const { grant, RoomWatcher } = await import("/static/js/live.js");
  const { findTile, showPresence, showQuality, videoTile } = await import("/static/js/live_tiles.js");
  const tiles = $("live-tiles");
  $("clock-box").querySelector("p.meta")?.classList.add("hidden"); // the relay runs the clock, not the observer
  const muted = () => !$("live-sound").checked;
  const watcher = new RoomWatcher({
    fetchGrant: () => grant(data.lesson.id, "watch"),
    show: (label, name, stream) => videoTile(tiles, label, name, stream, muted()),
    onState: (state) => { $("live-state").dataset.state = state; $("live-state").textContent = t(`live.others.${state}`); },
    onPresence: (label, gone) => showPresence(findTile(tiles, label), gone),
    onQuality: (label, q) => showQuality(findTile(tiles, label), q),
    onEnded: async () => { // the lesson is over: its clock stops where it ended, until its teacher resumes it
      lessonClock.pause();
      const { awaitLive } = await import("/static/js/live_again.js");
      awaitLive(data.lesson.id, "watch", () => watchLive()); // the relay's clock continues after the earlier part
    },
    onStatus: (status) => {
      if (status.live_seconds == null) return;
      lessonClock.seek(status.live_seconds);
      lessonClock.start();
    },
  });
  $("live-sound").addEventListener("change", () => {
    for (const video of tiles.querySelectorAll("video")) video.muted = muted();
  });
  window.liveWatcher = watcher;
  watcher.start();
}

// Fields the API may name in an invalid_input refusal, as the page labels them.
const labels = { text: t("obs.note.label"), comments: t("obs.comments"), summary: t("obs.summary") };
function showError(err) {
  $("obs-error").textContent = errorText(err, labels);
  $("obs-error").classList.remove("hidden");
}
function clearError() { $("obs-error").classList.add("hidden"); }

const editable = () => obs && obs.state === "draft";

// ---- rubric ----------------------------------------------------------------------------------
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function levelFor(dim, score) {
  return (dim.descriptors || []).find((d) => score >= d.min) || null;
}

function renderRubric() {
  const box = $("dimensions");
  box.replaceChildren();
  for (const dim of data.rubric) {
    const name = lang === "en" ? dim.name_en : dim.name_zh;
    const wrap = document.createElement("div");
    wrap.className = "dimension";
    wrap.dataset.code = dim.code;
    const id = `score-${String(dim.code).replace(/[^\w-]/g, "_")}`;
    const value = obs?.scores?.[dim.code];
    wrap.innerHTML = `
      <label for="${id}">${escapeHtml(name)} <span class="meta">(${escapeHtml(t("obs.weight", { w: dim.weight }))})</span></label>
      <div class="score-row">
        <input type="number" id="${id}" min="0" max="${dim.max_score}" step="0.5" inputmode="decimal"
               style="max-width: 7em" value="${value ?? ""}" aria-describedby="${id}-level">
        <span class="meta">/ ${dim.max_score}</span>
        <span class="badge" id="${id}-level"></span>
      </div>
      <details><summary>${escapeHtml(t("obs.descriptors"))}</summary><ol></ol></details>`;
    const list = wrap.querySelector("ol");
    for (const d of dim.descriptors || []) {
      const li = document.createElement("li");
      li.textContent = `${d.level} (≥ ${d.min}): ${lang === "en" ? d.en : d.zh}`;
      list.append(li);
    }
    const input = wrap.querySelector("input");
    const badge = wrap.querySelector(".badge");
    const showLevel = () => {
      const v = parseFloat(input.value);
      const level = Number.isNaN(v) ? null : levelFor(dim, v);
      badge.textContent = level ? `${level.level} · ${lang === "en" ? level.en : level.zh}` : "";
    };
    showLevel();
    input.disabled = !editable();
    input.addEventListener("input", showLevel);
    input.addEventListener("change", async () => {
      const v = parseFloat(input.value);
      if (Number.isNaN(v)) return;
      try {
        obs = await patch({ scores: { [dim.code]: v } });
        clearError();
        renderTotal();
      } catch (err) { showError(err); }
    });
    box.append(wrap);
  }
  renderTotal();
}

function renderTotal() { $("total").textContent = obs?.total == null ? "—" : obs.total.toFixed(1); }

// ---- notes -----------------------------------------------------------------------------------
function noteItem(note) {
  const li = document.createElement("li");
  li.className = "note";
  li.dataset.noteId = note.id;
  const jump = document.createElement("button");
  jump.type = "button";
  jump.className = "link time-link";
  jump.textContent = clock(note.t);
  jump.setAttribute("aria-label", t("obs.note.jump", { time: clock(note.t) }));
  jump.addEventListener("click", () => { lessonClock.seek(note.t); $("video")?.focus(); });
  const text = document.createElement("span");
  text.className = "note-text";
  text.textContent = " " + note.text + " ";
  li.append(jump, text);
  for (const tag of note.tags || []) {
    const b = document.createElement("span");
    b.className = "badge tag";
    b.textContent = tagName(tag);
    li.append(b, " ");
  }
  if (editable()) {
    const del = document.createElement("button");
    del.type = "button";
    del.className = "link";
    del.textContent = t("obs.note.delete");
    del.addEventListener("click", async () => {
      try {
        await api("DELETE", `/api/observations/${obs.id}/notes/${note.id}`);
        obs.notes = obs.notes.filter((n) => n.id !== note.id);
        renderNotes();
      } catch (err) { showError(err); }
    });
    li.append(del);
  }
  return li;
}

function tagName(code) {
  const dim = data.rubric.find((d) => d.code === code);
  return dim ? (lang === "en" ? dim.name_en : dim.name_zh) : code;
}

function renderNotes() {
  const list = $("notes-list");
  list.replaceChildren(...[...(obs?.notes || [])].sort((a, b) => a.t - b.t).map(noteItem));
}

function markStamp() {
  if (stamp === null) stamp = lessonClock.now();
  $("note-stamp").textContent = `@ ${clock(stamp)}`;
}

$("note-text").addEventListener("input", () => { if ($("note-text").value) markStamp(); });
$("note-text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); addNote(); }
});
$("note-form").addEventListener("submit", (event) => { event.preventDefault(); addNote(); });

async function addNote() {
  const text = $("note-text").value.trim();
  if (!text || !editable()) return;
  const at = stamp ?? lessonClock.now();
  $("add-note").disabled = true;
  try {
    const note = await api("POST", `/api/observations/${obs.id}/notes`, { t: Math.round(at * 10) / 10, text });
    obs.notes.push(note);
    $("note-text").value = "";
    stamp = null;
    $("note-stamp").textContent = "";
    renderNotes();
    clearError();
    toast(t("obs.note.added", { time: clock(note.t) }));
    setTimeout(refreshTags, 2500); // the tagger labels notes shortly after they are posted
  } catch (err) { showError(err); } finally { $("add-note").disabled = false; }
}

async function refreshTags() {
  try {
    const fresh = await api("GET", `/api/observations/${obs.id}`);
    obs.notes = fresh.notes;
    renderNotes();
  } catch { /* keep what we show */ }
}

// "N" anywhere outside a text field starts a note at the current lesson time.
document.addEventListener("keydown", (event) => {
  const inField = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement?.tagName);
  if (inField || event.ctrlKey || event.metaKey || event.altKey || !editable()) return;
  if (event.key === "n" || event.key === "N") {
    event.preventDefault();
    stamp = null;
    markStamp();
    $("note-text").focus();
  }
});

// ---- evaluation and submission ---------------------------------------------------------------
async function saveTexts() {
  obs = await patch({ comments: $("comments").value, summary: $("summary").value });
}

$("save").addEventListener("click", async () => {
  try { await saveTexts(); clearError(); toast(t("obs.saved")); } catch (err) { showError(err); }
});
for (const id of ["comments", "summary"]) {
  $(id).addEventListener("change", () => { if (editable()) saveTexts().catch(showError); });
}
$("submit").addEventListener("click", async () => {
  if (!confirm(t("obs.submit.confirm"))) return;
  try {
    await saveTexts();
    obs = await api("POST", `/api/observations/${obs.id}/submit`);
    clearError();
    render();
    toast(t("obs.submitted"));
  } catch (err) { showError(err); }
});

// ---- start -----------------------------------------------------------------------------------
$("start-observing").addEventListener("click", async () => {
  try {
    obs = await api("POST", `/api/lessons/${data.lesson.id}/observations`, { drop_in: $("drop-in").checked });
    render();
    $("note-text").focus();
  } catch (err) { showError(err); $("eval-card").classList.remove("hidden"); }
});

function render() {
  const started = Boolean(obs);
  $("start-card").classList.toggle("hidden", started);
  for (const id of ["notes-card", "rubric-card", "eval-card"]) $(id).classList.toggle("hidden", !started);
  if (!started) return;
  $("comments").value = obs.comments || "";
  $("summary").value = obs.summary || "";
  const locked = !editable();
  for (const id of ["comments", "summary", "note-text", "add-note", "save", "submit"]) $(id).disabled = locked;
  $("note-form").classList.toggle("hidden", locked);
  $("obs-state").textContent = `${t("obs.state")}: ${t("obs.state." + obs.state)}${obs.drop_in ? " · " + t("obs.drop_in") : ""}`;
  if (obs.state !== "draft") {
    const link = document.createElement("a");
    link.href = `/lessons/${data.lesson.id}/report`;
    link.textContent = " " + t("lesson.report");
    link.id = "report-after-submit";
    $("obs-state").append(link);
  }
  renderRubric();
  renderNotes();
}

render();
