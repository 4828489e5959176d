// Schedule a lesson through POST /api/lessons; dual-teacher lessons carry their classrooms.
import { api, errorText, t } from "/static/js/app.js";

const form = document.getElementById("lesson-form");
const rooms = document.getElementById("classrooms");
const mode = document.getElementById("room-mode");
const errorBox = document.getElementById("form-error");

mode.addEventListener("change", () => rooms.classList.toggle("hidden", mode.value !== "dual"));

// A classroom's teacher list offers only the teachers of the school chosen for it (every teacher's
// option carries data-school; options are rebuilt because a hidden <option> still shows on iPhones).
for (const row of rooms.querySelectorAll(".classroom")) {
  const school = row.querySelector("[name=room_school]");
  const teacher = row.querySelector("[name=room_teacher]");
  const [none, ...everyone] = [...teacher.options];
  const offer = () => {
    const kept = teacher.value;
    const mine = everyone.filter((option) => school.value && option.dataset.school === school.value);
    teacher.replaceChildren(none, ...mine);
    teacher.value = mine.some((option) => option.value === kept) ? kept : "";
    teacher.disabled = !school.value;
  };
  school.addEventListener("change", offer);
  offer();
}

// Fields the API may name in an invalid_input refusal, as the form labels them.
const labels = Object.fromEntries(["title", "topic", "subject", "grade", "kind", "visibility", "scheduled_at",
  "teacher_id", "room_mode"].map((name) => [name, t(`field.${name.replace(/_id$/, "")}`)]));
labels.duration_minutes = t("field.duration");
labels.classrooms = t("lesson.classrooms");

function showError(message) {
  errorBox.textContent = message;
  errorBox.classList.remove("hidden");
  errorBox.focus?.();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = new FormData(form);
  const body = {
    title: f.get("title").trim(), topic: f.get("topic").trim(), subject: f.get("subject").trim(),
    grade: f.get("grade").trim(), kind: f.get("kind"), visibility: f.get("visibility"),
    room_mode: f.get("room_mode"), duration_minutes: Number(f.get("duration_minutes") || 45),
  };
  if (!body.title || !body.subject || !body.grade) return showError(t("lesson.error.required"));
  // the district's wall clock as typed ("2026-12-01T09:00", no offset): the API reads it in the district's
  // zone, so a browser in another zone (a teacher travelling, a phone set to UTC) books the same 09:00
  if (f.get("scheduled_at")) body.scheduled_at = f.get("scheduled_at");
  if (f.get("teacher_id")) body.teacher_id = Number(f.get("teacher_id"));
  if (body.room_mode === "dual") {
    body.classrooms = [];
    for (const row of rooms.querySelectorAll(".classroom")) {
      const school = row.querySelector("[name=room_school]").value;
      const teacher = row.querySelector("[name=room_teacher]").value;
      if (school) body.classrooms.push({ school_id: Number(school), teacher_id: teacher ? Number(teacher) : null });
    }
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const lesson = await api("POST", "/api/lessons", body);
    location.href = `/lessons/${lesson.id}`;
  } catch (err) {
    showError(errorText(err, labels));
    button.disabled = false;
  }
});
