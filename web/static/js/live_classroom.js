// Dual classroom (双师课堂): publish this classroom, receive every other classroom of the lesson. The
// others are the large picture, this classroom's camera the small one; each shows its network quality,
// goes full screen, and says when its classroom left; the end of the lesson is shown here too.
import { pageData, t } from "/static/js/app.js";
import { sentQuality } from "/static/js/link_quality.js";
import { grant, RoomWatcher } from "/static/js/live.js";
import { wirePublisher } from "/static/js/live_publish.js";
import { dressTile, findTile, showPresence, showQuality, videoTile } from "/static/js/live_tiles.js";

const data = pageData("live-data");
const $ = (id) => document.getElementById(id);
const others = $("others");
const othersState = $("others-state");
const selfTile = dressTile($("self-tile"));
let quality = null;

/** The lesson is over (the master ended it, or the relay closed the room): stop sending and say so. */
async function lessonOver(publisher, reason) {
  clearInterval(quality);
  showQuality(selfTile, null);
  if (publisher.live) await publisher.stop(false);
  $("live-controls").classList.add("hidden");
  $("live-start").classList.add("hidden");
  $("live-ended").classList.add("hidden");
  $("lesson-over-text").textContent = t(reason === "ended_by_publisher" && !publisher.g?.master
    ? "live.over.by_master" : "live.over");
  $("lesson-over").classList.remove("hidden");
}

const publisher = wirePublisher(data.lesson.id, {
  endsLesson: (p) => Boolean(p.g?.master), // the master classroom (the grant says so)
  onStarted(p) {
    if (!p.g.master) $("live-stop").textContent = t("live.leave");
    const watcher = new RoomWatcher({
      fetchGrant: () => grant(data.lesson.id, "publish"), // the classroom token also receives (WHEP)
      ownLabel: p.g.label,
      show: (label, name, stream) => {
        $("others-empty")?.remove();
        videoTile(others, label, `${label} · ${name}`, stream, false);
      },
      onState: (state) => { othersState.dataset.state = state; othersState.textContent = t(`live.others.${state}`); },
      onPresence: (label, gone) => showPresence(findTile(others, label), gone),
      onQuality: (label, q) => showQuality(findTile(others, label), q),
      onEnded: (reason) => lessonOver(publisher, reason),
    });
    window.liveWatcher = watcher;
    watcher.start();
    quality = setInterval(async () => {
      const pc = publisher.pc;
      showQuality(selfTile, pc?.connectionState === "connected" ? await sentQuality(pc).catch(() => null) : null);
    }, 2000);
    $("live-stop").addEventListener("click", () => { watcher.stop(); clearInterval(quality); });
  },
});
