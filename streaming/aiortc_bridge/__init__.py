"""What the relay needs from aiortc that aiortc does not offer publicly, one concern a module.

Laid out as aiortc's own source is: ``forwarding`` (the receiver's worker: encoded packets, never
decoded), ``jitterbuffer``, ``inbound`` / ``inline_forwarder`` / ``datagrams`` / ``media_route``
(publishers' packets past aioice's queue and aiortc's per-packet handling), ``outbound`` (subscribers'
RTP written directly), ``codecs``, ``keyframes`` (PLIs to the media ssrc, subscribers' PLIs
redirected), ``counters``, ``certificates``. Every private name they use is listed, with why, in
``internals``.
"""
