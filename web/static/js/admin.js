// The district office's forms: each <form data-api="METHOD /api/..."> becomes one JSON API call, so a page
// change goes through the same service (rules, audit) as any API client. Field conventions:
//   data-type="int"  a number (empty: left out, or null with data-empty="null")
//   data-type="ids"  a list of numbers (checkboxes, <select multiple>, or one hidden value)
//   data-empty="null" an emptied field is sent as null (clears it); otherwise an empty field is left out
// After success: data-after="reload" | "redirect:/path/{id}" | "password" (show the one-time password once).
import { api, errorText, t } from "/static/js/app.js";

function fieldLabels(form) {
  const labels = {};
  for (const field of form.elements) {
    const label = field.name && field.closest("label");
    const text = label && [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (text) labels[field.name] = text.textContent.trim();
  }
  return labels;
}

export function collect(form) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.disabled || field.type === "submit" || field.type === "button") continue;
    const kind = field.dataset.type;
    if (kind === "ids") {
      const values = field.multiple ? [...field.selectedOptions].map((o) => o.value)
        : (field.type === "checkbox" ? (field.checked ? [field.value] : []) : [field.value]);
      body[field.name] = [...(body[field.name] || []), ...values.filter((v) => v !== "").map(Number)];
      continue;
    }
    if (field.type === "checkbox") { body[field.name] = field.checked; continue; }
    const value = field.value.trim();
    if (value === "") {
      if (field.dataset.empty === "null") body[field.name] = null;
      continue;
    }
    body[field.name] = kind === "int" ? Number(value) : value;
  }
  return body;
}

function showPassword(made, form) {
  const box = document.getElementById("password-box");
  const secret = made?.one_time_password;
  if (!box || !secret) { location.reload(); return; }
  document.getElementById("password-user").textContent = made.display_name || form.dataset.name || made.username || "";
  document.getElementById("password-value").textContent = secret;
  box.classList.remove("hidden");
  box.scrollIntoView({ block: "center" });
  document.getElementById("password-done").onclick = () => location.reload();
}

for (const form of document.querySelectorAll("form[data-api]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = form.querySelector(".error");
    if (error) error.classList.add("hidden");
    if (form.dataset.confirm && !window.confirm(t(form.dataset.confirm, { name: form.dataset.name || "" }))) return;
    const [method, url] = form.dataset.api.split(" ");
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const body = collect(form);
      const made = await api(method, url, method === "DELETE" ? undefined : body);
      const after = form.dataset.after || "reload";
      if (after === "password") showPassword(made, form);
      else if (after.startsWith("redirect:")) location.href = after.slice(9).replace("{id}", made?.id ?? "");
      else location.reload();
    } catch (err) {
      const text = errorText(err, fieldLabels(form));
      if (error) { error.textContent = text; error.classList.remove("hidden"); } else window.alert(text);
    } finally {
      if (button) button.disabled = false;
    }
  });
}
