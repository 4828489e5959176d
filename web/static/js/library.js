// Library search over GET /api/search; each hit with a time opens the player at that moment.
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

async function search() {
  const q = params.get("q")?.trim();
  if (!q) return;
  const query = new URLSearchParams({ q });
  for (const key of ["subject", "grade", "kind", "school", "tag"]) if (params.get(key)) query.set(key, params.get(key));
  try {
    const page = await api("GET", `/api/search?${query}`);
    count.textContent = page.total ? t("library.results", { n: page.total }) : t("library.none");
    list.replaceChildren(...page.items.map((lesson) => el("li", { className: "result" },
      el("a", { className: "lesson-title", href: `/lessons/${lesson.id}/play` }, lesson.title), " ",
      el("span", { className: "badge" }, t(`kind.${lesson.kind}`)),
      el("div", { className: "meta", textContent: `${lesson.teacher} · ${lesson.school} · ${lesson.subject} ${lesson.grade}` }),
      el("ul", { className: "hits" }, ...lesson.hits.map((hit) => hitItem(lesson, hit))))));
  } catch (err) {
    errorBox.textContent = errorText(err);
    errorBox.classList.remove("hidden");
  }
}
search();
