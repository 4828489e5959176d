// A lesson being processed: poll GET /api/jobs/{id} and show stage and percent until it ends.
import { api, t } from "/static/js/app.js";

const box = document.getElementById("job-progress");
if (box) {
  const stageText = (stage) => (stage ? t(`job.stage.${stage}`) : t("job.queued"));
  const tick = async () => {
    let job;
    try { job = await api("GET", `/api/jobs/${box.dataset.jobId}`); } catch { setTimeout(tick, 5000); return; }
    document.getElementById("job-stage").textContent = stageText(job.stage);
    document.getElementById("job-percent").textContent = job.progress;
    document.getElementById("job-bar").value = job.progress;
    if (job.state === "done") {
      box.querySelector("p").textContent = t("job.done");
      setTimeout(() => location.reload(), 800);
    } else if (job.state === "failed") {
      box.querySelector("p").textContent = t("lesson.failed", { reason: job.error || "" });
      box.querySelector("p").className = "error";
    } else {
      setTimeout(tick, 2000);
    }
  };
  setTimeout(tick, 1000);
}
