"""The relay's ICE host ports, kept in a configured range (``TINGKE_RTC_PORT_MIN``/``_MAX``).

aioice binds host candidates with ``loop.create_datagram_endpoint(local_addr=(ip, 0))`` and has no
port-range option, so the relay wraps that call on its own loop. Nothing of aiortc is touched.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any


def install_udp_port_range(loop: asyncio.AbstractEventLoop, port_min: int, port_max: int) -> None:
    """Bind every ``create_datagram_endpoint(local_addr=(ip, 0))`` on ``loop`` (that is how aioice
    binds ICE host candidates) to a free port in [port_min, port_max].

    Works on the standard asyncio loop (run uvicorn with ``loop="asyncio"``); a no-op when the
    range is unset. Other code asking for an ephemeral UDP port on this loop gets one from
    the range too, which is what a firewall rule for the relay wants anyway.
    """
    if port_min <= 0 or port_max < port_min:
        return
    original = loop.create_datagram_endpoint

    async def create_in_range(protocol_factory: Any, local_addr: Any = None, **kwargs: Any) -> Any:
        if not local_addr or local_addr[1] != 0:
            return await original(protocol_factory, local_addr=local_addr, **kwargs)
        ports = list(range(port_min, port_max + 1))
        start = random.randrange(len(ports))
        last_error: OSError | None = None
        for port in ports[start:] + ports[:start]:
            try:
                return await original(protocol_factory, local_addr=(local_addr[0], port), **kwargs)
            except OSError as exc:
                last_error = exc
        raise OSError(f"no free UDP port in {port_min}-{port_max}") from last_error

    loop.create_datagram_endpoint = create_in_range  # type: ignore[method-assign,assignment]
