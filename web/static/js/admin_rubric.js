// Edit a rubric copy: names and each dimension's weight; the sum must be 100 before the API is asked.
import { api, errorText, pageData, t } from "/static/js/app.js";

const form = document.getElementById("rubric-form");
const dims = pageData("rubric-data");
const sum = document.getElementById("weight-sum");
const error = document.getElementById("rubric-error");
const saved = document.getElementById("rubric-saved");
const weights = () => [...form.querySelectorAll("input[name=weight]")].map((i) => Number(i.value) || 0);

function showSum() {
  const total = weights().reduce((a, b) => a + b, 0);
  sum.textContent = Math.round(total * 100) / 100;
  sum.className = Math.abs(total - 100) < 1e-6 ? "num ok" : "num error-text";
  return total;
}
form.addEventListener("input", showSum);
showSum();

function fail(err) { error.textContent = typeof err === "string" ? err : errorText(err); error.classList.remove("hidden"); }

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.classList.add("hidden");
  saved.classList.add("hidden");
  const body = { name_zh: form.elements.name_zh.value.trim(), name_en: form.elements.name_en.value.trim() };
  if (form.dataset.locked !== "1") {
    if (Math.abs(showSum() - 100) > 1e-6) return fail(t("admin.rubric.sum_must_be_100", { sum: sum.textContent }));
    const names = [...form.querySelectorAll("input[name=dim_name_zh]")].map((i) => i.value.trim());
    body.dimensions = dims.map((d, i) => ({ ...d, name_zh: names[i] || d.name_zh, weight: weights()[i] }));
  }
  try {
    await api("PATCH", `/api/rubrics/${form.dataset.id}`, body);
    saved.classList.remove("hidden");
  } catch (err) { fail(err); }
});

document.getElementById("make-default")?.addEventListener("click", async () => {
  try {
    await api("PATCH", `/api/rubrics/${form.dataset.id}`, { is_default: true });
    location.reload();
  } catch (err) { fail(err); }
});
