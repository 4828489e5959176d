// tingke's service worker: the offline lesson list and the lessons saved on this device, without a network.
// Rendered by api/offline/pages.py; a change to the shell's assets changes this script, so browsers
// install the new worker and cache the new shell.
const SHELL = "tingke-shell-{{ version }}";
const FILES = "tingke-offline-files";  // filled by /static/js/offline.js
const SHELL_URLS = {{ shell }};
const PRECACHED = new Set(SHELL_URLS);

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(SHELL_URLS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith("tingke-shell-") && key !== SHELL) await caches.delete(key);
    await self.clients.claim();
  })());
});

/** A saved file, or the byte range a <video> asks for (206), from the offline cache. */
async function savedFile(request) {
  const url = new URL(request.url);
  const hit = await (await caches.open(FILES)).match(url.origin + url.pathname);
  if (!hit) return new Response("This lesson is not saved on this device.", { status: 404 });
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("Range") || "");
  if (!range) return hit;
  const blob = await hit.blob();
  let start = range[1] === "" ? blob.size - Number(range[2]) : Number(range[1]);
  let end = range[1] === "" || range[2] === "" ? blob.size - 1 : Math.min(Number(range[2]), blob.size - 1);
  start = Math.max(0, start);
  if (start >= blob.size || start > end) {
    return new Response("", { status: 416, headers: { "Content-Range": `bytes */${blob.size}` } });
  }
  return new Response(blob.slice(start, end + 1), { status: 206, headers: {
    "Content-Type": hit.headers.get("Content-Type") || "application/octet-stream",
    "Content-Range": `bytes ${start}-${end}/${blob.size}`, "Content-Length": String(end - start + 1),
    "Accept-Ranges": "bytes" } });
}

/** The shell from its cache (the network only if the cache lost it). */
async function shell(request, key) {
  return (await caches.match(key, { cacheName: SHELL })) || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/offline/files/")) event.respondWith(savedFile(event.request));
  else if (url.pathname === "{{ '/offline' }}") event.respondWith(shell(event.request, "/offline"));
  else if (PRECACHED.has(url.pathname + url.search)) event.respondWith(shell(event.request, event.request));
});
