// "讨论" next to an observation note on the report page: open the note's thread, or start it right there.
// A note usually gets one thread; when there are several, the most recently active one opens.
import { api, clock, errorText, t } from "/static/js/app.js";

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function startForm(note, onCancel) {
  const id = `note-${note.id}-disc`;
  const body = el("textarea", { name: "body", id: `${id}-body`, required: true, maxLength: 5000, rows: 3,
                                placeholder: t("disc.mention_hint") });
  const error = el("p", { className: "error hidden", role: "alert" });
  const cancel = el("button", { type: "button", textContent: t("disc.cancel") });
  const form = el("form", { className: "stack note-disc-form", id, noValidate: true },
    el("p", { className: "meta", textContent: t("disc.note_first") }),
    el("label", { htmlFor: body.id }, t("disc.body")), body,
    el("div", { className: "row" }, el("button", { type: "submit", className: "primary", textContent: t("disc.post") }),
       cancel),
    error);
  cancel.addEventListener("click", onCancel);
  form.addEventListener("keydown", (event) => { if (event.key === "Escape") onCancel(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.classList.add("hidden");
    const title = t("disc.note_title", { t: clock(note.t), text: note.text.slice(0, 40) }).slice(0, 200);
    try {
      const thread = await api("POST", "/api/discussions", { note_id: note.id, title, body: body.value.trim() });
      location.assign(thread.link);
    } catch (err) {
      error.textContent = errorText(err, { body: t("disc.body") });
      error.classList.remove("hidden");
    }
  });
  return form;
}

/** The button (and, when needed, the inline form) for one note; append it to the note's list item.
 *  `threads` is the note's row of GET /api/lessons/{id}/note-discussions (absent: nobody discussed it yet),
 *  so the button says before any click that a discussion exists and how many posts it has. */
export function noteDiscussion(note, threads = null) {
  const box = el("span", { className: "note-disc" });
  const button = el("button", { type: "button", className: "link note-discuss", textContent: t("disc.note_discuss") });
  button.dataset.noteId = String(note.id);
  if (threads) {
    button.textContent = t("disc.note_discuss_n", { n: threads.posts });
    button.setAttribute("aria-label", t("disc.note_discuss_label", { n: threads.posts, threads: threads.threads }));
    button.classList.add("has-thread");
    button.dataset.posts = String(threads.posts);
  }
  button.setAttribute("aria-expanded", "false");
  box.append(button);
  let form = null;
  const close = () => { form?.remove(); form = null; button.setAttribute("aria-expanded", "false"); button.focus(); };
  button.addEventListener("click", async () => {
    if (form) { close(); return; }
    button.disabled = true;
    try {
      const found = await api("GET", `/api/discussions?note=${note.id}&limit=1`);
      if (found.items.length) { location.assign(found.items[0].link); return; }
      form = startForm(note, close);
      button.setAttribute("aria-expanded", "true");
      button.setAttribute("aria-controls", form.id);
      box.closest("li").append(form);
      form.elements.body.focus();
    } catch (err) {
      button.after(el("span", { className: "error", role: "alert", textContent: errorText(err) }));
    } finally {
      button.disabled = false;
    }
  });
  return box;
}
