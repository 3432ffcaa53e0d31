"""The periods a trend is laid out in, and how the period is chosen: pure rules, no database."""

from datetime import date

import pytest

from server.errors import InvalidInput
from server.reports.trends import chosen_by
from server.reports.trends import periods


def d(text):
    return date.fromisoformat(text)


def test_a_day_is_its_own_period():
    assert periods(d("2026-01-30"), d("2026-02-02"), "day") == [
        (d("2026-01-30"), d("2026-01-30")),
        (d("2026-01-31"), d("2026-01-31")),
        (d("2026-02-01"), d("2026-02-01")),
        (d("2026-02-02"), d("2026-02-02")),
    ]


@pytest.mark.parametrize(
    ("first", "last", "weeks"),
    [
        # Thursday to the next Wednesday: the cut ends of two weeks.
        ("2026-01-01", "2026-01-07", [("2026-01-01", "2026-01-04"), ("2026-01-05", "2026-01-07")]),
        # Monday to Sunday: one whole week.
        ("2026-01-05", "2026-01-11", [("2026-01-05", "2026-01-11")]),
        # One Sunday.
        ("2026-01-04", "2026-01-04", [("2026-01-04", "2026-01-04")]),
        # Across a year's end.
        (
            "2025-12-27",
            "2026-01-05",
            [("2025-12-27", "2025-12-28"), ("2025-12-29", "2026-01-04"), ("2026-01-05", "2026-01-05")],
        ),
    ],
)
def test_weeks_run_monday_to_sunday_cut_to_the_range(first, last, weeks):
    assert periods(d(first), d(last), "week") == [(d(a), d(b)) for a, b in weeks]


@pytest.mark.parametrize(
    ("first", "last", "asked", "by"),
    [
        ("2026-01-01", "2026-03-03", None, "day"),  # 62 days
        ("2026-01-01", "2026-03-04", None, "week"),  # 63 days
        ("2026-01-01", "2026-01-01", "week", "week"),
        ("2025-01-01", "2026-01-01", "day", "day"),  # 366 days
    ],
)
def test_the_period_is_the_one_asked_for_else_by_the_ranges_length(first, last, asked, by):
    assert chosen_by(d(first), d(last), asked) == by


def test_more_than_a_years_days_one_by_one_is_refused(app):
    with pytest.raises(InvalidInput) as refused:
        chosen_by(d("2025-01-01"), d("2026-01-02"), "day")
    assert list(refused.value.details["fields"]) == ["by"]
