// Dual classroom (双师课堂): publish this classroom, receive every other classroom of the lesson.
import { pageData, t } from "/static/js/app.js";
import { grant, RoomWatcher, videoTile } from "/static/js/live.js";
import { wirePublisher } from "/static/js/live_publish.js";

const data = pageData("live-data");
const others = document.getElementById("others");
const othersState = document.getElementById("others-state");

wirePublisher(data.lesson.id, {
  endsLesson: (publisher) => Boolean(publisher.g?.master), // the master classroom (the grant says so)
  onStarted(publisher) {
    if (!publisher.g.master) document.getElementById("live-stop").textContent = t("live.leave");
    const watcher = new RoomWatcher({
      fetchGrant: () => grant(data.lesson.id, "publish"), // the classroom token also receives (WHEP)
      ownLabel: publisher.g.label,
      show: (label, name, stream) => videoTile(others, label, `${label} · ${name}`, stream, false),
      onState: (state) => { othersState.dataset.state = state; othersState.textContent = t(`live.others.${state}`); },
    });
    window.liveWatcher = watcher;
    watcher.start();
    document.getElementById("live-stop").addEventListener("click", () => watcher.stop());
  },
});
