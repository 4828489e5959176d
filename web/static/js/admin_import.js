// Bulk import: upload → preview (one line per row, nothing written) → confirm → one-time passwords, once.
import { api, csrfHeaders, errorText, request, t } from "/static/js/app.js";

const $ = (id) => document.getElementById(id);
const form = $("import-form");
const kind = $("import-kind");
let token = null;

function setTemplates() {
  $("template-xlsx").href = `/api/imports/${kind.value}/template.xlsx`;
  $("template-csv").href = `/api/imports/${kind.value}/template.csv`;
}
kind.addEventListener("change", setTemplates);
const wanted = location.hash.slice(1);
if ([...kind.options].some((o) => o.value === wanted)) { kind.value = wanted; setTemplates(); }

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function counts(c) {
  return t("admin.import.counts", { created: c.created, updated: c.updated, unchanged: c.unchanged, error: c.error });
}

function changesText(changes, status) {
  if (status === "created") return Object.values(changes || {}).map(([, after]) => after).join(" · ");
  return Object.entries(changes || {}).map(([field, [before, after]]) =>
    before === null || before === undefined || before === "" ? `${field}：${after}` : `${field}：${before} → ${after}`).join("；");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  $("import-error").classList.add("hidden");
  $("import-done").classList.add("hidden");
  const file = $("import-file").files[0];
  if (!file) return;
  const body = new FormData();
  body.append("file", file);
  $("import-preview").disabled = true;
  try {
    const reply = await request(`/api/imports/${kind.value}/preview`, {
      method: "POST", body, headers: { ...csrfHeaders(), Accept: "application/json" } });
    const plan = await reply.json();
    token = plan.token;
    const tbody = $("import-rows").tBodies[0];
    tbody.replaceChildren();
    for (const r of plan.rows) {
      const row = tbody.insertRow();
      row.dataset.status = r.status;
      cell(row, r.row, "num");
      cell(row, r.label);
      cell(row, t(`admin.import.status.${r.status}`), `status-${r.status}`);
      cell(row, r.status === "error" ? r.message : changesText(r.changes, r.status));
    }
    $("import-counts").textContent = counts(plan.counts);
    const writable = plan.counts.created + plan.counts.updated;
    $("import-confirm").disabled = writable === 0;
    $("import-confirm").textContent = writable ? t("admin.import.confirm_n", { n: writable }) : t("admin.import.nothing");
    $("import-result").classList.remove("hidden");
    $("import-result").scrollIntoView({ block: "start" });
  } catch (err) {
    $("import-error").textContent = errorText(err);
    $("import-error").classList.remove("hidden");
  } finally {
    $("import-preview").disabled = false;
  }
});

let passwords = [];
$("import-confirm").addEventListener("click", async () => {
  if (!token) return;
  $("import-confirm").disabled = true;
  try {
    const done = await api("POST", `/api/imports/${encodeURIComponent(token)}/confirm`);
    token = null;
    $("import-result").classList.add("hidden");
    $("done-counts").textContent = counts(done.counts);
    passwords = done.passwords || [];
    const tbody = $("password-rows").tBodies[0];
    tbody.replaceChildren();
    for (const p of passwords) {
      const row = tbody.insertRow();
      cell(row, p.name); cell(row, p.username); cell(row, p.password, "secret");
    }
    $("done-passwords").classList.toggle("hidden", passwords.length === 0);
    $("import-done").classList.remove("hidden");
    $("import-done").scrollIntoView({ block: "start" });
  } catch (err) {
    $("import-error").textContent = errorText(err);
    $("import-error").classList.remove("hidden");
    $("import-confirm").disabled = false;
  }
});

$("passwords-download").addEventListener("click", () => {
  const lines = [[t("admin.user.name"), t("admin.user.username"), t("admin.password.one_time")],
                 ...passwords.map((p) => [p.name, p.username, p.password])];
  const text = "\ufeff" + lines.map((l) => l.map((v) => `"${String(v).replace(/"/g, '""')}"`).join(",")).join("\r\n");
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  link.download = "accounts.csv";
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
});
