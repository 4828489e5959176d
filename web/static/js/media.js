// Lesson media from GET /api/lessons/{id}/media (signed, expiring URLs): played natively where the browser
// plays HLS itself (Safari, Chrome on Android and recent desktop Chrome), else with the light build of hls.js,
// which is only downloaded then (~115 KB compressed: seconds on a weak link).
import { api } from "/static/js/app.js";

let HlsClass = null;
async function hlsClass() {
  if (!HlsClass) HlsClass = (await import("/static/vendor/hls/hls.light.min.mjs")).default;
  return HlsClass;
}

/** Whether `video` plays HLS playlists without a library. */
export function playsHlsNatively(video) {
  return Boolean(video.canPlayType("application/vnd.apple.mpegurl"));
}

/** The lesson's media description, or null when the lesson has none (or the API says no). */
export async function loadMedia(lessonId) {
  try { return await api("GET", `/api/lessons/${lessonId}/media`); } catch { return null; }
}

/** Play an HLS playlist in `video`, starting at `start` seconds; returns the hls.js instance (or null if native). */
export async function playHls(video, url, start = 0) {
  if (playsHlsNatively(video)) {
    video.src = url;
    if (start) video.addEventListener("loadedmetadata", () => { video.currentTime = start; }, { once: true });
    return null;
  }
  const Hls = await hlsClass();
  if (Hls.isSupported()) {
    const hls = new Hls({ startPosition: start, capLevelToPlayerSize: true });
    hls.loadSource(url);
    hls.attachMedia(video);
    return hls;
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
