// 同课异构 comparison: two lessons side by side; players that follow each other; scores and analytics.
import { api, pageData, t } from "/static/js/app.js";
import { radar, talkShares } from "/static/js/charts.js";
import { attachLessonVideo } from "/static/js/media.js";

const data = pageData("compare-data");
const lang = document.body.dataset.lang;
const fmt = (v, d = 2) => (v == null ? "—" : Number(v).toFixed(d).replace(/\.?0+$/, ""));
const cols = [...document.querySelectorAll(".compare-col")];
const videos = [];

// Synchronised playback: play/pause/seek on one player is mirrored on the others (when "sync" is on).
// Echoes are told apart by state, not by a time window (a 50 ms window swallowed the last seek of a
// timeline drag): a player already playing or paused is left alone, and a seek made here is marked so
// its own "seeked" is not sent back.
function mirror(source, action) {
  if (!document.getElementById("sync").checked) return;
  for (const v of videos) if (v !== source) action(v);
}
function followSeek(video) {
  const echo = video.syncTarget != null && Math.abs(video.currentTime - video.syncTarget) <= 0.5;
  video.syncTarget = null;
  if (echo) return;
  mirror(video, (v) => {
    if (Math.abs(v.currentTime - video.currentTime) > 0.5) { v.syncTarget = video.currentTime; v.currentTime = video.currentTime; }
  });
}

for (const col of cols) {
  const video = col.querySelector("video");
  const ok = await attachLessonVideo(Number(col.dataset.lessonId), video).catch(() => false);
  if (!ok) continue;
  col.querySelector(".video-box").classList.remove("hidden");
  col.querySelector(".no-media").classList.add("hidden");
  videos.push(video);
  video.addEventListener("play", () => mirror(video, (v) => { if (v.paused) v.play().catch(() => {}); }));
  video.addEventListener("pause", () => mirror(video, (v) => { if (!v.paused) v.pause(); }));
  video.addEventListener("seeked", () => followSeek(video));
}
document.getElementById("play-both").addEventListener("click", () => {
  const start = videos[0]?.currentTime ?? 0;
  for (const v of videos) { v.currentTime = start; v.play().catch(() => {}); }
});
document.getElementById("play-both").disabled = videos.length < 2;

const reports = await Promise.all(data.lessons.map((l) => api("GET", `/api/lessons/${l.id}/report`)));
const dims = data.dimensions;
const table = document.getElementById("compare-table");
const row = (cells, header = false) => {
  const tr = document.createElement("tr");
  cells.forEach((c, i) => { const td = document.createElement(header || i === 0 ? "th" : "td"); td.textContent = c; if (i) td.className = "num"; tr.append(td); });
  return tr;
};
table.tHead.replaceChildren(row([t("report.dimension"), ...data.lessons.map((l) => l.teacher_name)], true));
const byCode = reports.map((r) => Object.fromEntries(r.dimensions.map((d) => [d.code, d])));
// A lesson's means are shown only when its report shows them to this reader (enough observations).
const mean = (r, v, d) => (r.observers && !r.aggregates_shown ? t("report.too_few.short", { n: r.aggregates_min_observations }) : fmt(v, d));
table.tBodies[0].replaceChildren(
  ...dims.map((d) => row([lang === "en" ? d.name_en : d.name_zh, ...byCode.map((m, i) => mean(reports[i], m[d.code]?.mean))])),
  row([t("report.total"), ...reports.map((r) => mean(r, r.weighted_total_mean, 1))]),
  row([t("report.observers"), ...reports.map((r) => String(r.observers))]),
);
reports.forEach((r, i) => {
  cols[i].querySelector(".total").textContent = `${t("report.total")}: ${mean(r, r.weighted_total_mean, 1)} · ${t("report.observers")}: ${r.observers}`;
});
radar(document.getElementById("compare-radar"), dims,
      data.lessons.map((l, i) => ({ name: l.teacher_name, scores: Object.fromEntries(dims.map((d) => [d.code, byCode[i][d.code]?.mean])) })), lang);

const analytics = await Promise.all(data.lessons.map((l) => api("GET", `/api/lessons/${l.id}/analytics`).catch(() => null)));
const talkRows = [];
analytics.forEach((raw, i) => {
  const a = raw?.analytics ?? raw;
  if (!a?.st) return;
  cols[i].querySelector(".analytics").textContent = a.st.type === "no_speech" ? t("lessontype.no_speech")
    : t("report.lesson_type", { type: t(`lessontype.${a.st.type}`), rt: fmt(a.st.rt), ch: fmt(a.st.ch) });
  const tt = a.talk_time || {};
  talkRows.push({ name: data.lessons[i].teacher_name, teacher: tt.teacher?.fraction, students: tt.students?.fraction, silence: tt.silence?.fraction });
});
if (talkRows.length) {
  const node = document.getElementById("compare-talk");
  node.classList.remove("hidden");
  talkShares(node, talkRows);
}
