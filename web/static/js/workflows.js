// Community workflow pages: record activities (with a file or link), upload materials, draw spot-checks,
// verify draws, edit quota rules, assess qualifications and record re-checks. Every action is one API call.
import { api, csrfHeaders, errorText, request, t, toast } from "/static/js/app.js";

function selected(select) {
  return select ? [...select.selectedOptions].map((o) => Number(o.value)).filter((n) => n > 0) : [];
}

/** Each named field of a form → the text of its label, so a refusal can name the field as the page does. */
function fieldLabels(form) {
  const labels = {};
  for (const field of form.elements) {
    const label = field.name && (field.closest("label") || (field.id && form.querySelector(`label[for="${field.id}"]`)));
    const text = label && [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (text) labels[field.name] = text.textContent.trim();
  }
  return labels;
}

/** An API refusal, in the page's language, in `el` (or a toast when the page has no place for it). */
function showError(el, err, labels = {}) {
  const text = errorText(err, labels);
  if (!el) { toast(text); return; }
  el.textContent = text;
  el.classList.remove("hidden");
}

async function uploadFile(activityId, file) {
  const body = new FormData();
  body.append("file", file);
  const reply = await request(`/api/activities/${activityId}/materials`, {
    method: "POST", body, headers: { ...csrfHeaders(), Accept: "application/json" },
  });
  return reply.json();
}

function on(id, handler) {
  const form = document.getElementById(id);
  if (form) form.addEventListener("submit", (event) => { event.preventDefault(); handler(form); });
}

on("activity-form", async (form) => {
  const error = document.getElementById("activity-error");
  error.classList.add("hidden");
  const f = form.elements;
  const link = f.link.value.trim();
  const body = {
    kind: f.kind.value, title: f.title.value, held_on: f.held_on.value, subject: f.subject.value,
    minutes: f.minutes.value, attendee_ids: selected(f.attendee_ids),
    school_id: f.school_id.value ? Number(f.school_id.value) : null,
    zone_id: f.zone_id && f.zone_id.value ? Number(f.zone_id.value) : null,
    links: link ? [{ name: link, url: link }] : [],
  };
  try {
    const made = await api("POST", "/api/activities", body);
    if (f.file.files.length) await uploadFile(made.id, f.file.files[0]);
    location.href = `/activities/${made.id}`;
  } catch (err) { showError(error, err, fieldLabels(form)); }
});

on("material-form", async (form) => {
  const status = form.querySelector("[role=status]");
  try {
    await uploadFile(form.dataset.id, form.elements.file.files[0]);
    location.reload();
  } catch (err) { status.textContent = errorText(err); status.className = "error"; }
});

on("draw-form", async (form) => {
  const error = document.getElementById("draw-error");
  error.classList.add("hidden");
  const f = form.elements;
  const body = { lesson_date: f.lesson_date.value, school_ids: selected(f.school_ids),
                 on_leave_user_ids: selected(f.on_leave_user_ids) };
  if (f.subject.value.trim()) body.subject = f.subject.value.trim();
  try {
    const made = await api("POST", "/api/spotchecks", body);
    toast(t("wf.spot.drawn", { name: made.chosen.name }));
    setTimeout(() => location.reload(), 600);
  } catch (err) { showError(error, err, fieldLabels(form)); }
});

for (const button of document.querySelectorAll("button.verify")) {
  button.addEventListener("click", async () => {
    const status = button.nextElementSibling;
    try {
      const result = await api("GET", `/api/spotchecks/${button.dataset.id}/verify`);
      status.textContent = t(result.reproduced ? "wf.spot.verified" : "wf.spot.mismatch");
      status.className = result.reproduced ? "ok" : "error";
    } catch (err) { status.textContent = errorText(err); status.className = "error"; }
  });
}

for (const form of document.querySelectorAll("form.rule-form")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = form.querySelector("[role=status]");
    try {
      await api("PATCH", `/api/quota-rules/${form.dataset.id}`, { target: Number(form.elements.target.value) });
      status.textContent = t("wf.saved");
      status.className = "ok";
    } catch (err) { status.textContent = errorText(err); status.className = "error"; }
  });
}

// A new quota rule: the API checks it (the same checks as any client's); its refusal is shown translated.
const ruleForm = document.getElementById("rule-new-form");
if (ruleForm) {
  const { audience, metric } = ruleForm.elements;
  const fitMetrics = () => {
    const kind = audience.value === "subject_group" ? "group" : "person";
    for (const option of metric.options) option.hidden = option.disabled = option.dataset.for !== kind;
    if (metric.selectedOptions[0]?.disabled) metric.value = [...metric.options].find((o) => !o.disabled).value;
  };
  audience.addEventListener("change", fitMetrics);
  fitMetrics();
}
const labelOf = (form, name) => form.elements[name].closest("label").firstChild.textContent.trim();
const numberOrNull = (input) => (input.value.trim() === "" ? null : Number(input.value));

on("rule-new-form", async (form) => {
  const error = document.getElementById("rule-new-error");
  error.classList.add("hidden");
  const f = form.elements;
  const labels = Object.fromEntries(["zone_id", "semester", "audience", "metric", "target", "maximum", "source"]
    .map((name) => [name, labelOf(form, name)]));
  try {
    const made = await api("POST", "/api/quota-rules", {
      zone_id: f.zone_id.value ? Number(f.zone_id.value) : null, semester: f.semester.value || null,
      audience: f.audience.value, metric: f.metric.value, target: numberOrNull(f.target),
      maximum: numberOrNull(f.maximum), source: f.source.value,
    });
    location.hash = `rule-${made.id}`;
    location.reload();  // the targets of everyone's progress may have changed
  } catch (err) { showError(error, err, labels); }
});

// After a rule was made, its row is shown: open the rules and scroll to it.
const justMade = location.hash.startsWith("#rule-") && document.getElementById(location.hash.slice(1));
if (justMade) {
  justMade.closest("details").open = true;
  justMade.classList.add("just-made");
  justMade.scrollIntoView({ block: "center" });
}

on("assess-form", async (form) => {
  const error = document.getElementById("assess-error");
  error.classList.add("hidden");
  const option = form.elements.observation.selectedOptions[0];
  try {
    await api("POST", "/api/qualifications", {
      teacher_id: Number(option.dataset.teacher), observation_id: Number(option.value),
      passed: form.elements.passed.checked, notes: form.elements.notes.value,
    });
    location.reload();
  } catch (err) { showError(error, err, fieldLabels(form)); }
});

on("recheck-form", async (form) => {
  const error = document.getElementById("recheck-error");
  error.classList.add("hidden");
  try {
    await api("POST", "/api/qualification-checks", {
      school_id: Number(form.elements.school_id.value), count: Number(form.elements.count.value),
    });
    location.reload();
  } catch (err) { showError(error, err, fieldLabels(form)); }
});

for (const form of document.querySelectorAll("form.check-form")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = form.querySelector("[role=status]");
    try {
      await api("POST", `/api/qualification-checks/${form.dataset.id}/result`, {
        observation_id: Number(form.elements.observation.value), passed: form.elements.passed.checked,
      });
      location.reload();
    } catch (err) { status.textContent = errorText(err); status.className = "error"; }
  });
}

on("event-form", async (form) => {
  const error = document.getElementById("event-error");
  error.classList.add("hidden");
  const f = form.elements;
  try {
    const made = await api("POST", "/api/events", {
      topic: f.topic.value, subject: f.subject.value, grade: f.grade.value, held_on: f.held_on.value,
      description: f.description.value, lesson_ids: selected(f.lesson_ids),
    });
    location.href = made.compare_url;
  } catch (err) { showError(error, err, fieldLabels(form)); }
});

for (const select of document.querySelectorAll("select.position-select")) {
  select.addEventListener("change", async () => {
    try {
      await api("PUT", `/api/users/${select.dataset.id}/position`, { position: select.value });
      location.reload();  // the post decides the targets: show the new ones
    } catch (err) { toast(errorText(err)); }
  });
}
