// The polls kept with a lesson (or group): join links for everyone, the host panel for hosts.
import { api, t } from "/static/js/app.js";

const section = document.getElementById("lesson-polls");
const list = document.getElementById("lesson-poll-list");

async function load() {
  const page = await api("GET", `/api/${section.dataset.scope}/${section.dataset.owner}/polls?limit=50`);
  list.replaceChildren();
  for (const { poll, results } of page.items) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = poll.may_run ? `/polls/${poll.id}/host` : poll.join_path;
    link.textContent = poll.title;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = ` ${t(`poll.state.${poll.state}`)} · ${t("poll.respondents")} ${results.respondents} · ${poll.code}`;
    item.append(link, meta);
    if (poll.state === "open" && !poll.may_run) {
      const join = document.createElement("a");
      join.className = "button primary";
      join.href = poll.join_path;
      join.textContent = t("poll.join");
      item.append(" ", join);
    }
    list.append(item);
  }
  document.getElementById("lesson-polls-empty").classList.toggle("hidden", page.items.length > 0);
  document.getElementById("lesson-poll-new").classList.toggle("hidden", !page.may_host);
}

load().catch(() => section.classList.add("hidden"));
