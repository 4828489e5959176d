// The lesson clock that notes are stamped with: the video's currentTime when there is a video,
// otherwise a stopwatch the observer runs while watching the lesson in the room.
import { clock, t } from "/static/js/app.js";

export class LessonClock {
  constructor({ video, display, toggle, setter, length }) {
    this.video = video; this.display = display; this.toggle = toggle; this.length = length || Infinity;
    this.offset = 0; this.startedAt = null;
    toggle?.addEventListener("click", () => (this.running ? this.pause() : this.start()));
    setter?.addEventListener("change", () => {
      const parts = setter.value.split(":").map(Number);
      if (parts.some(Number.isNaN)) return;
      this.seek(parts.reduce((acc, v) => acc * 60 + v, 0));
      setter.value = "";
    });
    setInterval(() => this.render(), 250);
  }
  useVideo(video) { this.video = video; }
  get running() { return this.startedAt !== null; }
  start() { if (!this.running) { this.startedAt = performance.now(); this.render(); } }
  pause() { if (this.running) { this.offset = this.now(); this.startedAt = null; this.render(); } }
  /** Seconds on the lesson clock. */
  now() {
    if (this.video) return this.video.currentTime || 0;
    const running = this.startedAt === null ? 0 : (performance.now() - this.startedAt) / 1000;
    return Math.min(this.offset + running, this.length);
  }
  seek(seconds) {
    const s = Math.max(0, Math.min(seconds, this.length));
    if (this.video) { this.video.currentTime = s; return; }
    this.offset = s; if (this.running) this.startedAt = performance.now();
    this.render();
  }
  render() {
    if (this.display) this.display.textContent = clock(this.now());
    if (this.toggle) this.toggle.textContent = t(this.running ? "obs.clock.pause" : "obs.clock.start");
  }
}
