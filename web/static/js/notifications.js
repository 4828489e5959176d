// My notifications: newest first; opening one marks it read.
import { api, localTime, t } from "/static/js/app.js";

const list = document.getElementById("notif-list");
const more = document.getElementById("notif-more");
let offset = 0;

async function load() {
  const page = await api("GET", `/api/notifications?limit=50&offset=${offset}`);
  for (const n of page.items) {
    const li = document.createElement("li");
    li.className = "notification" + (n.read ? "" : " unread");
    const link = document.createElement("a");
    link.href = n.link || "#";
    // said in the reader's language when the table knows the kind (its values in n.params), else as stored
    const key = `notif.kind.${n.kind}`;
    const said = Object.keys(n.params || {}).length ? t(key, n.params) : key;
    link.textContent = said !== key ? said : n.text;
    link.addEventListener("click", async (event) => {
      if (n.read) return;
      event.preventDefault();
      await api("POST", `/api/notifications/${n.id}/read`).catch(() => null);
      location.assign(link.href);
    });
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = localTime(n.created_at);
    li.append(link, meta);
    list.append(li);
  }
  offset += page.items.length;
  more.classList.toggle("hidden", offset >= page.total);
  document.getElementById("notif-empty").classList.toggle("hidden", page.total > 0);
}

more.addEventListener("click", load);
document.getElementById("notif-read-all").addEventListener("click", async () => {
  await api("POST", "/api/notifications/read-all");
  for (const li of list.querySelectorAll(".unread")) li.classList.remove("unread");
  const badge = document.getElementById("notif-count");
  badge?.classList.add("hidden");
});
load();
