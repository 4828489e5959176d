// How good is this phone's link? The player starts in the low-bandwidth mode (audio + key frames) on a
// weak link without asking: measured from what the page itself just downloaded (Resource Timing: bytes
// over the time their bodies took), or the Network Information API where the browser has it. A choice the
// person made (ticking or unticking the mode) wins over any measurement and is remembered on this device.

const CHOICE_KEY = "tingke.playback";  // "low" | "standard"
const LINK_KEY = "tingke.link";  // the last measurement: {kbps, rttMs, at}
// The same two facts as cookies, so the server can render the player in the right mode from the start
// (api/pages/library.py: the audio-only rendition in the page itself, fetched before any script runs).
const CHOICE_COOKIE = "tingke_playback";
const LINK_COOKIE = "tingke_link_kbps";
const MIN_BYTES = 1500;  // smaller bodies take mostly latency: they say nothing about throughput
const FRESH_MS = 6 * 3600 * 1000;

function stored(key) {
  try { return JSON.parse(localStorage.getItem(key)); } catch { return null; }
}

function store(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* private mode: nothing kept */ }
}

function cookie(name, value, seconds) {
  document.cookie = `${name}=${encodeURIComponent(value)}; max-age=${seconds}; path=/; samesite=lax`;
}

/** {kbps, rttMs} from the transfers of this page so far, or null when everything came from a cache. Bodies
 *  download side by side, sharing the link: bytes over the time any of them was arriving (the union of their
 *  intervals), not over the sum of their times. */
export function measureLink() {
  const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")]
    .filter((e) => e.transferSize > MIN_BYTES && e.responseEnd > e.responseStart && e.name.startsWith(location.origin));
  if (!entries.length) return null;
  const bytes = entries.reduce((sum, e) => sum + e.encodedBodySize, 0);
  let busy = 0, end = -Infinity;
  for (const e of [...entries].sort((a, b) => a.responseStart - b.responseStart)) {
    busy += Math.max(0, e.responseEnd - Math.max(e.responseStart, end));
    end = Math.max(end, e.responseEnd);
  }
  const waits = entries.map((e) => e.responseStart - e.requestStart).filter((ms) => ms > 0).sort((a, b) => a - b);
  return { kbps: Math.round((bytes * 8) / Math.max(busy, 1)), rttMs: Math.round(waits[0] ?? 0) };
}

/** The link as best known: this page's measurement (kept for later pages served from cache), else the last
 *  one, else the browser's own estimate; null when nothing is known. */
export function linkEstimate() {
  const now = measureLink();
  if (now) { rememberLink(now); return { ...now, source: "measured" }; }
  const last = stored(LINK_KEY);
  if (last && Date.now() - last.at < FRESH_MS) return { kbps: last.kbps, rttMs: last.rttMs, source: "remembered" };
  const info = navigator.connection;
  if (info && info.downlink) return { kbps: Math.round(info.downlink * 1000), rttMs: info.rtt || 0, source: "browser" };
  return null;
}

/** "low" or "standard", and why: the person's remembered choice, else the link (weak below `weakKbps`),
 *  else standard. */
export function choosePlayback(weakKbps) {
  const choice = localStorage.getItem(CHOICE_KEY);
  if (choice === "low" || choice === "standard") return { mode: choice, reason: "chosen" };
  if (navigator.connection?.saveData) return { mode: "low", reason: "save-data" };
  const link = linkEstimate();
  if (link && link.kbps < weakKbps) return { mode: "low", reason: "weak", link };
  return { mode: "standard", reason: link ? "good" : "unknown", link };
}

export function rememberPlayback(mode) {
  try { localStorage.setItem(CHOICE_KEY, mode); } catch { /* nothing kept */ }
  cookie(CHOICE_COOKIE, mode, 365 * 86400);
}

/** Kept as a running mean with the last pages' figures: one page's few small files say little alone. */
function rememberLink(link) {
  const last = stored(LINK_KEY);
  const kbps = last && Date.now() - last.at < FRESH_MS ? Math.round((last.kbps + link.kbps) / 2) : link.kbps;
  store(LINK_KEY, { ...link, kbps, at: Date.now() });
  cookie(LINK_COOKIE, String(kbps), FRESH_MS / 1000);
}

/** Measure what this page downloaded and keep it for the next pages (called by every page once loaded). */
export function noteLink() {
  const now = measureLink();
  if (now) rememberLink(now);
}
