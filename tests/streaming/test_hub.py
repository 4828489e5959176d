"""The forwarding hub on its own: a consumer that never reads cannot hold the others back."""

from __future__ import annotations

import asyncio
import fractions

import av
from aiortc import MediaStreamTrack, RTCCertificate, RTCDtlsTransport, RTCIceGatherer, RTCIceTransport, RTCRtpReceiver
from aiortc.mediastreams import MediaStreamError

from streaming.aiortc_bridge import codecs
from streaming.hub import QUEUE_FRAMES, TrackHub

FRAMES = 600


class EncodedSource(MediaStreamTrack):
    """Encoded-looking video packets (keyframe every 30) as fast as the loop allows."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.index = 0

    async def recv(self) -> av.Packet:
        await asyncio.sleep(0)
        if self.index >= FRAMES:
            raise MediaStreamError
        packet = av.Packet(bytes(200))
        packet.pts = self.index * 3000
        packet.time_base = fractions.Fraction(1, 90000)
        packet.is_keyframe = self.index % 30 == 0
        self.index += 1
        return packet


async def test_a_stalled_consumer_overflows_alone():
    transport = RTCDtlsTransport(RTCIceTransport(RTCIceGatherer()), [RTCCertificate.generateCertificate()])
    receiver = RTCRtpReceiver("video", transport)
    codec = codecs.forwardable_codecs("video")[0]
    hub = TrackHub("main", "video", codec)
    stalled = hub.subscribe()  # never read
    reader = hub.subscribe()
    listener = hub.listen(maxsize=1000)
    got: list[int] = []

    async def read() -> None:
        while True:
            try:
                got.append(int((await reader.recv()).pts or 0))
            except MediaStreamError:
                return

    reading = asyncio.ensure_future(read())
    hub.attach(EncodedSource(), receiver)
    for _ in range(400):
        if len(got) >= FRAMES:
            break
        await asyncio.sleep(0.01)
    assert len(got) == FRAMES, "the reading subscriber lost frames because another one stalled"
    assert got == sorted(got)
    assert stalled.outlet.queue.qsize() <= QUEUE_FRAMES["video"]
    assert hub.stats.overflow_resets >= 1 and hub.stats.keyframe_requests >= 1
    assert listener.outlet.queue.qsize() == FRAMES
    hub.close()
    await asyncio.wait_for(reading, 5)
    assert [p async for p in listener] == []  # a closed hub ends its listeners
