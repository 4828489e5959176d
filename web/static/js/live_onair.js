// What a broadcaster sees while on air: that the lesson is being recorded, the lesson clock (the relay's
// live_seconds, ticking locally between polls) and how many are watching (the relay's WebRTC viewers
// plus the API's count of live HLS viewers).
import { api } from "/static/js/app.js";
import { roomStatus } from "/static/js/live.js";

const POLL_MS = 5000;

/** "mm:ss", or "h:mm:ss" past an hour. */
export function clockText(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const two = (n) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}

/** Show the on-air line while `publisher.live`; returns a function that stops it. */
export function showOnAir(publisher, lessonId) {
  const $ = (id) => document.getElementById(id);
  const line = $("live-onair");
  let base = 0, baseAt = performance.now(), stopped = false;
  const tick = () => { $("live-clock").textContent = clockText(base + (performance.now() - baseAt) / 1000); };
  const poll = async () => {
    if (!publisher.g) return;
    const [room, crowd] = await Promise.all([
      roomStatus(publisher.g).catch(() => null),
      api("GET", `/api/lessons/${lessonId}/live/audience`).catch(() => null),
    ]);
    if (stopped) return;
    if (room && room.live_seconds != null) { base = room.live_seconds; baseAt = performance.now(); }
    if (room || crowd) $("live-audience").textContent = String((room?.viewers || 0) + (crowd?.hls_viewers || 0));
  };
  line.classList.remove("hidden");
  tick();
  poll();
  const ticker = setInterval(tick, 1000);
  const poller = setInterval(poll, POLL_MS);
  return () => { stopped = true; clearInterval(ticker); clearInterval(poller); line.classList.add("hidden"); };
}
