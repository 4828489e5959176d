"""``application/trickle-ice-sdpfrag`` bodies (RFC 8840 §9, as WHIP/WHEP PATCH uses them, RFC 9725 §4.3).

A fragment carries the sender's ICE credentials (``a=ice-ufrag``/``a=ice-pwd``), then per media
section (``m=`` + ``a=mid``) its new candidates and maybe ``a=end-of-candidates``. Credentials that
differ from the session's are an ICE restart. Anything else in the body is refused as 400, so a
client learns what it sent wrong instead of its candidates being dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from aiortc import RTCIceCandidate
from aiortc.sdp import candidate_from_sdp, candidate_to_sdp

from streaming.errors import RelayError

CONTENT_TYPE = "application/trickle-ice-sdpfrag"
MAX_FRAG_BYTES = 16 * 1024
IGNORED = ("a=ice-options:", "a=group:", "a=msid-semantic:")  # legal in a fragment, nothing to do


@dataclass
class FragSection:
    mid: str | None
    candidates: list[RTCIceCandidate] = field(default_factory=list)
    end_of_candidates: bool = False


@dataclass
class SdpFrag:
    ufrag: str | None = None
    pwd: str | None = None
    sections: list[FragSection] = field(default_factory=list)

    @property
    def candidates(self) -> list[RTCIceCandidate]:
        return [c for s in self.sections for c in s.candidates]

    @property
    def end_of_candidates(self) -> bool:
        return any(s.end_of_candidates for s in self.sections)


def check_content_type(content_type: str | None) -> None:
    if (content_type or "").split(";")[0].strip().lower() != CONTENT_TYPE:
        raise RelayError(415, "unsupported_media_type", f"send ICE candidates as Content-Type: {CONTENT_TYPE}",
                         {"Accept-Patch": CONTENT_TYPE})


def parse(body: bytes) -> SdpFrag:
    """The fragment, or 400 with the offending line."""
    if len(body) > MAX_FRAG_BYTES:
        raise RelayError(413, "sdpfrag_too_large", f"the ICE fragment exceeds {MAX_FRAG_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RelayError(400, "malformed_sdpfrag", "the ICE fragment is not UTF-8 text") from exc
    frag = SdpFrag()
    section: FragSection | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("m="):
            section = FragSection(mid=None)
            frag.sections.append(section)
        elif line.startswith("a=mid:"):
            if section is None:
                raise RelayError(400, "malformed_sdpfrag", f"line {number}: a=mid before any m= line")
            section.mid = line[len("a=mid:"):]
        elif line.startswith("a=ice-ufrag:"):
            frag.ufrag = line[len("a=ice-ufrag:"):]
        elif line.startswith("a=ice-pwd:"):
            frag.pwd = line[len("a=ice-pwd:"):]
        elif line.startswith("a=candidate:"):
            if section is None:
                section = FragSection(mid=None)
                frag.sections.append(section)
            section.candidates.append(_candidate(line, number))
        elif line == "a=end-of-candidates":
            if section is None:
                section = FragSection(mid=None)
                frag.sections.append(section)
            section.end_of_candidates = True
        elif not line.startswith(IGNORED):
            raise RelayError(400, "malformed_sdpfrag", f"line {number} is not part of an ICE fragment: {line[:80]!r}")
    if (frag.ufrag is None) != (frag.pwd is None):
        raise RelayError(400, "malformed_sdpfrag", "a fragment gives a=ice-ufrag and a=ice-pwd together, or neither")
    if frag.ufrag is None and not frag.sections:
        raise RelayError(400, "malformed_sdpfrag", "the fragment has no candidates, end-of-candidates or ICE "
                                                   "credentials")
    return frag


def _candidate(line: str, number: int) -> RTCIceCandidate:
    try:
        candidate = candidate_from_sdp(line[len("a=candidate:"):])
    except (AssertionError, ValueError, IndexError) as exc:  # aiortc's parser asserts on short lines
        raise RelayError(400, "malformed_sdpfrag", f"line {number}: not an ICE candidate: {line[:80]!r}") from exc
    if candidate.protocol.lower() not in ("udp", "tcp"):
        raise RelayError(400, "malformed_sdpfrag", f"line {number}: unknown candidate transport {candidate.protocol!r}")
    return candidate


def ice_credentials(sdp: str) -> tuple[str, str]:
    """The first (ufrag, pwd) of an SDP (WHIP/WHEP offers carry one pair: every section bundled or
    the same agent's)."""
    ufrag = re.search(r"^a=ice-ufrag:(\S+)", sdp, re.MULTILINE)
    pwd = re.search(r"^a=ice-pwd:(\S+)", sdp, re.MULTILINE)
    if ufrag is None or pwd is None:
        raise ValueError("no ICE credentials in the SDP")
    return ufrag.group(1), pwd.group(1)


def restarted_offer(offer: str, frag: SdpFrag) -> str:
    """The session's offer with the fragment's new ICE credentials and candidates in place of the old
    ones: what a client restarting ICE would offer in a full renegotiation (same media, same DTLS
    fingerprint)."""
    by_mid = {s.mid: s for s in frag.sections}
    first = frag.sections[0] if frag.sections else None
    out: list[str] = []
    mid: str | None = None
    section_lines: list[str] = []

    def flush() -> None:
        if not section_lines:
            return
        out.extend(section_lines)
        section = by_mid.get(mid) or (first if first is not None and first.mid is None else None)
        if section is not None:
            out.extend(f"a=candidate:{candidate_to_sdp(c)}" for c in section.candidates)
            if section.end_of_candidates:
                out.append("a=end-of-candidates")
        section_lines.clear()

    for line in offer.splitlines():
        if line.startswith("m="):
            flush()
            mid = None
            section_lines.append(line)
            continue
        if line.startswith(("a=candidate:", "a=end-of-candidates")):
            continue
        if line.startswith("a=ice-ufrag:"):
            line = f"a=ice-ufrag:{frag.ufrag}"
        elif line.startswith("a=ice-pwd:"):
            line = f"a=ice-pwd:{frag.pwd}"
        elif line.startswith("a=mid:"):
            mid = line[len("a=mid:"):]
        (section_lines if section_lines else out).append(line)
    flush()
    return "\r\n".join(out) + "\r\n"


def answer_fragment(answer: str) -> str:
    """The relay's fragment after an ICE restart: its new credentials and every candidate of each
    section that has its own transport (a bundled section's candidates are the first section's)."""
    lines: list[str] = []
    ufrag, pwd = ice_credentials(answer)
    lines += [f"a=ice-ufrag:{ufrag}", f"a=ice-pwd:{pwd}"]
    current: list[str] = []
    for line in answer.splitlines():
        if line.startswith("m="):
            if any(x.startswith("a=candidate:") for x in current):
                lines += current
            current = [line]
        elif current and line.startswith(("a=mid:", "a=candidate:", "a=end-of-candidates")):
            current.append(line)
    if any(x.startswith("a=candidate:") for x in current):
        lines += current
    return "\r\n".join(lines) + "\r\n"
