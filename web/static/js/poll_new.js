// Build a poll or questionnaire: one or more questions, then go to the host panel.
import { api, errorText, pageData, t } from "/static/js/app.js";

const target = pageData("poll-target");
const list = document.getElementById("questions");
const template = document.getElementById("question-template");
const error = document.getElementById("poll-new-error");

function addQuestion(kind, prompt = "", options = []) {
  const node = template.content.firstElementChild.cloneNode(true);
  node.dataset.kind = kind;
  node.querySelector(".q-kind").textContent = t(`poll.kind.${kind}`);
  node.querySelector(".q-prompt").value = prompt;
  const choice = kind === "single" || kind === "multiple";
  node.querySelector(".q-options-label").classList.toggle("hidden", !choice);
  node.querySelector(".q-options").value = options.join("\n");
  node.querySelector(".q-remove").addEventListener("click", () => node.remove());
  list.append(node);
  node.querySelector(".q-prompt").focus();
}

document.getElementById("add-question").addEventListener("click", () => {
  addQuestion(document.getElementById("new-kind").value);
});

document.getElementById("poll-new-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  error.classList.add("hidden");
  const questions = [...list.querySelectorAll(".question")].map((q) => {
    const kind = q.dataset.kind;
    const options = kind === "single" || kind === "multiple"
      ? q.querySelector(".q-options").value.split("\n").map((s) => s.trim()).filter(Boolean) : [];
    return { kind, prompt: q.querySelector(".q-prompt").value.trim(), options };
  });
  const body = { title: document.getElementById("poll-title").value.trim(), questions,
                 open_now: document.getElementById("open-now").checked };
  if (target.lesson_id) body.lesson_id = target.lesson_id;
  if (target.group_id) body.group_id = target.group_id;
  try {
    const poll = await api("POST", "/api/polls", body);
    location.assign(`/polls/${poll.id}/host`);
  } catch (err) {
    error.textContent = errorText(err, { title: t("poll.title"), prompt: t("poll.prompt"),
                                        options: t("poll.options_hint") });
    error.classList.remove("hidden");
  }
});

addQuestion("single", t("poll.sample_prompt"), [t("poll.sample_yes"), t("poll.sample_partly"), t("poll.sample_no")]);
