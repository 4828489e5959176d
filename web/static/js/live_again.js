// After a live lesson ended: is it live again? Its teacher may resume a lesson ended by mistake for a while
// (the API's live_resume_minutes), so the observer and classroom pages keep asking the API, not the relay
// (the relay forgets a room once it ended). The one home of that loop for every live page.
import { grant } from "/static/js/live.js";

const CHECK_MS = 10_000;
const CHECK_FOR_MS = 30 * 60_000; // longer than any sensible resume window

/** Whether a relay grant says the lesson is live: a watch grant carries the lesson's status; a publish
 *  grant is refused (lesson_finished) unless the lesson may be published, so having one is enough. */
function isLive(kind, g) {
  return Boolean(g) && (kind === "publish" || g.status === "live");
}

/** Ask every `every` ms, for at most `within` ms, whether the lesson is live again, by the grant of `kind`
 *  ("watch" or "publish") this page uses anyway, and (`when`) whatever else the page needs of that grant;
 *  call `onLive(grant)` once when it is. Stops by itself when the API says the recording is ready (no resume
 *  is possible any more). Returns a function that stops asking. */
export function awaitLive(lessonId, kind, onLive, { every = CHECK_MS, within = CHECK_FOR_MS, when = () => true } = {}) {
  const until = Date.now() + within;
  let busy = false;
  const timer = setInterval(async () => {
    if (Date.now() > until) { clearInterval(timer); return; }
    if (busy) return;
    busy = true;
    const g = await grant(lessonId, kind).catch((err) => {
      if (err?.code === "lesson_ready") clearInterval(timer); // processed: it will not be live again
      return null;
    });
    busy = false;
    if (!isLive(kind, g) || !when(g)) return;
    clearInterval(timer);
    onLive(g);
  }, every);
  return () => clearInterval(timer);
}
