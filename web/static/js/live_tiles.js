// Video tiles of the live pages: one <figure> per classroom (or the broadcaster), with a caption, a
// full-screen button, a network-quality badge and a notice when that classroom has left or dropped.
import { t } from "/static/js/app.js";
import { rating } from "/static/js/link_quality.js";

/** Count presented frames on video.dataset.frames (requestVideoFrameCallback), for status and tests. */
export function countFrames(video) {
  video.dataset.frames = "0";
  if (!video.requestVideoFrameCallback) return;
  const tick = () => { video.dataset.frames = String(Number(video.dataset.frames) + 1); video.requestVideoFrameCallback(tick); };
  video.requestVideoFrameCallback(tick);
}

function fullscreenElement() {
  return document.fullscreenElement || document.webkitFullscreenElement || null;
}

/** Full screen for the whole tile (its caption and badges stay on the picture); iPhone Safari, which
 *  has no element full screen, gets its own full-screen video player instead. */
async function toggleFullscreen(figure) {
  const video = figure.querySelector("video");
  if (fullscreenElement() === figure) {
    await (document.exitFullscreen || document.webkitExitFullscreen)?.call(document);
  } else if (figure.requestFullscreen || figure.webkitRequestFullscreen) {
    await (figure.requestFullscreen || figure.webkitRequestFullscreen).call(figure);
  } else if (video?.webkitEnterFullscreen) {
    video.webkitEnterFullscreen();
  }
}

function labelFullscreenButtons() {
  for (const button of document.querySelectorAll("figure.tile button.tile-full")) {
    const on = fullscreenElement() === button.closest("figure");
    button.textContent = t(on ? "live.fullscreen.exit" : "live.fullscreen");
    button.setAttribute("aria-pressed", String(on));
  }
}
document.addEventListener("fullscreenchange", labelFullscreenButtons);
document.addEventListener("webkitfullscreenchange", labelFullscreenButtons);

/** Give `figure` (holding a <video>) its full-screen button, quality badge and notice. */
export function dressTile(figure, caption) {
  figure.classList.add("tile");
  if (!figure.querySelector("figcaption")) {
    const text = document.createElement("figcaption");
    figure.append(text);
  }
  if (caption !== undefined) figure.querySelector("figcaption").textContent = caption;
  if (figure.querySelector(".tile-full")) return figure;
  const full = document.createElement("button");
  full.type = "button";
  full.className = "tile-full";
  full.textContent = t("live.fullscreen");
  full.setAttribute("aria-pressed", "false");
  full.addEventListener("click", () => toggleFullscreen(figure).catch(() => null));
  const badge = document.createElement("span");
  badge.className = "tile-net hidden";
  badge.setAttribute("role", "img");
  const notice = document.createElement("p");
  notice.className = "tile-notice hidden";
  notice.setAttribute("role", "status");
  figure.append(full, badge, notice);
  return figure;
}

/** A tile with a <video> for one publisher, reused across re-subscriptions (keyed by label). */
export function videoTile(container, label, caption, stream, muted = true) {
  let figure = [...container.querySelectorAll("figure.tile")].find((f) => f.dataset.label === label);
  if (!figure) {
    figure = document.createElement("figure");
    figure.dataset.label = label;
    const video = document.createElement("video");
    video.autoplay = true; video.playsInline = true; video.muted = muted;
    video.setAttribute("playsinline", "");
    figure.append(video);
    dressTile(figure, caption || label);
    container.append(figure);
    countFrames(video);
  }
  const video = figure.querySelector("video");
  if (video.srcObject !== stream) video.srcObject = stream;
  video.play().catch(() => null);
  return video;
}

export function findTile(container, label) {
  return [...container.querySelectorAll("figure.tile")].find((f) => f.dataset.label === label) || null;
}

/** Say on the tile that its classroom left (`gone` "left"), lost its connection ("lost"), or is back (null). */
export function showPresence(figure, gone) {
  if (!figure) return;
  const notice = figure.querySelector(".tile-notice");
  figure.dataset.presence = gone || "live";
  notice.textContent = gone ? t(`live.tile.${gone}`) : "";
  notice.classList.toggle("hidden", !gone);
}

/** The network-quality badge of a tile: `q` = {rtt (ms or null), loss (0..1 or null)} or null (unknown). */
export function showQuality(figure, q) {
  const badge = figure?.querySelector(".tile-net");
  if (!badge) return;
  if (!q || (q.rtt == null && q.loss == null)) { badge.classList.add("hidden"); return; }
  const level = rating(q);
  const rtt = q.rtt == null ? "–" : String(Math.round(q.rtt));
  const loss = q.loss == null ? "–" : (q.loss * 100).toFixed(q.loss < 0.1 ? 1 : 0);
  badge.dataset.level = level;
  badge.dataset.rtt = q.rtt == null ? "" : String(Math.round(q.rtt));
  badge.dataset.loss = q.loss == null ? "" : String(q.loss);
  badge.textContent = t("live.net.short", { rtt, loss });
  badge.setAttribute("aria-label", t("live.net.label", { level: t(`live.net.${level}`), rtt, loss }));
  badge.title = badge.getAttribute("aria-label");
  badge.classList.remove("hidden");
}
