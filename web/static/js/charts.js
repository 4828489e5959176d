// ECharts (from npm, served at /static/vendor/echarts) with charts shared by the report and comparison pages.
import * as echarts from "/static/vendor/echarts/echarts.esm.min.mjs";
import { t } from "/static/js/app.js";

const charts = [];
addEventListener("resize", () => charts.forEach((c) => c.resize()));

export function chart(node) {
  const c = echarts.init(node, null, { renderer: "canvas" });
  charts.push(c);
  return c;
}

/** Radar of per-dimension scores; series = [{name, scores: {code: value}}]. */
export function radar(node, dimensions, series, lang) {
  chart(node).setOption({
    tooltip: {},
    legend: { bottom: 0, type: "scroll" },
    radar: { radius: "58%", indicator: dimensions.map((d) => ({ name: lang === "en" ? d.name_en : d.name_zh, max: d.max_score })) },
    series: [{ type: "radar", data: series.map((s) => ({ name: s.name, value: dimensions.map((d) => s.scores[d.code] ?? 0) })) }],
  });
}

/** The S-T curve: T samples step right, S samples step up (coordinates in sample counts); each axis is titled
 * with what it counts and how often the lesson was sampled. */
export function stCurve(node, codes, sampleSeconds = 30) {
  let s = 0, tt = 0;
  const points = [[0, 0]];
  for (const c of codes) { if (c === "T") tt += 1; else s += 1; points.push([tt, s]); }
  const max = Math.max(tt, s, 1);
  const axisName = { nameLocation: "middle", nameTextStyle: { fontSize: 11 } };
  chart(node).setOption({
    title: { text: t("report.st_curve"), textStyle: { fontSize: 13 } },
    grid: { left: 52, right: 16, top: 40, bottom: 52 },
    xAxis: { type: "value", min: 0, max, name: t("report.st_axis_t", { seconds: sampleSeconds }), nameGap: 28, ...axisName },
    yAxis: { type: "value", min: 0, max, name: t("report.st_axis_s", { seconds: sampleSeconds }), nameGap: 34, ...axisName },
    series: [{ type: "line", data: points, showSymbol: false, step: false },
             { type: "line", data: [[0, 0], [max, max]], lineStyle: { type: "dashed", color: "#aaa" }, showSymbol: false }],
  });
}

/** Rt–Ch diagram with the four lesson-type regions (练习型 Rt ≤ .3, 讲授型 Rt ≥ .7, 对话型 Ch ≥ .4, else 混合型).
 * The title has its own band above the plot; axis names run along the axes and region labels sit inside
 * their regions, so nothing is drawn over the title. */
export function rtCh(node, rt, ch) {
  const area = (name, color, x0, x1, y0, y1) => [{ name, xAxis: x0, yAxis: y0, itemStyle: { color } }, { xAxis: x1, yAxis: y1 }];
  const axisName = { nameLocation: "middle", nameTextStyle: { fontSize: 11 } };
  chart(node).setOption({
    title: { text: t("report.rt_ch"), top: 0, textStyle: { fontSize: 13 } },
    grid: { left: 44, right: 16, top: 48, bottom: 44 },
    xAxis: { type: "value", name: "Rt", min: 0, max: 1, nameGap: 26, ...axisName },
    yAxis: { type: "value", name: "Ch", min: 0, max: 1, nameGap: 30, ...axisName },
    series: [{
      type: "scatter", symbolSize: 14, data: [[rt, ch]],
      markArea: { silent: true, label: { fontSize: 11, position: "inside", color: "#444" }, data: [
        area(t("lessontype.practice"), "rgba(80,160,80,.15)", 0, 0.3, 0, 1),
        area(t("lessontype.lecture"), "rgba(200,80,80,.15)", 0.7, 1, 0, 1),
        area(t("lessontype.dialogue"), "rgba(80,80,200,.15)", 0.3, 0.7, 0.4, 1),
        area(t("lessontype.mixed"), "rgba(160,160,160,.15)", 0.3, 0.7, 0, 0.4),
      ] },
    }],
  });
}

/** Talk-time shares as one stacked bar per lesson: rows = [{name, teacher, students, silence}] (fractions). */
export function talkShares(node, rows) {
  const keys = ["teacher", "students", "silence"];
  chart(node).setOption({
    tooltip: { trigger: "axis", valueFormatter: (v) => `${v}%` },
    legend: { bottom: 0 },
    grid: { left: 8, right: 16, top: 16, bottom: 40, containLabel: true },
    xAxis: { type: "value", max: 100 }, yAxis: { type: "category", data: rows.map((r) => r.name) },
    series: keys.map((k) => ({ name: t(`talk.${k}`), type: "bar", stack: "x",
                               data: rows.map((r) => Math.round((r[k] || 0) * 1000) / 10) })),
  });
}
