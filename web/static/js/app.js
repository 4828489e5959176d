// Shared helpers for every page script: translations, API calls with the CSRF header, time format.
import { noteLink } from "/static/js/link.js";

const lang = document.body.dataset.lang || "zh";
// The page carries the translations its scripts use (api/pages/rendering.py); a page without them fetches the
// scripts' table (versioned: kept until it changes).
const embedded = document.getElementById("i18n-table");
const table = embedded ? JSON.parse(embedded.textContent)
  : await fetch(document.body.dataset.i18n || `/i18n/${lang}.json`).then((r) => (r.ok ? r.json() : {})).catch(() => ({}));

/** Translate a key of web/i18n/messages.tsv; {name} placeholders are filled from `values`. */
export function t(key, values = {}) {
  const text = table[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

function cookie(name) {
  const hit = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : "";
}

/** Headers that let a state-changing request through the CSRF check (for non-JSON bodies). */
export function csrfHeaders() {
  return { "X-CSRF-Token": cookie("tingke_csrf") };
}

export class ApiError extends Error {
  /** `detail` is the whole error object of the reply: code, message and the values it names. */
  constructor(status, code, message, detail = {}) {
    super(message); this.status = status; this.code = code; this.detail = detail;
  }
}

/** An API failure said in the page's language: the table's `apierr.<code>` filled with the error's values;
 *  a refused field is named with `labels[field]`; a code the table lacks keeps the API's own message. */
export function errorText(err, labels = {}) {
  const detail = err?.detail || {};
  if (err?.code === "invalid_input") {
    const field = (detail.details || []).map((d) => d.loc?.[d.loc.length - 1]).find((f) => f in labels);
    if (field) return t("apierr.invalid_field", { field: labels[field] });
  }
  const key = `apierr.${err?.code}`;
  return key in table ? t(key, detail) : (err?.message || String(err));
}

let wholeTable = null;
/** The whole table of the scripts (with the API's error texts, which pages do not embed), merged in once. */
function loadWholeTable() {
  if (!embedded) return Promise.resolve();
  wholeTable ??= fetch(document.body.dataset.i18n || `/i18n/${lang}.json`).then((r) => (r.ok ? r.json() : {}))
    .then((all) => { for (const [key, text] of Object.entries(all)) table[key] ??= text; })
    .catch(() => { wholeTable = null; });
  return wholeTable;
}

/** The ApiError of a refused reply, from the error object of its JSON body (`data`, null when not JSON). */
function replyError(reply, data) {
  const err = data?.error || {};
  return new ApiError(reply.status, err.code || "error", err.message || reply.statusText, err);
}

/** fetch() for our API: a reply that is not ok throws its ApiError; no reply at all (offline, server
 *  unreachable, connection cut) throws ApiError "network" instead of the browser's English words. */
export async function request(url, options) {
  let reply;
  try {
    reply = await fetch(url, { credentials: "same-origin", ...options });
  } catch (err) {
    throw new ApiError(0, "network", err?.message || "network error");
  }
  if (!reply.ok) {
    const data = await reply.json().catch(() => null);
    await loadWholeTable();  // errorText() can then say it in the page's language
    throw replyError(reply, data);
  }
  return reply;
}

/** Call the JSON API with the session cookie; state-changing calls carry X-CSRF-Token. */
export async function api(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = cookie("tingke_csrf");
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const reply = await request(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return reply.status === 204 ? null : reply.json().catch(() => null);
}

const districtZone = document.body.dataset.tz || "Asia/Shanghai";

/** An API time (UTC ISO 8601) as the district reads it, "2026-12-01 09:00" (`dateOnly`: "2026-12-01"),
 *  whatever zone this browser is in: the same rule as the server's tingke/timezone.py. */
export function localTime(iso, { dateOnly = false } = {}) {
  if (!iso) return "";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone: districtZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(moment).map((p) => [p.type, p.value]));
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  return dateOnly ? day : `${day} ${parts.hour}:${parts.minute}`;
}

/** Seconds → mm:ss (h:mm:ss past an hour). */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const two = (n) => String(n).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`
                   : `${two(Math.floor(s / 60))}:${two(s % 60)}`;
}

let toastTimer;
/** A short message read out by screen readers (role=status). */
export function toast(message) {
  const box = document.getElementById("toast");
  if (!box) return;
  box.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.textContent = ""; }, 4000);
}

/** The JSON a template put into <script type="application/json" id="...">. */
export function pageData(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

// Every page measures the link it was loaded over: the player then starts in the right mode at once.
if (document.readyState === "complete") noteLink();
else addEventListener("load", () => setTimeout(noteLink, 0), { once: true });

// ---- what can wait for the first sound ------------------------------------------------------------
// On a player page in the low-bandwidth mode (its template carries <meta name="tingke-first-sound">), the
// first audio segments must not share a 100 kbit/s link with what can wait (the board text, the unread
// count): those wait until the player says its first sound played (or a few seconds).
const FIRST_SOUND_EVENT = "tingke:first-sound";
const FIRST_SOUND_CAP_MS = 8000;

/** Resolves once the page's first sound has played; at once on pages that play nothing first. */
export function afterFirstSound() {
  if (!document.querySelector('meta[name="tingke-first-sound"]') || window.tingkeFirstSound) return Promise.resolve();
  return new Promise((resolve) => {
    document.addEventListener(FIRST_SOUND_EVENT, resolve, { once: true });
    setTimeout(resolve, FIRST_SOUND_CAP_MS);
  });
}

/** The player's first sound played (or it gave up waiting): release what waited for it. */
export function markFirstSound() {
  window.tingkeFirstSound = true;
  document.dispatchEvent(new Event(FIRST_SOUND_EVENT));
}
