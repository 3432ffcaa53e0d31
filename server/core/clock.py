"""Time: UTC in storage, the users' local day in rules and on screen."""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

from flask import current_app


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
