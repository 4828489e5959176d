"""``python -m streaming [--host H] [--port P]``: run the relay (port 0 = any free port)."""

from __future__ import annotations

import argparse

from streaming.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(description="tingke media relay (WHIP/WHEP, forwarding, recording)")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args()
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
