// Upload a lesson recording over a weak phone connection: the resumable protocol of
// POST /api/lessons/{id}/recording, then PATCH chunks; after a dropped chunk, ask the server
// how much arrived and go on from there.
import { api, ApiError, csrfHeaders, errorText, request, t } from "/static/js/app.js";

const form = document.getElementById("upload-form");
const bar = document.getElementById("upload-bar");
const state = document.getElementById("upload-state");
const RETRIES = 8;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function sendChunk(url, offset, blob) {
  const reply = await request(url, { method: "PATCH", body: blob,
    headers: { ...csrfHeaders(), "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" } });
  return reply.json().catch(() => ({}));
}

async function upload(lessonId, file) {
  const session = await api("POST", `/api/lessons/${lessonId}/recording`, { size: file.size, filename: file.name });
  const chunk = Math.min(session.chunk_max_bytes || 4 * 1024 * 1024, 4 * 1024 * 1024);
  let offset = session.offset;
  let failures = 0;
  for (;;) {
    bar.value = Math.floor((offset / file.size) * 100);
    state.textContent = t("upload.progress", { percent: bar.value });
    try {
      const body = await sendChunk(session.url, offset, file.slice(offset, offset + chunk));
      if (body.complete) return body;
      offset = body.offset;
      failures = 0;
    } catch (err) {
      if (err.status && err.status < 500 && err.status !== 409 && err.status !== 400) throw err; // a clear refusal
      if (++failures > RETRIES) throw err;
      state.textContent = t("upload.retrying");
      await sleep(1000 * failures);
      offset = (await api("GET", session.url)).offset; // resume where the server's bytes end
    }
  }
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("upload-file").files[0];
  if (!file) return;
  const button = document.getElementById("upload-start");
  button.disabled = true;
  bar.classList.remove("hidden");
  try {
    await upload(Number(form.dataset.lessonId), file);
    bar.value = 100;
    state.textContent = t("upload.done");
    setTimeout(() => location.reload(), 600);
  } catch (err) {
    state.textContent = err instanceof ApiError ? errorText(err, { size: t("upload.file") }) : t("upload.failed");
    state.className = "error";
    button.disabled = false;
  }
});
