// The report's and the comparison's charts, drawn as SVG by this page itself. A charting library was
// 330 KB compressed, twice a rural phone's whole page budget, for four small figures; SVG scales with
// the screen (viewBox), needs no resize handling, and every point keeps a native tooltip (<title>).
import { t } from "/static/js/app.js";

const NS = "http://www.w3.org/2000/svg";
const COLORS = ["#1f6feb", "#d9534f", "#2e8b57", "#e69500", "#7b4fc9", "#008b8b", "#8b4513", "#c71585"];
const FONT = 11;

/** An SVG element with attributes; `text` becomes its text content. */
function svgEl(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A fresh drawing in `node`: an SVG of `width`×`height` user units that fills the node's width. */
function canvas(node, width, height) {
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", class: "chart-svg",
                             "font-size": FONT, "font-family": "inherit", role: "presentation" });
  node.replaceChildren(svg);
  return svg;
}

/** A legend under the figure, as HTML (it wraps on a narrow screen instead of overflowing). */
function legend(node, entries) {
  const list = document.createElement("ul");
  list.className = "chart-legend";
  entries.forEach(({ name, color }) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = color;
    item.append(swatch, document.createTextNode(name));
    list.append(item);
  });
  node.append(list);
}

const round = (v, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Radar of per-dimension scores; series = [{name, scores: {code: value}}]. */
export function radar(node, dimensions, series, lang) {
  const W = 360, H = 300, cx = W / 2, cy = 150, r = 92;
  const svg = canvas(node, W, H);
  const n = dimensions.length;
  const at = (i, fraction) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return [cx + Math.cos(angle) * r * fraction, cy + Math.sin(angle) * r * fraction];
  };
  for (const ring of [0.2, 0.4, 0.6, 0.8, 1]) {
    const points = dimensions.map((_, i) => at(i, ring).map((v) => round(v)).join(",")).join(" ");
    svg.append(svgEl("polygon", { points, fill: "none", stroke: "#ddd" }));
  }
  dimensions.forEach((d, i) => {
    const [x, y] = at(i, 1);
    svg.append(svgEl("line", { x1: cx, y1: cy, x2: round(x), y2: round(y), stroke: "#ddd" }));
    const [lx, ly] = at(i, 1.16);
    const anchor = Math.abs(lx - cx) < 8 ? "middle" : lx > cx ? "start" : "end";
    svg.append(svgEl("text", { x: round(lx), y: round(ly + 4), "text-anchor": anchor, fill: "#444", class: "axis-name" },
                     lang === "en" ? d.name_en : d.name_zh));
  });
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const values = dimensions.map((d) => Math.max(0, Math.min(1, (s.scores[d.code] ?? 0) / (d.max_score || 1))));
    const points = values.map((v, i) => at(i, v).map((c) => round(c)).join(",")).join(" ");
    const shape = svgEl("polygon", { points, fill: color, "fill-opacity": 0.12, stroke: color, "stroke-width": 2,
                                     class: "series" });
    shape.append(svgEl("title", {}, s.name));
    svg.append(shape);
    values.forEach((_, i) => {
      const [x, y] = at(i, values[i]);
      const dot = svgEl("circle", { cx: round(x), cy: round(y), r: 3, fill: color });
      const d = dimensions[i];
      dot.append(svgEl("title", {}, `${s.name} · ${lang === "en" ? d.name_en : d.name_zh}: ${s.scores[d.code] ?? "—"}`));
      svg.append(dot);
    });
  });
  legend(node, series.map((s, k) => ({ name: s.name, color: COLORS[k % COLORS.length] })));
}

/** Axes for an x–y figure: a plot box, ticks, names along the axes and a title in its own band above. */
function xyFrame(svg, { W, H, left, right, top, bottom, title, xName, yName, xMax, yMax, ticks = 5 }) {
  const box = { x0: left, x1: W - right, y0: top, y1: H - bottom };
  const x = (v) => box.x0 + (v / xMax) * (box.x1 - box.x0);
  const y = (v) => box.y1 - (v / yMax) * (box.y1 - box.y0);
  svg.append(svgEl("text", { x: 4, y: 16, "font-size": 13, "font-weight": 700, fill: "#222", class: "chart-title" }, title));
  for (let i = 0; i <= ticks; i += 1) {
    const vx = (xMax * i) / ticks, vy = (yMax * i) / ticks;
    svg.append(svgEl("line", { x1: round(x(vx)), y1: box.y0, x2: round(x(vx)), y2: box.y1, stroke: "#eee" }));
    svg.append(svgEl("line", { x1: box.x0, y1: round(y(vy)), x2: box.x1, y2: round(y(vy)), stroke: "#eee" }));
    svg.append(svgEl("text", { x: round(x(vx)), y: box.y1 + 14, "text-anchor": "middle", fill: "#666" }, String(round(vx, 2))));
    svg.append(svgEl("text", { x: box.x0 - 4, y: round(y(vy) + 4), "text-anchor": "end", fill: "#666" }, String(round(vy, 2))));
  }
  svg.append(svgEl("rect", { x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0, fill: "none", stroke: "#bbb" }));
  svg.append(svgEl("text", { x: (box.x0 + box.x1) / 2, y: H - 6, "text-anchor": "middle", fill: "#333", class: "axis-name x-name" }, xName));
  const yx = 12, yy = (box.y0 + box.y1) / 2;
  svg.append(svgEl("text", { x: yx, y: yy, "text-anchor": "middle", fill: "#333", class: "axis-name y-name",
                             transform: `rotate(-90 ${yx} ${yy})` }, yName));
  return { x, y, box };
}

/** The S-T curve: T samples step right, S samples step up (coordinates in sample counts); each axis is titled
 * with what it counts and how often the lesson was sampled. */
export function stCurve(node, codes, sampleSeconds = 30) {
  let s = 0, tt = 0;
  const points = [[0, 0]];
  for (const c of codes) { if (c === "T") tt += 1; else s += 1; points.push([tt, s]); }
  const step = Math.max(1, Math.ceil(Math.max(tt, s, 1) / 5)); // whole sample counts on the ticks
  const max = step * 5;
  const W = 360, H = 300;
  const svg = canvas(node, W, H);
  const { x, y } = xyFrame(svg, { W, H, left: 52, right: 16, top: 32, bottom: 44, title: t("report.st_curve"),
                                  xName: t("report.st_axis_t", { seconds: sampleSeconds }),
                                  yName: t("report.st_axis_s", { seconds: sampleSeconds }), xMax: max, yMax: max });
  svg.append(svgEl("line", { x1: x(0), y1: y(0), x2: x(max), y2: y(max), stroke: "#aaa", "stroke-dasharray": "4 3" }));
  const path = svgEl("polyline", { points: points.map(([a, b]) => `${round(x(a))},${round(y(b))}`).join(" "),
                                   fill: "none", stroke: COLORS[0], "stroke-width": 2, class: "series" });
  path.append(svgEl("title", {}, `T = ${tt}, S = ${s}`));
  svg.append(path);
}

/** Rt–Ch diagram with the four lesson-type regions (练习型 Rt ≤ .3, 讲授型 Rt ≥ .7, 对话型 Ch ≥ .4, else 混合型).
 * The title has its own band above the plot; axis names run along the axes and region labels sit inside
 * their regions, so nothing is drawn over the title. */
export function rtCh(node, rt, ch) {
  const W = 360, H = 300;
  const svg = canvas(node, W, H);
  const { x, y } = xyFrame(svg, { W, H, left: 44, right: 16, top: 32, bottom: 44, title: t("report.rt_ch"),
                                  xName: "Rt", yName: "Ch", xMax: 1, yMax: 1 });
  const regions = [
    [t("lessontype.practice"), "rgba(80,160,80,.15)", 0, 0.3, 0, 1],
    [t("lessontype.lecture"), "rgba(200,80,80,.15)", 0.7, 1, 0, 1],
    [t("lessontype.dialogue"), "rgba(80,80,200,.15)", 0.3, 0.7, 0.4, 1],
    [t("lessontype.mixed"), "rgba(160,160,160,.15)", 0.3, 0.7, 0, 0.4],
  ];
  for (const [name, color, x0, x1, y0, y1] of regions) {
    svg.append(svgEl("rect", { x: round(x(x0)), y: round(y(y1)), width: round(x(x1) - x(x0)), height: round(y(y0) - y(y1)),
                               fill: color, class: "region" }));
    svg.append(svgEl("text", { x: round((x(x0) + x(x1)) / 2), y: round(y(y1) + 16), "text-anchor": "middle", fill: "#444",
                               class: "region-label" }, name));
  }
  const dot = svgEl("circle", { cx: round(x(Math.min(1, Math.max(0, rt)))), cy: round(y(Math.min(1, Math.max(0, ch)))),
                                r: 7, fill: COLORS[0], class: "series" });
  dot.append(svgEl("title", {}, `Rt = ${round(rt, 2)}, Ch = ${round(ch, 2)}`));
  svg.append(dot);
}

/** Talk-time shares as one stacked bar per lesson: rows = [{name, teacher, students, silence}] (fractions). */
export function talkShares(node, rows) {
  const keys = ["teacher", "students", "silence"];
  const colors = { teacher: COLORS[0], students: COLORS[2], silence: "#bbb" };
  const W = 360, rowH = 30, top = 8, labelH = 16, left = 8, right = 8;
  const H = top + rows.length * (rowH + labelH) + 18;
  const svg = canvas(node, W, H);
  const span = W - left - right;
  rows.forEach((row, i) => {
    const y0 = top + i * (rowH + labelH);
    svg.append(svgEl("text", { x: left, y: y0 + 12, fill: "#333", class: "row-name" }, row.name));
    let at = left;
    for (const k of keys) {
      const percent = Math.round((row[k] || 0) * 1000) / 10;
      const width = (span * percent) / 100;
      const bar = svgEl("rect", { x: round(at), y: y0 + labelH, width: round(width), height: rowH - 8, fill: colors[k],
                                  class: "series" });
      bar.append(svgEl("title", {}, `${row.name} · ${t(`talk.${k}`)}: ${percent}%`));
      svg.append(bar);
      if (width > 34) {
        svg.append(svgEl("text", { x: round(at + width / 2), y: y0 + labelH + 15, "text-anchor": "middle", fill: "#fff" },
                         `${Math.round(percent)}%`));
      }
      at += width;
    }
  });
  svg.append(svgEl("text", { x: left, y: H - 4, fill: "#666" }, "0%"));
  svg.append(svgEl("text", { x: W - right, y: H - 4, fill: "#666", "text-anchor": "end" }, "100%"));
  legend(node, keys.map((k) => ({ name: t(`talk.${k}`), color: colors[k] })));
}
