// WHIP/WHEP with the relay, shared by the live pages: non-trickle signalling (the offer is posted
// once ICE gathering is complete), H.264 preference, relay tokens from the API, room status.
import { api } from "/static/js/app.js";
import { receivedQuality } from "/static/js/link_quality.js";

export class RelayError extends Error {
  constructor(status, code, message) { super(message || code || `HTTP ${status}`); this.status = status; this.code = code; }
}

/** A relay grant from the API: kind "publish" → {whip_url, token, ...}; "watch" → {whep_url, hls_url, token, ...}. */
export function grant(lessonId, kind) {
  return api("POST", kind === "watch" ? `/api/lessons/${lessonId}/live/watch` : `/api/lessons/${lessonId}/live`);
}

/** A peer connection; `certificate` (RTCPeerConnection.generateCertificate) keeps the DTLS fingerprint the
 * same across the connections of one session, which an ICE restart on the relay needs (see restartIce). */
export function newPeer(iceServers, certificate) {
  const config = { iceServers: iceServers || [], bundlePolicy: "max-bundle" };
  if (certificate) config.certificates = [certificate];
  return new RTCPeerConnection(config);
}

const FRAG_TYPE = "application/trickle-ice-sdpfrag";

/** ufrag, pwd and each section's mid and candidates of an SDP (RFC 8840 fragment lines). */
function iceParts(sdp) {
  const ufrag = sdp.match(/^a=ice-ufrag:(\S+)/m)?.[1];
  const pwd = sdp.match(/^a=ice-pwd:(\S+)/m)?.[1];
  const sections = sdp.split(/^(?=m=)/m).slice(1).map((text) => ({
    mline: text.split(/\r?\n/)[0],
    mid: text.match(/^a=mid:(\S+)/m)?.[1],
    candidates: text.match(/^a=candidate:.*$/gm) || [],
  }));
  return { ufrag, pwd, sections };
}

/** The answer of the session with the relay's new ICE credentials and candidates in place of the old ones. */
function restartedAnswer(answer, relay) {
  const byMid = new Map(relay.sections.map((s) => [s.mid, s]));
  const [head, ...sections] = answer.split(/^(?=m=)/m);
  const swap = (text) => text.replace(/^a=ice-ufrag:.*$/m, `a=ice-ufrag:${relay.ufrag}`)
    .replace(/^a=ice-pwd:.*$/m, `a=ice-pwd:${relay.pwd}`);
  return swap(head) + sections.map((text) => {
    const kept = swap(text).split(/\r?\n/).filter((l) => l && !/^a=(candidate:|end-of-candidates)/.test(l));
    const mine = byMid.get(text.match(/^a=mid:(\S+)/m)?.[1]);
    return [...kept, ...(mine ? mine.candidates : [])].join("\r\n") + "\r\n";
  }).join("");
}

/** ICE restart of a WHIP/WHEP session through PATCH (RFC 9725 §4.3.2), e.g. a phone that moved from Wi-Fi
 * to mobile data. The relay (aiortc) answers a restart with a new connection inside the same session, so
 * `pc` is a NEW peer connection made with the same certificate and the same tracks as `oldPc`; only its
 * ICE credentials and candidates are sent. The session (Location), its recording and its viewers go on. */
export async function restartIce(location, token, oldPc, pc) {
  await pc.setLocalDescription(await pc.createOffer());
  await iceGathered(pc);
  const mine = iceParts(pc.localDescription.sdp);
  const frag = [`a=ice-ufrag:${mine.ufrag}`, `a=ice-pwd:${mine.pwd}`,
    ...mine.sections.flatMap((s) => (s.candidates.length ? [s.mline, `a=mid:${s.mid}`, ...s.candidates] : []))];
  const reply = await fetch(location, {
    method: "PATCH", body: frag.join("\r\n") + "\r\n",
    headers: { "Content-Type": FRAG_TYPE, "If-Match": "*", Authorization: `Bearer ${token}` },
  });
  if (reply.status !== 200) {
    const body = await reply.json().catch(() => ({}));
    throw new RelayError(reply.status, body.error?.code, body.error?.message);
  }
  const relay = iceParts(await reply.text());
  await pc.setRemoteDescription({ type: "answer", sdp: restartedAnswer(oldPc.remoteDescription.sdp, relay) });
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

const ROOM_POLL_MS = 2500;
const QUALITY_MS = 2000;
const SWAP_WAIT_MS = 5000; // a re-subscription waits this long at most for pictures before replacing the old one
const OVER_CHECK_MS = 10_000; // how often a room that went quiet is checked with the API for the lesson's end
const LESSON_OVER = new Set(["lesson_finished", "lesson_ready"]);

/** Resolves once `pc` is connected and every video track has media (a remote track unmutes when its
 *  first packets arrive), or after `ms`. */
function mediaFlowing(pc, tracks, ms) {
  const videos = tracks.filter((track) => track.kind === "video");
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const check = () => {
      if (pc.connectionState === "connected" && videos.every((track) => !track.muted)) { clearTimeout(timer); resolve(); }
    };
    pc.addEventListener("connectionstatechange", check);
    videos.forEach((track) => track.addEventListener("unmute", check));
    check();
  });
}

/**
 * Receive every publisher of the room except `ownLabel` (a dual classroom) through one WHEP session.
 *
 * Callbacks: `show(label, name, stream)` once per publisher and session; `onState(state)` with
 * "waiting" | "connecting" | "connected" | "disconnected" | "failed" | "left" (every other publisher has
 * left) | "ended"; `onPresence(label, gone)` with gone null (publishing), "left" or "lost" (its
 * connection dropped; it may come back); `onQuality(label, {rtt, loss})` every two seconds;
 * `onEnded(reason)` once when the lesson is over; `onStatus(status)` with the relay's room status.
 *
 * A classroom that joins later (the relay's revision changes) is received by a new WHEP session made
 * before the old one is closed: the pictures already shown go on until the new session has media.
 */
export class RoomWatcher {
  constructor({ fetchGrant, ownLabel = "", show, onState, onStatus, onPresence, onQuality, onEnded }) {
    const none = () => {};
    Object.assign(this, { fetchGrant, ownLabel, show, onState: onState || none, onStatus: onStatus || none,
                          onPresence: onPresence || none, onQuality: onQuality || none, onEnded: onEnded || none });
    this.g = null; this.grantAt = 0; this.pc = null; this.location = null; this.revision = -1; this.stopped = false;
    this.tracks = []; this.counters = {}; this.others = []; this.sawLive = false; this.overCheckedAt = 0;
    this.ended = false; this.state = "idle";
  }

  async freshGrant(force = false) {
    if (force || !this.g || Date.now() - this.grantAt > (this.g.expires_in * 1000) / 2) {
      this.g = await this.fetchGrant();
      this.grantAt = Date.now();
    }
    return this.g;
  }

  start() {
    this.loop();
    this.qualityTimer = setInterval(() => this.sampleQuality().catch(() => null), QUALITY_MS);
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  /** The state the page shows: the connection's, except that a connection to classrooms that all left says so. */
  reportState() {
    if (this.ended) return this.setState("ended");
    if (!this.pc) return;
    const state = this.pc.connectionState;
    this.setState(state === "connected" && this.others.length && !this.others.some((p) => p.live) ? "left" : state);
  }

  async loop() {
    while (!this.stopped) {
      try {
        const g = await this.freshGrant();
        const status = await roomStatus(g);
        this.onStatus(status);
        if (status.ended || (!status.live && await this.lessonOver())) {
          this.end(status.end_reason || "lesson_over");
          return;
        }
        if (status.live) this.sawLive = true;
        const others = status.publishers.filter((p) => p.label !== this.ownLabel && p.kinds.length);
        this.others = others;
        for (const p of others) this.onPresence(p.label, p.live ? null : p.gone || "lost");
        const broken = this.pc && ["failed", "closed"].includes(this.pc.connectionState);
        if (!others.length) {
          this.close();
          this.setState("waiting");
        } else if (status.revision !== this.revision || broken || !this.pc) {
          await this.subscribe(g, others, status.revision);
        } else {
          this.reportState();
        }
      } catch (err) {
        if (LESSON_OVER.has(err.code)) { this.end(err.code); return; }
        this.close();
        this.setState(err.status === 404 ? "waiting" : "failed");
      }
      await new Promise((r) => setTimeout(r, ROOM_POLL_MS));
    }
  }

  /** Whether a room that is not (or no longer) live belongs to a lesson that is over, by the API's word
   *  (the relay forgets ended rooms when it restarts). Asked only after the room was seen live. */
  async lessonOver() {
    if (!this.sawLive || Date.now() - this.overCheckedAt < OVER_CHECK_MS) return false;
    this.overCheckedAt = Date.now();
    const g = await this.freshGrant(true); // a publish grant of a finished lesson is refused: lesson_finished
    return Boolean(g.status) && !["scheduled", "live"].includes(g.status);
  }

  end(reason) {
    if (this.ended) return;
    this.ended = true;
    this.stop();
    this.setState("ended");
    this.onEnded(reason);
  }

  async subscribe(g, publishers, revision) {
    const old = { pc: this.pc, location: this.location };
    if (!old.pc || this.state !== "connected") this.setState("connecting");
    const pc = newPeer(g.ice_servers);
    for (const p of publishers) for (const kind of p.kinds) pc.addTransceiver(kind, { direction: "recvonly" });
    const events = [];
    pc.ontrack = (event) => events.push(event);
    let answer;
    try {
      answer = await signal(g.whep_url, g.token, pc);
    } catch (err) {
      pc.close();
      throw err;
    }
    const streams = new Map(); // label → {name, stream}
    const place = (event) => {
      const info = answer.tracks.find((track) => track.mid === event.transceiver.mid);
      if (!info) return;
      if (!streams.has(info.label)) streams.set(info.label, { name: info.name, stream: new MediaStream() });
      streams.get(info.label).stream.addTrack(event.track);
    };
    events.forEach(place);
    pc.ontrack = place;
    if (old.pc) await mediaFlowing(pc, events.map((e) => e.track), SWAP_WAIT_MS);
    if (this.stopped) {
      hangUp(answer.location, g.token);
      pc.close();
      return;
    }
    if (old.pc) { hangUp(old.location, g.token); old.pc.close(); }
    this.pc = pc; this.location = answer.location; this.revision = revision;
    this.tracks = answer.tracks; this.counters = {};
    pc.onconnectionstatechange = () => this.reportState();
    for (const [label, { name, stream }] of streams) this.show(label, name, stream);
    this.reportState();
  }

  async sampleQuality() {
    const pc = this.pc;
    if (!pc || pc.connectionState !== "connected") return;
    const labelOf = (mid) => this.tracks.find((track) => track.mid === mid)?.label;
    const { qualities, counters } = await receivedQuality(pc, labelOf, this.counters);
    if (pc !== this.pc) return;
    this.counters = counters;
    for (const [label, quality] of qualities) this.onQuality(label, quality);
  }

  close() {
    if (this.pc) {
      hangUp(this.location, this.g?.token);
      this.pc.close();
    }
    this.pc = null; this.location = null; this.revision = -1; this.tracks = [];
  }

  stop() {
    this.stopped = true;
    clearInterval(this.qualityTimer);
    this.close();
  }
}
