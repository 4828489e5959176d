// A transcript line's speaker label (教师 / 学生 / 多人) and, for those who may correct the transcript, the form
// that corrects it (PATCH /api/lessons/{id}/transcript/{line}). Shared by the report page and the player.
import { api, errorText, t } from "/static/js/app.js";

const SPEAKERS = ["teacher", "student", "mixed"];

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** The label in front of a line; empty when nobody was heard under it. */
export function speakerLabel(seg) {
  const known = SPEAKERS.includes(seg.speaker);
  return el("span", { className: `speaker speaker-${seg.speaker || "none"}`,
                      textContent: known ? `${t(`speaker.${seg.speaker}`)}：` : "" });
}

/** The line's text, its label, and (when `mayCorrect`) a 更正 button that opens the form in place. `onSaved(line)`
 *  runs after the server kept the correction (the player reloads its subtitles then). */
export function lineBody(lessonId, seg, mayCorrect, onSaved = () => {}) {
  const label = speakerLabel(seg);
  const text = el("span", { className: "segment-text", textContent: seg.text });
  const body = el("span", { className: "segment-body" }, label, text);
  if (!mayCorrect) return body;
  const open = el("button", { type: "button", className: "link correct-line", textContent: t("transcript.correct") });
  open.addEventListener("click", () => {
    const area = el("textarea", { className: "correct-text", rows: 2, value: seg.text });
    area.setAttribute("aria-label", t("transcript.correct.text"));
    const who = el("select", { className: "correct-speaker" });
    who.setAttribute("aria-label", t("transcript.correct.speaker"));
    for (const s of SPEAKERS) who.append(el("option", { value: s, textContent: t(`speaker.${s}`), selected: s === seg.speaker }));
    const status = el("p", { className: "meta", role: "status" });
    const save = el("button", { type: "submit", textContent: t("transcript.correct.save") });
    const cancel = el("button", { type: "button", className: "secondary", textContent: t("transcript.correct.cancel") });
    const form = el("form", { className: "correct-form stack" }, area, el("div", { className: "row" }, who, save, cancel), status);
    cancel.addEventListener("click", () => form.replaceWith(body));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      save.disabled = true;
      try {
        const line = await api("PATCH", `/api/lessons/${lessonId}/transcript/${seg.id}`, { text: area.value, speaker: who.value });
        Object.assign(seg, { text: line.text, speaker: line.speaker });
        text.textContent = line.text;
        label.replaceWith(speakerLabel(seg));
        form.replaceWith(body);
        onSaved(line);
      } catch (err) {
        status.textContent = errorText(err);
        save.disabled = false;
      }
    });
    body.replaceWith(form);
    area.focus();
  });
  body.append(" ", open);
  return body;
}
