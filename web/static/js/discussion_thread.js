// One thread: posts oldest first (paged), reply (optionally to a post), edit and delete my posts.
import { api, errorText, localTime, pageData, t, toast } from "/static/js/app.js";

const thread = pageData("thread-data");
const box = document.getElementById("posts");
const more = document.getElementById("posts-more");
const form = document.getElementById("reply-form");
const PAGE = 50;
let offset = 0;
let replyTo = null;

/** The post's text with @mentions marked (as text nodes: nothing a user wrote becomes HTML). */
function bodyNode(text) {
  const node = document.createElement("div");
  node.className = "post-body";
  for (const part of text.split(/(@[A-Za-z0-9_][A-Za-z0-9_.-]*)/)) {
    if (part.startsWith("@")) {
      const m = document.createElement("span");
      m.className = "mention";
      m.textContent = part;
      node.append(m);
    } else node.append(part);
  }
  return node;
}

function button(label, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `link ${cls}`;
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

function render(post) {
  const node = document.createElement("article");
  node.className = "post" + (post.deleted ? " deleted" : "");
  node.id = `post-${post.id}`;
  const head = document.createElement("div");
  head.className = "meta";
  const edited = post.edited_at ? ` · ${t("disc.edited")}` : "";
  head.textContent = `${post.author.display_name} · ${post.author.school_name} · ${localTime(post.created_at)}${edited}`;
  node.append(head);
  if (post.reply_to_id) {
    const ref = document.createElement("a");
    ref.href = `#post-${post.reply_to_id}`;
    ref.className = "meta";
    ref.textContent = t("disc.in_reply");
    node.append(ref);
  }
  node.append(post.deleted ? bodyNode(t(post.deleted_by_moderator ? "disc.removed" : "disc.deleted")) : bodyNode(post.body));
  const tools = document.createElement("div");
  tools.className = "row";
  if (!post.deleted) {
    tools.append(button(t("disc.reply_to"), "post-reply", () => {
      replyTo = post.id;
      const note = document.getElementById("replying-to");
      note.textContent = t("disc.replying_to", { name: post.author.display_name });
      note.classList.remove("hidden");
      document.getElementById("reply-body").focus();
    }));
  }
  if (post.may_edit) {
    tools.append(button(t("disc.edit"), "post-edit", async () => {
      const text = prompt(t("disc.edit"), post.body);
      if (text === null || !text.trim()) return;
      try { node.replaceWith(render(await api("PATCH", `/api/discussion-posts/${post.id}`, { body: text.trim() }))); }
      catch (err) { toast(errorText(err, { body: t("disc.body") })); }
    }));
  }
  if (post.may_delete) {
    tools.append(button(t("disc.delete"), "post-delete", async () => {
      if (!confirm(t("disc.confirm_delete"))) return;
      try {
        await api("DELETE", `/api/discussion-posts/${post.id}`);
        node.replaceWith(render({ ...post, deleted: true, body: "", may_edit: false, may_delete: false,
                                  deleted_by_moderator: !post.may_edit }));
      } catch (err) { toast(errorText(err)); }
    }));
  }
  node.append(tools);
  return node;
}

async function load() {
  const detail = await api("GET", `/api/discussions/${thread.id}?limit=${PAGE}&offset=${offset}`);
  for (const post of detail.posts.items) box.append(render(post));
  offset += detail.posts.items.length;
  more.classList.toggle("hidden", offset >= detail.posts.total);
}

more.addEventListener("click", load);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { body: form.body.value.trim() };
  if (!body.body) return;
  if (replyTo) body.reply_to_id = replyTo;
  try {
    const post = await api("POST", `/api/discussions/${thread.id}/posts`, body);
    form.reset();
    replyTo = null;
    document.getElementById("replying-to").classList.add("hidden");
    if (more.classList.contains("hidden")) { box.append(render(post)); offset += 1; }
    toast(t("disc.posted"));
  } catch (err) {
    toast(errorText(err, { body: t("disc.body") }));
  }
});

document.getElementById("lock-toggle")?.addEventListener("click", async (event) => {
  const locked = event.target.dataset.locked !== "true";
  try { await api("POST", `/api/discussions/${thread.id}/lock`, { locked }); location.reload(); }
  catch (err) { toast(errorText(err)); }
});

load().then(() => {
  if (location.hash) document.querySelector(location.hash)?.scrollIntoView();
}).catch((err) => toast(errorText(err)));
