"""The district's clock. One rule for the whole product:

- **Stored: UTC.** The database holds instants in UTC (``models.base.UTCDateTime``: aware UTC in and
  out, on SQLite, which keeps no offset, and on PostgreSQL alike). Code that builds a naive datetime
  means UTC (``as_utc``).
- **Typed and read: the district's wall clock** (``TINGKE_TIMEZONE``, default Asia/Shanghai), wherever
  the person's browser or phone thinks it is. A time typed in a form (``<input type=datetime-local>``,
  an API value without an offset) is district time (``from_local``); every time shown on a page, in
  an export or a notification goes through ``to_local`` / ``format_local``; "today" and school days
  are the district's (``today``, ``day_window``), not the server's.

Pages get the zone's name as ``<body data-tz>`` and format API times (UTC ISO strings) with
``web/static/js/app.js`` ``localTime()``, which uses the same zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from tingke.settings import get_settings

DATE_TIME = "%Y-%m-%d %H:%M"
INPUT_VALUE = "%Y-%m-%dT%H:%M"  # the value of an <input type="datetime-local">


def district_zone() -> ZoneInfo:
    """The district's time zone: a school day starts at local midnight, not at UTC midnight."""
    return ZoneInfo(get_settings().timezone)


def zone_name() -> str:
    return get_settings().timezone


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken to be UTC already (the stored rule)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def from_local(wall: datetime) -> datetime:
    """What a person typed as an instant (aware UTC): a naive ``wall`` is the district's wall-clock time;
    an aware one (it carries its own offset) is kept as that instant."""
    if wall.tzinfo is None:
        wall = wall.replace(tzinfo=district_zone())
    return wall.astimezone(UTC)


def to_local(moment: datetime) -> datetime:
    """An instant on the district's wall clock (aware, in the district's zone)."""
    return as_utc(moment).astimezone(district_zone())


def format_local(moment: datetime | None, pattern: str = DATE_TIME) -> str:
    """An instant as the district reads it (``""`` for None): every page, export and notification."""
    return "" if moment is None else to_local(moment).strftime(pattern)


def local_date(moment: datetime) -> date:
    """The district's calendar day of an instant."""
    return to_local(moment).date()


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in the district (the server may run in UTC: at 07:00 in Shanghai it is still yesterday there)."""
    return datetime.now(district_zone()).date()


def at_local(day: date, clock: time) -> datetime:
    """A district wall-clock time on ``day`` as an instant (aware UTC)."""
    return from_local(datetime.combine(day, clock))


def day_window(first: date, last: date) -> tuple[datetime, datetime]:
    """District days first..last as an aware interval [start, end] for comparing stored timestamps."""
    zone = district_zone()
    return datetime.combine(first, time.min, tzinfo=zone), datetime.combine(last, time.max, tzinfo=zone)
