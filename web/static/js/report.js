// Lesson report: scores across observers (table, radar, spread, agreement), every readable record
// with its notes, and, once the pipeline provides them, the S-T / Rt–Ch analytics and the transcript.
import { api, clock, pageData, t } from "/static/js/app.js";
import { radar, rtCh, stCurve, talkShares } from "/static/js/charts.js";
import { attachLessonVideo } from "/static/js/media.js";
import { noteDiscussion } from "/static/js/note_discussion.js";
import { lineBody } from "/static/js/transcript_lines.js";

const data = pageData("report-data");
const lang = document.body.dataset.lang;
const $ = (id) => document.getElementById(id);
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}
const dimName = (d) => (lang === "en" ? d.name_en : d.name_zh);
const fmt = (v, digits = 2) => (v == null ? "—" : Number(v).toFixed(digits).replace(/\.?0+$/, ""));
let video = null;

function seek(seconds) {
  if (!video) return;
  video.currentTime = seconds;
  video.play().catch(() => {});
  video.scrollIntoView({ block: "nearest" });
}

function timeButton(seconds) {
  const b = el("button", { type: "button", className: "link time-link", textContent: clock(seconds) });
  b.addEventListener("click", () => seek(seconds));
  return b;
}

// The API decides what this reader sees (api/reports/lesson.py): rows of the observations they may read, and
// aggregates only over enough observations; "aggregates_shown: false" is said as "too few to show".
function renderScores(report) {
  if (!report.observers) {
    $("no-observations").classList.remove("hidden");
    $("scores-box").classList.add("hidden");
    return;
  }
  const dims = report.dimensions;
  const shown = report.aggregates_shown;
  const tooFew = t("report.too_few.short", { n: report.aggregates_min_observations });
  const head = el("tr", {}, el("th", { scope: "col", className: "name", textContent: t("report.observer") }),
    ...dims.map((d) => el("th", { scope: "col", className: "num dim", textContent: dimName(d) })),
    el("th", { scope: "col", className: "num", textContent: t("report.total") }));
  $("report-table").tHead.replaceChildren(head);
  $("report-table").tBodies[0].replaceChildren(...report.rows.map((row) => el("tr", {},
    el("th", { scope: "row", className: "name", textContent: row.observer_name + (row.drop_in ? ` (${t("obs.drop_in")})` : "") }),
    ...dims.map((d) => el("td", { className: "num", textContent: fmt(row.scores[d.code]) })),
    el("td", { className: "num", textContent: fmt(row.total, 1) }))));
  $("report-table").tFoot.replaceChildren(shown
    ? el("tr", {}, el("th", { scope: "row", className: "name", textContent: t("report.mean") }),
      ...dims.map((d) => el("td", { className: "num", textContent: fmt(d.mean) })),
      el("td", { className: "num", textContent: fmt(report.weighted_total_mean, 1) }))
    : el("tr", {}, el("th", { scope: "row", className: "name", textContent: t("report.mean") }),
      el("td", { className: "too-few", colSpan: dims.length + 1, textContent: tooFew })));
  const hiddenRows = report.observers - report.rows.length;
  $("rows-hidden").textContent = hiddenRows > 0 ? t("report.rows_hidden", { n: hiddenRows }) : "";

  $("spread-table").tHead.replaceChildren(el("tr", {}, ...[t("report.dimension"), t("report.std"), t("report.range")]
    .map((x, i) => el("th", { scope: "col", className: i ? "num" : "name", textContent: x }))));
  $("spread-table").tBodies[0].replaceChildren(...(shown ? dims.map((d) => el("tr", {},
    el("th", { scope: "row", className: "name", textContent: dimName(d) }),
    el("td", { className: "num", textContent: fmt(d.std) }),
    el("td", { className: "num", textContent: d.min == null ? "—" : `${fmt(d.min)}–${fmt(d.max)}` })))
    : [el("tr", {}, el("td", { className: "too-few", colSpan: 3, textContent: tooFew }))]));

  const agreement = report.agreement;
  $("agreement-value").textContent = !shown ? t("report.too_few", { n: report.aggregates_min_observations })
    : agreement ? `α = ${fmt(agreement.value, 3)}` : t("report.agreement.one");
  $("agreement-reading").textContent = agreement ? t(`agreement.${agreement.reading}`) : "";
  $("agreement-reading").classList.toggle("hidden", !agreement);
  $("agreement-plain").textContent = agreement ? t(`report.agreement.plain.${agreement.reading}`) : "";
  const series = report.rows.map((row) => ({ name: row.observer_name, scores: row.scores }));
  if (shown) series.push({ name: t("report.mean"), scores: Object.fromEntries(dims.map((d) => [d.code, d.mean])) });
  if (series.length) radar($("radar"), dims, series, lang);
  else $("radar").classList.add("hidden");
}

function renderRecords(observations, rubricDims, noteThreads = []) {
  const threadsOf = Object.fromEntries(noteThreads.map((row) => [row.note_id, row]));
  const box = $("records");
  const names = Object.fromEntries(rubricDims.map((d) => [d.code, dimName(d)]));
  const done = observations.filter((o) => o.state !== "draft");
  if (!done.length) { box.append(el("p", { className: "muted", textContent: t("report.none") })); return; }
  for (const o of done) {
    const notes = el("ul", { className: "list" }, ...o.notes.map((n) => el("li", { className: "note" }, timeButton(n.t),
      el("span", { className: "note-text", textContent: ` ${n.text} ` }),
      ...(n.tags || []).map((tag) => el("span", { className: "badge tag", textContent: names[tag] || tag })),
      " ", noteDiscussion(n, threadsOf[n.id]))));
    box.append(el("article", { className: "record" },
      el("h3", { textContent: `${o.observer_name} · ${t("obs.state." + o.state)}${o.drop_in ? " · " + t("obs.drop_in") : ""}` }),
      notes,
      el("p", {}, el("b", { textContent: t("obs.comments") + "：" }), o.comments || "—"),
      el("p", {}, el("b", { textContent: t("obs.summary") + "：" }), o.summary || "—")));
  }
}

async function optional(url) {
  try { return await api("GET", url); } catch (err) { if (err.status === 404 || err.status === 409) return null; throw err; }
}

function renderAnalytics(raw) {
  const a = raw.analytics ?? raw;
  if (!a || !a.st) return;
  $("analytics-card").classList.remove("hidden");
  const st = a.st;
  if (a.speech_detected === false || st.type === "no_speech") { // not a 练习型 lesson with Rt = 0: nothing to classify
    $("lesson-type").textContent = t("report.no_speech");
    $("st-curve").parentElement.classList.add("hidden");
  } else {
    $("lesson-type").textContent = t("report.lesson_type", { type: t(`lessontype.${st.type}`), rt: fmt(st.rt, 2), ch: fmt(st.ch, 2) });
    stCurve($("st-curve"), [...(st.samples || "")], st.sample_seconds);
    rtCh($("rt-ch"), st.rt, st.ch);
  }
  const tt = a.talk_time || {};
  const share = (k) => tt[k]?.fraction ?? 0;
  talkShares($("talk-shares"), [{ name: t("report.this_lesson"), teacher: share("teacher"), students: share("students"), silence: share("silence") },
                                { name: t("report.flanders"), teacher: 0.68, students: 0.2, silence: 0.12 }]);
  if (a.questions) {
    $("question-stats").textContent = t("report.questions", { n: a.questions.count, wait: fmt(a.questions.average_wait_seconds, 1) });
  }
}

function renderTranscript(raw, observations) {
  const segments = Array.isArray(raw) ? raw : raw.segments || raw.items || [];
  if (!segments.length) return;
  $("transcript-card").classList.remove("hidden");
  const notes = observations.filter((o) => o.state !== "draft").flatMap((o) => o.notes.map((n) => ({ ...n, who: o.observer_name })));
  const box = $("transcript");
  segments.forEach((seg, i) => {
    const next = segments[i + 1]?.start ?? Infinity;
    box.append(el("p", { className: "segment" }, timeButton(seg.start), " ", lineBody(data.lesson_id, seg, data.may_correct)));
    for (const n of notes.filter((n) => (n.segment_id != null ? n.segment_id === seg.id : n.t >= seg.start && n.t < next))) {
      box.append(el("aside", { className: "note-aside" }, timeButton(n.t), ` ${n.who}：${n.text}`));
    }
  });
}

const [report, observations, rubric, noteThreads] = await Promise.all([
  api("GET", `/api/lessons/${data.lesson_id}/report`),
  api("GET", `/api/lessons/${data.lesson_id}/observations`),
  api("GET", "/api/rubrics").then((all) => all.find((r) => r.is_default) || all[0]).catch(() => null),
  api("GET", `/api/lessons/${data.lesson_id}/note-discussions`).catch(() => []), // the buttons still work without
]);
renderScores(report);
renderRecords(observations, report.dimensions.length ? report.dimensions : rubric?.dimensions || [], noteThreads);
const [analytics, transcript] = await Promise.all([optional(`/api/lessons/${data.lesson_id}/analytics`),
                                                   optional(`/api/lessons/${data.lesson_id}/transcript`)]);
if (analytics) renderAnalytics(analytics);
if (transcript) renderTranscript(transcript, observations);
if (await attachLessonVideo(data.lesson_id, $("video")).catch(() => false)) {
  video = $("video");
  $("transcript-card").classList.remove("hidden");
  $("video-box").classList.remove("hidden");
}
