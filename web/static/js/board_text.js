// The lesson's board and slide text (板书/课件): one line per text read off the picture, its time a link that
// plays the page's recording (#video) from when it appeared; the lines on screen now are marked as it plays.
// Used by the player and the report (web/templates/_board_text.html).
import { afterFirstSound, api, clock, t } from "/static/js/app.js";

const card = document.getElementById("board-text-card");
const list = document.getElementById("board-text");
const video = () => document.getElementById("video");
let lines = [];

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function play(seconds) {
  const v = video();
  if (!v) return;
  v.currentTime = seconds;
  v.play().catch(() => {});
  if (!v.closest(".hidden")) v.scrollIntoView({ block: "nearest" });
}

function markShown() {
  const now = video()?.currentTime ?? 0;
  lines.forEach(({ line, item }) => {
    const shown = line.start <= now + 0.25 && now < line.end;
    item.classList.toggle("current", shown);
    if (shown) item.setAttribute("aria-current", "true"); else item.removeAttribute("aria-current");
  });
}

async function load() {
  await afterFirstSound(); // a few KB that must not delay the first audio on a weak link
  let reply;
  try { reply = await api("GET", `/api/lessons/${card.dataset.lesson}/board-text`); } catch { return; }
  if (!reply.lines.length) {
    if (reply.status === "ready") {
      document.getElementById("board-text-none").classList.remove("hidden");
      card.classList.remove("hidden");
    }
    return;
  }
  lines = reply.lines.map((line) => {
    const link = el("button", { type: "button", className: "link time-link", textContent: clock(line.start),
                                title: t("board.shown", { start: clock(line.start), end: clock(line.end) }) });
    link.addEventListener("click", () => play(line.start));
    const item = el("li", { className: "board-line" }, link, " ", el("span", { textContent: line.text }));
    item.dataset.start = String(line.start);
    return { line, item };
  });
  list.replaceChildren(...lines.map(({ item }) => item));
  card.classList.remove("hidden");
  video()?.addEventListener("timeupdate", markShown);
  markShown();
}

if (card && list) load();
