// Threads about one lesson, note or group: list (newest activity first, paged) and start a new one.
import { api, errorText, localTime, t, toast } from "/static/js/app.js";

const section = document.getElementById("discussion");
const list = document.getElementById("thread-list");
const more = document.getElementById("threads-more");
const query = `${section.dataset.target}=${section.dataset.id}`;
const PAGE = 20;
let offset = 0;

function item(thread) {
  const li = document.createElement("li");
  li.id = `thread-${thread.id}`;
  const link = document.createElement("a");
  link.href = thread.link;
  link.textContent = thread.title;
  const meta = document.createElement("div");
  meta.className = "meta";
  const when = localTime(thread.last_post_at);
  meta.textContent = `${thread.author.display_name} · ${thread.author.school_name} · ${t("disc.posts", { n: thread.post_count })} · ${when}`;
  const preview = document.createElement("div");
  preview.textContent = thread.preview;
  li.append(link, meta, preview);
  return li;
}

async function load(reset = false) {
  if (reset) { offset = 0; list.replaceChildren(); }
  const page = await api("GET", `/api/discussions?${query}&limit=${PAGE}&offset=${offset}`);
  for (const thread of page.items) list.append(item(thread));
  offset += page.items.length;
  more.classList.toggle("hidden", offset >= page.total);
  document.getElementById("threads-empty").classList.toggle("hidden", page.total > 0);
}

more.addEventListener("click", () => load());
document.getElementById("thread-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = { title: form.title.value.trim(), body: form.body.value.trim() };
  body[`${section.dataset.target}_id`] = Number(section.dataset.id);
  try {
    const thread = await api("POST", "/api/discussions", body);
    form.reset();
    document.getElementById("thread-new").open = false;
    toast(t("disc.posted"));
    list.prepend(item(thread));
    document.getElementById("threads-empty").classList.add("hidden");
  } catch (err) {
    toast(errorText(err, { title: t("disc.title"), body: t("disc.body") }));
  }
});

load(true).catch(() => section.classList.add("hidden"));
