"""Live lesson tests without a browser (API, relay tokens, live HLS feeder); the browser ones are
tests/web/test_live_pages.py, sharing tests/web's Playwright session."""

from tests.streaming.conftest import relay  # noqa: F401  (fixture reused: a relay process per module)
