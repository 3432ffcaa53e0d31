"""Time: UTC in storage, the users' local day in rules and on screen."""

from collections.abc import Mapping
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any

from flask import current_app

from server.core.reference import invalid


def utcnow() -> datetime:
    return datetime.now(UTC)


def latest_local_day(utc_today: date) -> date:
    """The latest date a user may call today, given today's UTC date.

    Dates typed in China (UTC+8) run up to a day ahead of UTC's, so a sale or
    repair dated "today" there is never refused as being in the future.
    """
    return utc_today + timedelta(days=1)


def local_offset() -> timedelta:
    return timedelta(minutes=current_app.config["LOCAL_UTC_OFFSET_MINUTES"])


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where the users' calendar day ``day`` starts and ends."""
    start = datetime.combine(day, time(0), tzinfo=UTC) - local_offset()
    return start, start + timedelta(days=1)


def local_today(now: datetime | None = None) -> date:
    return ((now or utcnow()) + local_offset()).date()


def local_range(args: Mapping[str, Any], default_days: int) -> tuple[date, date, datetime, datetime]:
    """``(first, last, start, end)``: the local days ``args`` asks for (``from``, ``to``: the last ``default_days``
    up to today by default) and the UTC instants where they start and end; 422 on a range ending before it starts.
    """
    last = args.get("to") or local_today()
    first = args.get("from") or last - timedelta(days=default_days - 1)
    if last < first:
        raise invalid("to", f"the range ends ({last}) before it starts ({first})")
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    return first, last, start, end
