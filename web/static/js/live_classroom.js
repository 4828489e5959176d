// Dual classroom (双师课堂): publish this classroom, receive every other classroom of the lesson. The
// others are the large picture, this classroom's camera the small one; each shows its network quality,
// goes full screen, and says when its classroom left; the end of the lesson is shown here too, and when
// the master classroom resumes it (ended by mistake), this classroom is told and rejoins with one tap.
import { pageData, t } from "/static/js/app.js";
import { sentQuality } from "/static/js/link_quality.js";
import { grant, RoomWatcher } from "/static/js/live.js";
import { awaitLive } from "/static/js/live_again.js";
import { wirePublisher } from "/static/js/live_publish.js";
import { dressTile, findTile, showPresence, showQuality, videoTile } from "/static/js/live_tiles.js";

const data = pageData("live-data");
const $ = (id) => document.getElementById(id);
const others = $("others");
const othersState = $("others-state");
const selfTile = dressTile($("self-tile"));
let quality = null;
let watcher = null;

/** Stop receiving the other classrooms and sampling this one's link. */
function stopWatching() {
  watcher?.stop();
  watcher = null;
  clearInterval(quality);
  showQuality(selfTile, null);
}

/** The lesson is over (the master ended it, or the relay closed the room): stop sending and say so; a
 *  classroom other than the master waits for the master to resume it (the master is offered that itself). */
async function lessonOver(reason) {
  stopWatching();
  if (publisher.live) await publisher.stop(false);
  $("live-controls").classList.add("hidden");
  $("live-start").classList.add("hidden");
  $("live-ended").classList.add("hidden");
  const byMaster = reason === "ended_by_publisher" && !publisher.g?.master;
  $("lesson-over-text").textContent = t(byMaster ? "live.over.by_master" : "live.over");
  $("lesson-over").classList.remove("hidden");
  if (!publisher.g?.master) awaitLive(data.lesson.id, "publish", offerRejoin);
}

/** The lesson is live again: say so, and 重新加入 publishes this classroom and receives the others again. */
function offerRejoin() {
  $("lesson-over").classList.add("hidden");
  $("lesson-again").classList.remove("hidden");
  const button = $("live-rejoin");
  button.focus();
  button.onclick = async () => {
    button.disabled = true;
    $("lesson-again").classList.add("hidden");
    const live = await goLive();
    button.disabled = false;
    if (!live) $("lesson-again").classList.remove("hidden"); // goLive said why (camera, relay)
  };
}

const { publisher, goLive } = wirePublisher(data.lesson.id, {
  endsLesson: (p) => Boolean(p.g?.master), // the master classroom (the grant says so)
  onStarted(p) {
    $("live-stop").textContent = t(p.g.master ? "live.stop" : "live.leave");
    watcher = new RoomWatcher({
      fetchGrant: () => grant(data.lesson.id, "publish"), // the classroom token also receives (WHEP)
      ownLabel: p.g.label,
      show: (label, name, stream) => {
        $("others-empty")?.remove();
        videoTile(others, label, `${label} · ${name}`, stream, false);
      },
      onState: (state) => { othersState.dataset.state = state; othersState.textContent = t(`live.others.${state}`); },
      onPresence: (label, gone) => showPresence(findTile(others, label), gone),
      onQuality: (label, q) => showQuality(findTile(others, label), q),
      onEnded: (reason) => lessonOver(reason),
    });
    window.liveWatcher = watcher;
    watcher.start();
    quality = setInterval(async () => {
      const pc = publisher.pc;
      showQuality(selfTile, pc?.connectionState === "connected" ? await sentQuality(pc).catch(() => null) : null);
    }, 2000);
  },
});
// leaving (or ending) is confirmed first: a cancelled tap keeps receiving the other classrooms
$("live-stop-confirm").addEventListener("click", stopWatching);
