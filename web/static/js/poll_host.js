// Host panel: open/close the poll and watch the results change live.
import { api, errorText, pageData, t, toast } from "/static/js/app.js";
import { setupEditing } from "/static/js/poll_edit.js";
import { renderResults, watch } from "/static/js/poll_live.js";

const { poll, results } = pageData("poll-data");
const box = document.getElementById("poll-results");
const stateBadge = document.getElementById("poll-state");
const openBtn = document.getElementById("poll-open");
const closeBtn = document.getElementById("poll-close");
const lockEditing = setupEditing(poll.id);

function show(res) {
  renderResults(box, res);
  lockEditing(res);
  document.getElementById("respondents").textContent = String(res.respondents);
  stateBadge.dataset.state = res.state;
  stateBadge.textContent = t(`poll.state.${res.state}`);
  openBtn?.classList.toggle("hidden", res.state === "open");
  closeBtn?.classList.toggle("hidden", res.state !== "open");
  document.body.dataset.pollVersion = String(res.version);
}

async function change(action) {
  try {
    await api("POST", `/api/polls/${poll.id}/${action}`);
    toast(t(action === "open" ? "poll.opened" : "poll.closed"));
  } catch (err) {
    toast(errorText(err));
  }
}

openBtn?.addEventListener("click", () => change("open"));
closeBtn?.addEventListener("click", () => change("close"));
show(results);
watch(poll.id, show);
