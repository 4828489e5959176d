// Phone publisher (broadcast lesson) and the publishing half of a dual classroom: camera and
// microphone over WHIP, front/back switch, mute, connection state, automatic reconnect.
import { ApiError, errorText, pageData, t, toast } from "/static/js/app.js";
import { endRoom, grant, hangUp, newPeer, preferH264, RelayError, restartIce, signal } from "/static/js/live.js";
import { showOnAir } from "/static/js/live_onair.js";
import { offerResume } from "/static/js/live_resume.js";

/** The codec the camera is sent with: the first payload type of the answer's video section. */
function negotiatedVideoCodec(sdp) {
  const first = sdp.match(/^m=video \d+ [A-Z/]+ (\d+)/m);
  const rtpmap = first && sdp.match(new RegExp(`^a=rtpmap:${first[1]} ([\\w-]+)/`, "m"));
  return rtpmap ? rtpmap[1].toUpperCase() : "";
}

// Refusals of the relay a teacher can act on; any other relay failure is said as one general message.
const RELAY_REFUSALS = new Set(["room_busy", "label_taken", "room_full", "room_ending", "no_usable_codec"]);

/** Why going live failed, in the page's language: the API's refusal, the relay's, or the camera's. */
function startFailure(err) {
  if (err instanceof ApiError) return errorText(err);
  if (err instanceof RelayError) return t(RELAY_REFUSALS.has(err.code) ? `live.relayerr.${err.code}` : "live.error.relay");
  if (err?.name === "NotAllowedError" || err?.name === "SecurityError") return t("live.error.camera");
  if (["NotFoundError", "NotReadableError", "OverconstrainedError", "AbortError"].includes(err?.name)) {
    return t("live.error.no_camera");
  }
  return t("live.error.start");
}

const RECONNECT_WINDOW_MS = 55_000; // inside the relay's 60 s grace: the recording continues
const CAMERA = { width: { ideal: 1280 }, height: { ideal: 720 } };

/** The cameras the browser lists (with their ids once the camera may be used). */
async function listCameras() {
  const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
  return devices.filter((d) => d.kind === "videoinput" && d.deviceId);
}

async function openVideo(wanted) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { ...CAMERA, ...wanted } });
  return stream.getVideoTracks()[0];
}

/** Whether `sender`'s encoder is fed: its media source counts new frames within `ms`. */
async function senderFed(sender, ms = 2500) {
  const frames = async () => {
    let count = 0;
    (await sender.getStats()).forEach((r) => { if (r.type === "media-source") count = r.frames ?? 0; });
    return count;
  };
  const first = await frames();
  for (const end = Date.now() + ms; Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 200));
    if ((await frames()) > first) return true;
  }
  return false;
}

export class LivePublisher {
  constructor(lessonId, preview, onState) {
    Object.assign(this, { lessonId, preview });
    this.onState = (state) => { this.history.push(`${Math.round(performance.now())} ${state}`); onState(state); };
    this.facing = "user"; this.stream = null; this.pc = null; this.g = null; this.location = null;
    this.live = false; this.reconnecting = false; this.codec = ""; this.history = [];
    this.cameras = []; this.videoSender = null;
    this.onFinished = () => {}; // the lesson ended while this phone was away (longer than the grace period)
  }

  async openCamera() {
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: this.facing, ...CAMERA }, audio: true });
    this.cameras = await listCameras();
    this.preview.srcObject = this.stream;
    this.preview.muted = true;
    await this.preview.play().catch(() => null);
  }

  async start() {
    if (!this.stream) await this.openCamera();
    this.live = true;
    await this.connect();
  }

  /** A peer connection sending the camera and microphone, with this publisher's one DTLS certificate. */
  async newConnection() {
    this.certificate ??= await RTCPeerConnection.generateCertificate({ name: "ECDSA", namedCurve: "P-256" })
      .catch(() => null);
    const pc = newPeer(this.g.ice_servers, this.certificate);
    const video = this.stream.getVideoTracks()[0];
    const audio = this.stream.getAudioTracks()[0];
    let videoSender = null;
    if (video) {
      const transceiver = pc.addTransceiver(video, { direction: "sendonly", streams: [this.stream] });
      preferH264(transceiver);
      videoSender = transceiver.sender;
    }
    if (audio) pc.addTransceiver(audio, { direction: "sendonly", streams: [this.stream] });
    pc.onconnectionstatechange = () => this.stateChanged(pc);
    return { pc, videoSender };
  }

  async connect() {
    this.onState("connecting");
    this.g = await grant(this.lessonId, "publish");
    const { pc, videoSender } = await this.newConnection();
    this.pc = pc;
    this.videoSender = videoSender;
    const { location } = await signal(this.g.whip_url, this.g.token, pc);
    if (!this.live || this.pc !== pc) { // stopped while connecting: do not leave a session behind
      hangUp(location, this.g.token);
      pc.close();
      return;
    }
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

  /** ICE restart on the same WHIP session (a new network: Wi-Fi to mobile data). Returns whether it worked;
   * otherwise the caller publishes anew. A fresh grant first: the token may have expired, and the TURN
   * credentials come with it. */
  async restart() {
    if (!this.location || !this.certificate || !this.pc?.remoteDescription) return false;
    let next = null;
    try {
      this.onState("reconnecting");
      this.g = await grant(this.lessonId, "publish");
      next = await this.newConnection();
      await restartIce(this.location, this.g.token, this.pc, next.pc);
    } catch (err) {
      this.history.push(`${Math.round(performance.now())} restart refused ${err.status || ""} ${err.code || err.message}`);
      next?.pc.close();
      return false;
    }
    const old = this.pc;
    this.pc = next.pc;
    this.videoSender = next.videoSender;
    old.close();
    this.restarts = (this.restarts || 0) + 1;
    return true;
  }

  /** An ICE restart in the same session, else start over with a fresh token and peer connection; either way
   * the relay continues the same recording. */
  async reconnect() {
    if (this.reconnecting || !this.live) return;
    this.reconnecting = true;
    const deadline = Date.now() + RECONNECT_WINDOW_MS;
    let wait = 1000;
    try {
      if (await this.restart()) return;
      while (this.live && Date.now() < deadline) {
        this.onState("reconnecting");
        this.pc?.close();
        try {
          await this.connect();
          return;
        } catch (err) {
          this.history.push(`${Math.round(performance.now())} error ${err.status || ""} ${err.message}`);
          if (err.code === "lesson_finished") { this.live = false; this.onState("stopped"); this.onFinished(); return; }
          await new Promise((r) => setTimeout(r, wait));
          wait = Math.min(wait * 2, 8000);
        }
      }
      if (this.live) this.onState("failed");
    } finally {
      this.reconnecting = false;
    }
  }

  get canSwitchCamera() { return this.cameras.length > 1; }

  /** Where a switch may go, best first: the opposite side when the camera says which way it faces
   * (phones), then the other cameras in list order after this one (laptops, external cameras). */
  switchTargets(current) {
    const settings = current?.getSettings() || {};
    const targets = [];
    if (settings.facingMode === "user" || settings.facingMode === "environment") {
      targets.push({ facingMode: { exact: settings.facingMode === "user" ? "environment" : "user" } });
    }
    const at = this.cameras.findIndex((c) => c.deviceId === settings.deviceId);
    const others = [...this.cameras.slice(at + 1), ...this.cameras.slice(0, Math.max(at, 0))];
    for (const camera of others) targets.push({ deviceId: { exact: camera.deviceId } });
    return targets;
  }

  /** Front/back switch without renegotiating: the new camera's track replaces the old one on the same
   * sender (the relay, the recording and the viewers go on; the encoder adapts to the new picture).
   * A camera whose frames do not reach the encoder (one in use elsewhere, a depth or infrared sensor)
   * is skipped and left out of later switches, so that the broadcast never goes dark. */
  async switchCamera() {
    const old = this.stream.getVideoTracks()[0];
    const targets = this.switchTargets(old);
    if (!targets.length) throw new Error("no other camera");
    const previous = old?.getSettings().deviceId;
    old?.stop(); // many phones cannot open a second camera while the first one is open
    for (const wanted of targets) {
      const track = await openVideo(wanted).catch(() => null);
      if (track && await this.useVideo(track)) return track;
      const unusable = track?.getSettings().deviceId || wanted.deviceId?.exact;
      this.cameras = this.cameras.filter((c) => c.deviceId !== unusable);
      track?.stop();
    }
    await this.useVideo(await openVideo(previous ? { deviceId: { exact: previous } } : {}), false);
    throw new Error("no other camera can be used");
  }

  /** Show and send `track` in place of the current video; with `check`, whether the encoder gets its frames. */
  async useVideo(track, check = true) {
    for (const old of this.stream.getVideoTracks()) this.stream.removeTrack(old);
    this.stream.addTrack(track);
    this.preview.srcObject = this.stream;
    const sender = this.videoSender; // read after the caller's awaits: a reconnect meanwhile made a new one
    if (!sender) return true;
    await sender.replaceTrack(track);
    return !check || this.pc?.connectionState !== "connected" || senderFed(sender);
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
    this.stream?.getTracks().forEach((track) => track.stop()); // the camera light goes off
    this.stream = null; this.preview.srcObject = null;
    this.onState("stopped");
  }
}

/** Wire the buttons of a publisher panel (shared by the phone page and the dual classroom page).
 * `endsLesson(publisher)`: whether this page's stop button ends the lesson for everyone (the broadcaster,
 * a dual lesson's master classroom) or only leaves it (another classroom). Resuming a finished lesson is offered
 * when the API says this user may (api/live/resume.py: not another classroom, which rejoins instead).
 * Returns {publisher, goLive}: `goLive()` publishes (again) and resolves to whether it is live. */
export function wirePublisher(lessonId, { onStarted, endsLesson = () => true } = {}) {
  const $ = (id) => document.getElementById(id);
  const stateBox = $("live-state");
  const publisher = new LivePublisher(lessonId, $("preview"), (state) => {
    stateBox.dataset.state = state;
    stateBox.textContent = t(`live.state.${state}`);
  });
  window.livePublisher = publisher; // for diagnostics and tests
  let stopOnAir = null;
  const switchButton = $("live-switch");
  const showCameras = () => { // one camera: the switch is disabled, and the note says why
    switchButton.disabled = !publisher.canSwitchCamera;
    $("live-switch-note").classList.toggle("hidden", publisher.canSwitchCamera);
  };
  navigator.mediaDevices?.addEventListener?.("devicechange", async () => {
    if (!publisher.stream) return;
    publisher.cameras = await listCameras();
    showCameras();
  });
  const goLive = async () => {
    $("live-start").disabled = true;
    try {
      await publisher.start();
      showCameras();
      $("live-controls").classList.remove("hidden");
      $("live-start").classList.add("hidden");
      stopOnAir = showOnAir(publisher, lessonId);
      onStarted?.(publisher);
      return true;
    } catch (err) {
      $("live-start").disabled = false;
      stateBox.dataset.state = "failed";
      stateBox.textContent = t("live.state.failed");
      toast(startFailure(err));
      // ended by mistake, or a phone away longer than the grace period: it may still be resumed
      if (err instanceof ApiError && err.code === "lesson_finished") offerResume(lessonId, resumed);
      return false;
    }
  };
  // resumed: the lesson is live again; going live appends the new part to the same recording
  const resumed = async () => {
    $("live-ended").classList.add("hidden");
    await goLive();
    if (publisher.live) toast(t("live.resumed"));
  };
  $("live-start").addEventListener("click", goLive);
  publisher.onFinished = () => { // away longer than the grace period: the relay ended the lesson
    $("live-controls").classList.add("hidden");
    stopOnAir?.();
    $("live-ended").classList.remove("hidden");
    offerResume(lessonId, resumed);
  };
  switchButton.addEventListener("click", async () => {
    switchButton.disabled = true;
    try { await publisher.switchCamera(); } catch (err) { toast(t("live.error.switch")); }
    showCameras();
  });
  $("live-mute").addEventListener("click", () => {
    const muted = publisher.toggleMute();
    $("live-mute").textContent = muted ? t("live.unmute") : t("live.mute");
    $("live-mute").setAttribute("aria-pressed", String(muted));
  });
  // Ending is asked twice: a tap by mistake on a phone would end the lesson for every observer.
  const confirmBox = $("live-confirm");
  $("live-stop").addEventListener("click", () => {
    $("live-confirm-text").textContent = t(endsLesson(publisher) ? "live.stop.ask.end" : "live.stop.ask.leave");
    confirmBox.classList.remove("hidden");
    $("live-stop-cancel").focus();
  });
  $("live-stop-cancel").addEventListener("click", () => confirmBox.classList.add("hidden"));
  $("live-stop-confirm").addEventListener("click", async () => {
    confirmBox.classList.add("hidden");
    $("live-controls").classList.add("hidden");
    stopOnAir?.();
    const ends = endsLesson(publisher);
    await publisher.stop(ends);
    $("live-ended").classList.remove("hidden");
    if (ends) offerResume(lessonId, resumed);
  });
  window.addEventListener("pagehide", () => { if (publisher.live) hangUp(publisher.location, publisher.g?.token); });
  return { publisher, goLive };
}

const data = pageData("live-data");
if (data && document.getElementById("publish-page")) wirePublisher(data.lesson.id);
