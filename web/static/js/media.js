// Lesson media from GET /api/lessons/{id}/media (signed, expiring URLs): HLS via hls.js from npm,
// or natively where the browser plays HLS itself.
import { api } from "/static/js/app.js";

let HlsClass = null;
async function hlsClass() {
  if (!HlsClass) HlsClass = (await import("/static/vendor/hls/hls.mjs")).default;
  return HlsClass;
}

/** The lesson's media description, or null when the lesson has none (or the API says no). */
export async function loadMedia(lessonId) {
  try { return await api("GET", `/api/lessons/${lessonId}/media`); } catch { return null; }
}

/** Play an HLS playlist in `video`, starting at `start` seconds; returns the hls.js instance (or null if native). */
export async function playHls(video, url, start = 0) {
  const Hls = await hlsClass();
  if (Hls.isSupported()) {
    const hls = new Hls({ startPosition: start, capLevelToPlayerSize: true });
    hls.loadSource(url);
    hls.attachMedia(video);
    return hls;
  }
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
    if (start) video.addEventListener("loadedmetadata", () => { video.currentTime = start; }, { once: true });
    return null;
  }
  throw new Error("HLS is not supported in this browser");
}

/** Attach the lesson's recording to a <video>; resolves false when there is nothing to play yet. */
export async function attachLessonVideo(lessonId, video, start = 0) {
  const media = await loadMedia(lessonId);
  if (!media?.hls || !video) return false;
  video.hls = await playHls(video, media.hls, start);
  if (media.poster) video.poster = media.poster;
  return true;
}
