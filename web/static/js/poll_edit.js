// The poll's creator rewords a question or changes its options until the first answer arrives; after that
// the server refuses (409 poll_answered) and the page says why, in its own language.
import { api, errorText, t } from "/static/js/app.js";

const section = document.getElementById("poll-questions");

function setLocked(locked) {
  document.getElementById("poll-edit-hint").classList.toggle("hidden", locked);
  document.getElementById("poll-edit-locked").classList.toggle("hidden", !locked);
  for (const button of section.querySelectorAll("button.q-edit")) button.disabled = locked;
}

function wire(pollId, item) {
  const form = item.querySelector("form.q-form");
  const toggle = item.querySelector("button.q-edit");
  const error = form.querySelector(".error");
  const show = (open) => {
    form.classList.toggle("hidden", !open);
    toggle.setAttribute("aria-expanded", String(open));
    error.classList.add("hidden");
    if (open) form.elements.prompt.focus();
  };
  toggle.addEventListener("click", () => show(form.classList.contains("hidden")));
  form.querySelector("button.q-cancel").addEventListener("click", () => { show(false); toggle.focus(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { prompt: form.elements.prompt.value.trim() };
    if (form.elements.options) {
      body.options = form.elements.options.value.split("\n").map((s) => s.trim()).filter(Boolean);
    }
    try {
      const poll = await api("PATCH", `/api/polls/${pollId}/questions/${item.dataset.qid}`, body);
      const saved = poll.questions.find((q) => String(q.id) === item.dataset.qid);
      item.querySelector(".q-text").textContent = saved.prompt;
      show(false);
      toggle.focus();
    } catch (err) {
      const labels = { prompt: t("poll.prompt"), options: t("poll.options_hint") };
      error.textContent = errorText(err, labels);
      error.classList.remove("hidden");
    }
  });
}

/** Wire the question editor (present for the poll's creator only); returns what to call on new results. */
export function setupEditing(pollId) {
  if (!section) return () => {};
  for (const item of section.querySelectorAll("li.edit-q")) wire(pollId, item);
  return (results) => setLocked(results.respondents > 0);
}
