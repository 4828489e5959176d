// Network quality of a live connection from RTCPeerConnection.getStats(): round-trip time and the
// share of packets lost since the last sample. A receiving page measures each classroom's stream
// (the relay keeps upstream gaps as gaps, so a classroom's weak uplink shows as loss on its stream);
// a publishing page measures what the relay reports back about its own stream.

/** "good" | "fair" | "poor" for {rtt (ms), loss (0..1)}; unknown parts count as good. */
export function rating({ rtt, loss }) {
  if ((rtt ?? 0) > 400 || (loss ?? 0) > 0.08) return "poor";
  if ((rtt ?? 0) > 150 || (loss ?? 0) > 0.02) return "fair";
  return "good";
}

/** Round-trip time (ms) of the transport's selected candidate pair, or null. */
function pairRtt(report) {
  let selected = null;
  report.forEach((r) => { if (r.type === "transport" && r.selectedCandidatePairId) selected = r.selectedCandidatePairId; });
  let rtt = null;
  report.forEach((r) => {
    if (r.type !== "candidate-pair" || r.currentRoundTripTime == null) return;
    if (r.id === selected || (!selected && r.nominated && r.state === "succeeded")) rtt = r.currentRoundTripTime * 1000;
  });
  return rtt;
}

function lossSince(now, before) {
  if (!before) return null;
  const lost = Math.max(0, now.lost - before.lost);
  const received = Math.max(0, now.received - before.received);
  return lost + received > 0 ? lost / (lost + received) : null;
}

/**
 * Per-publisher quality of a receiving connection. `labelOf(mid)` names the publisher of a section;
 * `previous` is the counters this returned last time for the same connection ({} at first).
 * Returns {qualities: Map(label → {rtt, loss}), counters} — pass `counters` back next time.
 */
export async function receivedQuality(pc, labelOf, previous = {}) {
  const report = await pc.getStats();
  const rtt = pairRtt(report);
  const counters = {};
  report.forEach((r) => {
    if (r.type !== "inbound-rtp") return;
    const label = labelOf(r.mid);
    if (!label) return;
    const c = counters[label] || (counters[label] = { lost: 0, received: 0 });
    c.lost += Math.max(0, r.packetsLost || 0);
    c.received += r.packetsReceived || 0;
  });
  const qualities = new Map();
  for (const [label, now] of Object.entries(counters)) qualities.set(label, { rtt, loss: lossSince(now, previous[label]) });
  return { qualities, counters };
}

/** Quality of a publishing connection, from the relay's receiver reports (remote-inbound-rtp) of its
 *  video (else audio) stream, with the candidate pair's round trip when the reports carry none. */
export async function sentQuality(pc) {
  const report = await pc.getStats();
  const remote = {};
  report.forEach((r) => { if (r.type === "remote-inbound-rtp") remote[r.kind] = r; });
  const stream = remote.video || remote.audio;
  const rtt = stream?.roundTripTime != null ? stream.roundTripTime * 1000 : pairRtt(report);
  return { rtt, loss: stream?.fractionLost ?? null };
}
