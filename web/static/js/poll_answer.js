// Participant page: tap to choose, submit, change your answers until the host closes the poll.
import { api, errorText, pageData, t, toast } from "/static/js/app.js";
import { renderResults, watch } from "/static/js/poll_live.js";

const { poll, mine, results } = pageData("poll-data");
const form = document.getElementById("poll-form");
const status = document.getElementById("poll-status");
const submit = document.getElementById("poll-submit");
const box = document.getElementById("poll-results");
let state = poll.state;
let answeredOnce = mine.length > 0;

function pressed(fieldset) {
  return [...fieldset.querySelectorAll(".choice[aria-pressed=true]")].map((b) => Number(b.dataset.index));
}

// Fill in what I answered before, so that I can change it.
for (const answer of mine) {
  const fs = form.querySelector(`fieldset[data-qid="${answer.question_id}"]`);
  if (!fs) continue;
  if (fs.dataset.kind === "text") fs.querySelector("textarea").value = answer.text;
  const picked = fs.dataset.kind === "rating" ? [answer.rating] : answer.choices;
  for (const b of fs.querySelectorAll(".choice")) b.setAttribute("aria-pressed", String(picked.includes(Number(b.dataset.index))));
}

form.addEventListener("click", (event) => {
  const button = event.target.closest(".choice");
  if (!button || state !== "open") return;
  const fs = button.closest("fieldset");
  if (fs.dataset.kind !== "multiple") {
    for (const b of fs.querySelectorAll(".choice")) b.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", "true");
  } else {
    button.setAttribute("aria-pressed", String(button.getAttribute("aria-pressed") !== "true"));
  }
});

function collect() {
  const answers = [];
  for (const fs of form.querySelectorAll("fieldset")) {
    const qid = Number(fs.dataset.qid);
    if (fs.dataset.kind === "text") {
      const text = fs.querySelector("textarea").value.trim();
      if (text) answers.push({ question_id: qid, text });
    } else {
      const picked = pressed(fs);
      if (!picked.length) continue;
      answers.push(fs.dataset.kind === "rating" ? { question_id: qid, rating: picked[0] } : { question_id: qid, choices: picked });
    }
  }
  return answers;
}

function showState() {
  const open = state === "open";
  submit.disabled = !open;
  for (const control of form.querySelectorAll("button.choice, textarea")) control.disabled = !open;
  if (state === "draft") status.textContent = t("poll.not_open_yet");
  else if (state === "closed") status.textContent = t("poll.is_closed");
  else status.textContent = answeredOnce ? t("poll.saved_can_change") : t("poll.answer_now");
  submit.textContent = answeredOnce ? t("poll.update") : t("poll.submit");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const answers = collect();
  if (!answers.length) { toast(t("poll.pick_something")); return; }
  submit.disabled = true;
  try {
    await api("PUT", `/api/polls/${poll.id}/answers`, { answers });
    answeredOnce = true;
    toast(t("poll.saved"));
  } catch (err) {
    toast(errorText(err));
  }
  showState();
});

function show(res) {
  state = res.state;
  renderResults(box, res);
  document.getElementById("respondents").textContent = String(res.respondents);
  showState();
}

show(results);
watch(poll.id, show);
