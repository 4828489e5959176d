// Live poll results: CSS bars drawn from the results JSON, kept current by the server-sent event stream.
import { t } from "/static/js/app.js";

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function barRow(label, count, total, index) {
  const row = el("div", { class: "bar-row", "data-index": String(index) });
  row.append(el("span", { class: "bar-label", title: label }, label));
  const bar = el("div", { class: "bar", role: "presentation" });
  const fill = el("span");
  fill.style.width = total ? `${Math.round((100 * count) / total)}%` : "0";
  bar.append(fill);
  row.append(bar, el("span", { class: "count" }, String(count)));
  return row;
}

/** Draw every question's result into `box` (replacing what was there). */
export function renderResults(box, results) {
  box.replaceChildren();
  for (const q of results.questions) {
    const part = el("div", { class: "result-q", "data-qid": String(q.question_id) });
    part.append(el("h3", {}, q.prompt), el("p", { class: "meta" }, t("poll.answered", { n: q.answered })));
    if (q.kind === "text") {
      const list = el("ul", { class: "texts" });
      for (const a of [...q.texts].reverse()) {
        const item = el("li");
        item.append(el("b", {}, a.user_name), el("span", { class: "meta" }, ` · ${a.school_name}`), el("div", {}, a.text));
        list.append(item);
      }
      part.append(list);
    } else {
      const labels = q.kind === "rating" ? ["1", "2", "3", "4", "5"].map((n) => t("poll.stars", { n })) : q.options;
      const total = q.counts.reduce((a, b) => a + b, 0);
      q.counts.forEach((count, i) => part.append(barRow(labels[i], count, total, i)));
      if (q.kind === "rating" && q.average !== null) {
        part.append(el("p", { class: "average" }, t("poll.average", { avg: q.average.toFixed(2) })));
      }
    }
    box.append(part);
  }
}

/** Follow the poll's event stream; `onResults(results)` runs now and on every change. */
export function watch(pollId, onResults) {
  const source = new EventSource(`/api/polls/${pollId}/events`);
  source.addEventListener("results", (event) => onResults(JSON.parse(event.data)));
  source.addEventListener("gone", () => source.close());
  return source;
}
