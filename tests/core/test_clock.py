"""The clock rules without a database: the users' local day (UTC+8 unless configured), its bounds in UTC,
and the latest date a user may call today."""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from flask import Flask

from server.core import clock


@pytest.fixture
def offset_minutes():
    return 8 * 60


@pytest.fixture
def configured(offset_minutes):
    """A bare Flask app with only the local offset set, its context pushed: the clock reads nothing else."""
    bare = Flask(__name__)
    bare.config["LOCAL_UTC_OFFSET_MINUTES"] = offset_minutes
    with bare.app_context():
        yield bare


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def test_utcnow_is_an_aware_time_in_utc():
    before = datetime.now(UTC)
    now = clock.utcnow()
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("utc_today", "latest"),
    [
        (date(2024, 6, 1), date(2024, 6, 2)),
        (date(2024, 2, 28), date(2024, 2, 29)),
        (date(2023, 2, 28), date(2023, 3, 1)),
        (date(2024, 12, 31), date(2025, 1, 1)),
    ],
)
def test_the_latest_local_day_is_the_day_after_todays_utc_date(utc_today, latest):
    assert clock.latest_local_day(utc_today) == latest


def test_the_local_offset_is_eight_hours_as_configured(configured):
    assert clock.local_offset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2024, 6, 1), utc(2024, 5, 31, 16), utc(2024, 6, 1, 16)),
        (date(2024, 1, 1), utc(2023, 12, 31, 16), utc(2024, 1, 1, 16)),
        (date(2024, 3, 1), utc(2024, 2, 29, 16), utc(2024, 3, 1, 16)),
    ],
)
def test_a_local_day_runs_from_16_00_utc_the_day_before(configured, day, start, end):
    assert clock.local_day_bounds(day) == (start, end)


@pytest.mark.parametrize(
    ("now", "today"),
    [
        (utc(2024, 5, 31, 15, 59, 59, 999999), date(2024, 5, 31)),
        (utc(2024, 5, 31, 16), date(2024, 6, 1)),
        (utc(2024, 6, 1, 15, 59), date(2024, 6, 1)),
        (utc(2024, 12, 31, 16), date(2025, 1, 1)),
    ],
)
def test_the_local_day_turns_at_16_00_utc(configured, now, today):
    assert clock.local_today(now) == today


@pytest.mark.parametrize("now", [utc(2024, 5, 31, 16), utc(2024, 6, 1, 0), utc(2024, 6, 1, 15, 59, 59, 999999)])
def test_a_moment_lies_within_the_bounds_of_its_local_day(configured, now):
    start, end = clock.local_day_bounds(clock.local_today(now))
    assert start <= now < end


def test_local_today_without_a_time_is_today_where_the_users_are(configured):
    before = (datetime.now(UTC) + timedelta(hours=8)).date()
    today = clock.local_today()
    assert today in {before, (datetime.now(UTC) + timedelta(hours=8)).date()}


@pytest.mark.parametrize(
    ("offset_minutes", "start"),
    [(0, utc(2024, 6, 1, 0)), (-5 * 60, utc(2024, 6, 1, 5)), (5 * 60 + 45, utc(2024, 5, 31, 18, 15))],
    ids=["utc", "utc-minus-5", "utc-plus-5-45"],
)
def test_the_local_day_follows_the_configured_offset(configured, start):
    assert clock.local_day_bounds(date(2024, 6, 1)) == (start, start + timedelta(days=1))
