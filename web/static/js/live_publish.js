// Phone publisher (broadcast lesson) and the publishing half of a dual classroom: camera and
// microphone over WHIP, front/back switch, mute, connection state, automatic reconnect.
import { pageData, t, toast } from "/static/js/app.js";
import { endRoom, grant, hangUp, newPeer, preferH264, signal } from "/static/js/live.js";

/** The codec the camera is sent with: the first payload type of the answer's video section. */
function negotiatedVideoCodec(sdp) {
  const first = sdp.match(/^m=video \d+ [A-Z/]+ (\d+)/m);
  const rtpmap = first && sdp.match(new RegExp(`^a=rtpmap:${first[1]} ([\\w-]+)/`, "m"));
  return rtpmap ? rtpmap[1].toUpperCase() : "";
}

const RECONNECT_WINDOW_MS = 55_000; // inside the relay's 60 s grace: the recording continues

export class LivePublisher {
  constructor(lessonId, preview, onState) {
    Object.assign(this, { lessonId, preview });
    this.onState = (state) => { this.history.push(`${Math.round(performance.now())} ${state}`); onState(state); };
    this.facing = "user"; this.stream = null; this.pc = null; this.g = null; this.location = null;
    this.live = false; this.reconnecting = false; this.codec = ""; this.history = [];
  }

  async openCamera() {
    this.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: this.facing, width: { ideal: 1280 }, height: { ideal: 720 } }, audio: true });
    this.preview.srcObject = this.stream;
    this.preview.muted = true;
    await this.preview.play().catch(() => null);
  }

  async start() {
    if (!this.stream) await this.openCamera();
    this.live = true;
    await this.connect();
  }

  async connect() {
    this.onState("connecting");
    this.g = await grant(this.lessonId, "publish");
    const pc = newPeer(this.g.ice_servers);
    this.pc = pc;
    const video = this.stream.getVideoTracks()[0];
    const audio = this.stream.getAudioTracks()[0];
    if (video) preferH264(pc.addTransceiver(video, { direction: "sendonly", streams: [this.stream] }));
    if (audio) pc.addTransceiver(audio, { direction: "sendonly", streams: [this.stream] });
    pc.onconnectionstatechange = () => this.stateChanged(pc);
    const { location } = await signal(this.g.whip_url, this.g.token, pc);
    this.location = location;
    this.codec = negotiatedVideoCodec(pc.remoteDescription?.sdp || "");
  }

  stateChanged(pc) {
    if (pc !== this.pc) return;
    const state = pc.connectionState;
    this.onState(state);
    if (state === "failed" || state === "disconnected") {
      clearTimeout(this.dropTimer);
      // "disconnected" often heals by itself; give it a moment before starting over
      this.dropTimer = setTimeout(() => {
        if (this.pc === pc && ["failed", "disconnected"].includes(pc.connectionState)) this.reconnect();
      }, state === "failed" ? 0 : 3000);
    }
  }

  /** Start over with a fresh token and peer connection; the relay continues the same recording. */
  async reconnect() {
    if (this.reconnecting || !this.live) return;
    this.reconnecting = true;
    const deadline = Date.now() + RECONNECT_WINDOW_MS;
    let wait = 1000;
    try {
      while (this.live && Date.now() < deadline) {
        this.onState("reconnecting");
        this.pc?.close();
        try {
          await this.connect();
          return;
        } catch (err) {
          this.history.push(`${Math.round(performance.now())} error ${err.status || ""} ${err.message}`);
          if (err.code === "lesson_finished") { this.live = false; this.onState("stopped"); return; }
          await new Promise((r) => setTimeout(r, wait));
          wait = Math.min(wait * 2, 8000);
        }
      }
      if (this.live) this.onState("failed");
    } finally {
      this.reconnecting = false;
    }
  }

  async switchCamera() {
    this.facing = this.facing === "user" ? "environment" : "user";
    const fresh = await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facing } });
    const track = fresh.getVideoTracks()[0];
    const old = this.stream.getVideoTracks()[0];
    const sender = this.pc?.getSenders().find((s) => s.track && s.track.kind === "video");
    if (sender) await sender.replaceTrack(track);
    if (old) { this.stream.removeTrack(old); old.stop(); }
    this.stream.addTrack(track);
    this.preview.srcObject = this.stream;
    return this.facing;
  }

  toggleMute() {
    const audio = this.stream?.getAudioTracks()[0];
    if (!audio) return false;
    audio.enabled = !audio.enabled;
    return !audio.enabled;
  }

  /** Leave the room; `end` also ends the lesson for everyone (recording finished, replay ready). */
  async stop(end) {
    this.live = false;
    clearTimeout(this.dropTimer);
    // the token of the last connect may have expired during a long lesson: leave with a fresh one
    const g = await grant(this.lessonId, "publish").catch(() => this.g);
    await hangUp(this.location, g?.token);
    this.pc?.close();
    this.pc = null; this.location = null;
    if (end && g) await endRoom(g);
    this.onState("stopped");
  }
}

/** Wire the buttons of a publisher panel (shared by the phone page and the dual classroom page). */
/** `endsLesson(publisher)`: whether this page's stop button ends the lesson for everyone (the broadcaster,
 * a dual lesson's master classroom) or only leaves it (another classroom). */
export function wirePublisher(lessonId, { onStarted, endsLesson = () => true } = {}) {
  const $ = (id) => document.getElementById(id);
  const stateBox = $("live-state");
  const publisher = new LivePublisher(lessonId, $("preview"), (state) => {
    stateBox.dataset.state = state;
    stateBox.textContent = t(`live.state.${state}`);
  });
  window.livePublisher = publisher; // for diagnostics and tests
  $("live-start").addEventListener("click", async () => {
    $("live-start").disabled = true;
    try {
      await publisher.start();
      $("live-controls").classList.remove("hidden");
      $("live-start").classList.add("hidden");
      onStarted?.(publisher);
    } catch (err) {
      $("live-start").disabled = false;
      stateBox.dataset.state = "failed";
      stateBox.textContent = t("live.state.failed");
      toast(err.name === "NotAllowedError" ? t("live.error.camera") : (err.message || String(err)));
    }
  });
  $("live-switch").addEventListener("click", async () => {
    try { await publisher.switchCamera(); } catch (err) { toast(t("live.error.switch")); }
  });
  $("live-mute").addEventListener("click", () => {
    const muted = publisher.toggleMute();
    $("live-mute").textContent = muted ? t("live.unmute") : t("live.mute");
    $("live-mute").setAttribute("aria-pressed", String(muted));
  });
  $("live-stop").addEventListener("click", async () => {
    await publisher.stop(endsLesson(publisher));
    $("live-controls").classList.add("hidden");
    $("live-ended").classList.remove("hidden");
  });
  window.addEventListener("pagehide", () => { if (publisher.live) hangUp(publisher.location, publisher.g?.token); });
  return publisher;
}

const data = pageData("live-data");
if (data && document.getElementById("publish-page")) wirePublisher(data.lesson.id);
