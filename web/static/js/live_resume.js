// After the broadcaster ended the lesson: offer 继续直播（接着录） while the resume window lasts (the API's
// live_resume_minutes, counted from when the relay registered the recording). Pressing it reopens the
// lesson (POST .../live/resume); the new part is appended to the same recording.
import { api, errorText, t, toast } from "/static/js/app.js";

const REFRESH_MS = 15_000;

/** Show the resume button while the lesson can be resumed; `onResumed()` goes live again. Returns a
 *  function that hides it. */
export function offerResume(lessonId, onResumed) {
  const button = document.getElementById("live-resume");
  let timer = null;
  const hide = () => { clearInterval(timer); button.classList.add("hidden"); button.onclick = null; };
  const refresh = async () => {
    const w = await api("GET", `/api/lessons/${lessonId}/live/resume`).catch(() => null);
    if (!w || !w.resumable) { hide(); return; }
    button.textContent = t("live.resume", { minutes: w.minutes_left });
    button.classList.remove("hidden");
  };
  button.onclick = async () => {
    button.disabled = true;
    try {
      await api("POST", `/api/lessons/${lessonId}/live/resume`);
      hide();
      await onResumed();
    } catch (err) {
      toast(errorText(err));
      refresh();
    } finally {
      button.disabled = false;
    }
  };
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
  return hide;
}
