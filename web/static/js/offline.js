// Lessons kept on this device for playback without a network: the file (audio-only, or the video), its
// subtitles, transcript and key frames go into the Cache API under stable /offline/files/<lesson>/… URLs that
// the service worker (/sw.js) answers, byte ranges included, so a <video> plays them offline.
export const FILES_CACHE = "tingke-offline-files";
const prefix = (lessonId) => `/offline/files/${lessonId}/`;

/** Whether this browser can keep lessons (service workers need https or localhost). */
export function offlineSupported() {
  return "serviceWorker" in navigator && "caches" in window && window.isSecureContext;
}

/** Install the service worker (once) and wait until it controls the offline URLs. */
export async function installWorker() {
  await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  return navigator.serviceWorker.ready;
}

async function download(url, onBytes) {
  const reply = await fetch(url, { credentials: "same-origin" });
  if (!reply.ok) throw new Error(`HTTP ${reply.status}`);
  if (!reply.body || !onBytes) return reply.blob();
  const reader = reply.body.getReader();
  const parts = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    onBytes(value.byteLength);
  }
  return new Blob(parts, { type: reply.headers.get("Content-Type") || "" });
}

function put(cache, url, blob, type) {
  return cache.put(url, new Response(blob, { headers: { "Content-Type": type || blob.type || "application/octet-stream",
                                                        "Content-Length": String(blob.size) } }));
}

/** Save one lesson ("audio": audio + key frames; "video": the video file) with its subtitles and transcript;
 *  `progress(done, total)` in bytes of the main file. */
export async function saveLesson({ lessonId, title, teacher, school, kind, media }, progress = () => {}) {
  if (!offlineSupported()) throw new Error("offline storage is not available in this browser");
  await installWorker();
  navigator.storage?.persist?.().catch(() => {});
  const cache = await caches.open(FILES_CACHE);
  const base = prefix(lessonId);
  const source = kind === "audio" ? media.audio_download : media.download;
  const name = kind === "audio" ? "audio.m4a" : "video.mp4";
  const head = await fetch(source, { method: "HEAD", credentials: "same-origin" });
  const total = Number(head.headers.get("Content-Length")) || 0;
  let done = 0;
  const file = await download(source, (n) => { done += n; progress(done, total); });
  const frames = [];
  for (const [i, frame] of (media.storyboard || []).entries()) {
    if (kind !== "audio") break;  // the video has its own pictures
    const url = `${base}kf/${i}.jpg`;
    await put(cache, url, await download(frame.url), "image/jpeg");
    frames.push({ t: frame.t, url });
  }
  let poster = null;
  if (media.poster) { poster = `${base}poster.jpg`; await put(cache, poster, await download(media.poster), "image/jpeg"); }
  await put(cache, `${base}subtitles.vtt`, await download(`/api/lessons/${lessonId}/subtitles.vtt`), "text/vtt");
  await put(cache, `${base}transcript.json`, await download(`/api/lessons/${lessonId}/transcript`), "application/json");
  for (const other of ["audio.m4a", "video.mp4"]) if (other !== name) await cache.delete(`${base}${other}`);
  await put(cache, `${base}${name}`, file, kind === "audio" ? "audio/mp4" : "video/mp4");
  const entry = { lessonId, title, teacher, school, kind, file: `${base}${name}`, bytes: file.size, poster,
                  storyboard: frames, subtitles: `${base}subtitles.vtt`, transcript: `${base}transcript.json`,
                  duration: media.duration_seconds, savedAt: new Date().toISOString() };
  await put(cache, `${base}meta.json`, new Blob([JSON.stringify(entry)]), "application/json");
  return entry;
}

/** The lessons kept on this device, newest first. */
export async function savedLessons() {
  const cache = await caches.open(FILES_CACHE);
  const metas = (await cache.keys()).filter((r) => new URL(r.url).pathname.endsWith("/meta.json"));
  const entries = await Promise.all(metas.map((r) => cache.match(r).then((reply) => reply.json())));
  return entries.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
}

export async function removeLesson(lessonId) {
  const cache = await caches.open(FILES_CACHE);
  const base = prefix(lessonId);
  for (const request of await cache.keys()) if (new URL(request.url).pathname.startsWith(base)) await cache.delete(request);
}
