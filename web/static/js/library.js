// Library search over GET /api/search; each hit with a time opens the player at that moment. Without words
// the same call browses the recorded lessons by the chosen filters, each with its storyboard thumbnail.
import { api, clock, errorText, t } from "/static/js/app.js";

const params = new URLSearchParams(location.search);
const list = document.getElementById("results");
const count = document.getElementById("results-count");
const errorBox = document.getElementById("search-error");

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** Snippets arrive HTML-escaped with <mark> around the matches: keep only those marks. */
function snippet(html) {
  const span = el("span", { className: "snippet" });
  const parts = html.split(/(<mark>|<\/mark>)/);
  let marked = false;
  const decode = (s) => new DOMParser().parseFromString(`<!doctype html><body>${s}`, "text/html").body.textContent;
  for (const part of parts) {
    if (part === "<mark>") { marked = true; continue; }
    if (part === "</mark>") { marked = false; continue; }
    span.append(marked ? el("mark", { textContent: decode(part) }) : decode(part));
  }
  return span;
}

// Said (讲), written on the board or a slide (板书/课件), noted (记录), or the lesson's details.
const HIT_LABELS = { transcript: "library.hit.transcript", board: "library.hit.board", note: "library.hit.note" };

function hitItem(lesson, hit) {
  const label = t(HIT_LABELS[hit.source] || "library.hit.meta");
  const li = el("li", { className: "hit" });
  if (hit.t_start != null) {
    const start = Math.max(0, Math.floor(hit.t_start));
    li.append(el("a", { className: "time-link", href: `/lessons/${lesson.id}/play?t=${start}`, textContent: clock(hit.t_start) }), " ");
  }
  li.append(el("span", { className: "badge" }, label), " ", snippet(hit.snippet));
  return li;
}

const FILTERS = ["subject", "grade", "kind", "school", "tag", "date_from", "date_to"];

function day(iso) {
  return iso ? new Date(iso).toLocaleDateString(document.documentElement.lang, { timeZone: list.dataset.tz || undefined }) : "";
}

function result(lesson) {
  const thumb = lesson.thumbnail
    ? el("img", { className: "thumb", src: lesson.thumbnail, alt: t("library.thumb"), loading: "lazy", width: 96, height: 54 })
    : el("span", { className: "thumb", ariaHidden: "true" });
  const facts = [lesson.teacher, lesson.school, `${lesson.subject} ${lesson.grade}`, day(lesson.scheduled_at),
                 lesson.duration_seconds ? clock(lesson.duration_seconds) : ""].filter(Boolean).join(" · ");
  const body = el("div", {},
    el("a", { className: "lesson-title", href: `/lessons/${lesson.id}/play` }, lesson.title), " ",
    el("span", { className: "badge" }, t(`kind.${lesson.kind}`)),
    el("div", { className: "meta", textContent: facts }));
  if (lesson.moments) body.append(el("div", { className: "meta moments", textContent: t("library.moments", { n: lesson.moments }) }));
  if (lesson.hits.length) body.append(el("ul", { className: "hits" }, ...lesson.hits.map((hit) => hitItem(lesson, hit))));
  return el("li", { className: "result result-row" }, el("a", { href: `/lessons/${lesson.id}/play`, tabIndex: -1 }, thumb), body);
}

async function search() {
  const q = params.get("q")?.trim() || "";
  const query = new URLSearchParams(q ? { q } : {});
  for (const key of FILTERS) if (params.get(key)) query.set(key, params.get(key));
  try {
    const page = await api("GET", `/api/search?${query}`);
    count.textContent = page.total ? t(q ? "library.results" : "library.browse_results", { n: page.total })
                                   : t(q ? "library.none" : "library.browse_none");
    list.replaceChildren(...page.items.map(result));
  } catch (err) {
    errorBox.textContent = errorText(err);
    errorBox.classList.remove("hidden");
  }
}
search();
