// WHIP/WHEP with the relay, shared by the live pages: non-trickle signalling (the offer is posted
// once ICE gathering is complete), H.264 preference, relay tokens from the API, room status.
import { api } from "/static/js/app.js";

export class RelayError extends Error {
  constructor(status, code, message) { super(message || code || `HTTP ${status}`); this.status = status; this.code = code; }
}

/** A relay grant from the API: kind "publish" → {whip_url, token, ...}; "watch" → {whep_url, hls_url, token, ...}. */
export function grant(lessonId, kind) {
  return api("POST", kind === "watch" ? `/api/lessons/${lessonId}/live/watch` : `/api/lessons/${lessonId}/live`);
}

export function newPeer(iceServers) {
  return new RTCPeerConnection({ iceServers: iceServers || [], bundlePolicy: "max-bundle" });
}

function iceGathered(pc, timeoutMs = 5000) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
    });
  });
}

/** Put H.264 (constrained baseline, packetization-mode 1) first so the live HLS can copy the video. */
export function preferH264(transceiver) {
  if (!transceiver.setCodecPreferences || !window.RTCRtpReceiver?.getCapabilities) return false;
  const codecs = RTCRtpReceiver.getCapabilities("video")?.codecs || [];
  const isH264 = (c) => c.mimeType === "video/H264" && /packetization-mode=1/.test(c.sdpFmtpLine || "");
  const baseline = (c) => /profile-level-id=42e01f/.test(c.sdpFmtpLine || "");
  const h264 = codecs.filter(isH264).sort((a, b) => baseline(b) - baseline(a));
  if (!h264.length) return false;
  try {
    transceiver.setCodecPreferences([...h264, ...codecs.filter((c) => !isH264(c))]);
    return true;
  } catch (err) {
    return false;
  }
}

/** Offer → relay → answer. Returns {location (absolute), tracks (WHEP: mid → label/kind)}. */
export async function signal(url, token, pc) {
  await pc.setLocalDescription(await pc.createOffer());
  await iceGathered(pc);
  const reply = await fetch(url, {
    method: "POST", body: pc.localDescription.sdp,
    headers: { "Content-Type": "application/sdp", Authorization: `Bearer ${token}` },
  });
  if (reply.status !== 201) {
    const body = await reply.json().catch(() => ({}));
    throw new RelayError(reply.status, body.error?.code, body.error?.message);
  }
  const answer = await reply.text();
  const location = new URL(reply.headers.get("Location"), url).href;
  const tracks = JSON.parse(reply.headers.get("X-Tingke-Tracks") || "[]");
  await pc.setRemoteDescription({ type: "answer", sdp: answer });
  return { location, tracks };
}

/** Leave a WHIP/WHEP session (keepalive: also works while the page unloads). */
export function hangUp(location, token) {
  if (!location) return Promise.resolve();
  return fetch(location, { method: "DELETE", keepalive: true, headers: { Authorization: `Bearer ${token}` } })
    .catch(() => null);
}

export async function roomStatus(g) {
  const reply = await fetch(`${g.relay_url}/rooms/${g.room}`, { headers: { Authorization: `Bearer ${g.token}` } });
  if (!reply.ok) throw new RelayError(reply.status, "status", reply.statusText);
  return reply.json();
}

export async function endRoom(g) {
  return fetch(`${g.relay_url}/rooms/${g.room}/end`, { method: "POST", headers: { Authorization: `Bearer ${g.token}` } })
    .catch(() => null);
}

/**
 * Receive every publisher of the room except `ownLabel` (a dual classroom) through one WHEP session,
 * re-subscribing when the set of published tracks changes. `show(label, name, stream)` is called once
 * per publisher and session; `onState(state)` reports "waiting" | "connecting" | "connected" | "failed".
 */
export class RoomWatcher {
  constructor({ fetchGrant, ownLabel = "", show, onState, onStatus }) {
    Object.assign(this, { fetchGrant, ownLabel, show, onState: onState || (() => {}), onStatus: onStatus || (() => {}) });
    this.g = null; this.grantAt = 0; this.pc = null; this.location = null; this.revision = -1; this.stopped = false;
  }

  async freshGrant() {
    if (!this.g || Date.now() - this.grantAt > (this.g.expires_in * 1000) / 2) {
      this.g = await this.fetchGrant();
      this.grantAt = Date.now();
    }
    return this.g;
  }

  start() { this.loop(); }

  async loop() {
    while (!this.stopped) {
      try {
        const g = await this.freshGrant();
        const status = await roomStatus(g);
        this.onStatus(status);
        const others = status.publishers.filter((p) => p.label !== this.ownLabel && p.kinds.length);
        const broken = this.pc && ["failed", "closed"].includes(this.pc.connectionState);
        if (!others.length) {
          this.close();
          this.onState("waiting");
        } else if (status.revision !== this.revision || broken || !this.pc) {
          await this.subscribe(g, others, status.revision);
        }
      } catch (err) {
        this.close();
        this.onState(err.status === 404 ? "waiting" : "failed");
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
  }

  async subscribe(g, publishers, revision) {
    this.close();
    this.onState("connecting");
    const pc = newPeer(g.ice_servers);
    this.pc = pc;
    for (const p of publishers) for (const kind of p.kinds) pc.addTransceiver(kind, { direction: "recvonly" });
    const pending = [];
    pc.ontrack = (event) => pending.push(event);
    pc.onconnectionstatechange = () => this.onState(pc.connectionState);
    const { location, tracks } = await signal(g.whep_url, g.token, pc);
    this.location = location; this.revision = revision;
    const streams = new Map();
    const place = (event) => {
      const info = tracks.find((t) => t.mid === event.transceiver.mid);
      if (!info) return;
      if (!streams.has(info.label)) {
        streams.set(info.label, new MediaStream());
        this.show(info.label, info.name, streams.get(info.label));
      }
      streams.get(info.label).addTrack(event.track);
    };
    pending.forEach(place);
    pc.ontrack = place;
  }

  close() {
    if (this.pc) {
      hangUp(this.location, this.g?.token);
      this.pc.close();
    }
    this.pc = null; this.location = null; this.revision = -1;
  }

  stop() { this.stopped = true; this.close(); }
}

/** A <figure> with a <video> for one publisher, reused across re-subscriptions (keyed by label). */
export function videoTile(container, label, caption, stream, muted = true) {
  let figure = [...container.querySelectorAll("figure.tile")].find((f) => f.dataset.label === label);
  if (!figure) {
    figure = document.createElement("figure");
    figure.className = "tile";
    figure.dataset.label = label;
    const video = document.createElement("video");
    video.autoplay = true; video.playsInline = true; video.muted = muted;
    video.setAttribute("playsinline", "");
    const text = document.createElement("figcaption");
    text.textContent = caption || label;
    figure.append(video, text);
    container.append(figure);
    countFrames(video);
  }
  const video = figure.querySelector("video");
  video.srcObject = stream;
  video.play().catch(() => null);
  return video;
}

/** Count presented frames on video.dataset.frames (requestVideoFrameCallback), for status and tests. */
export function countFrames(video) {
  video.dataset.frames = "0";
  if (!video.requestVideoFrameCallback) return;
  const tick = () => { video.dataset.frames = String(Number(video.dataset.frames) + 1); video.requestVideoFrameCallback(tick); };
  video.requestVideoFrameCallback(tick);
}
