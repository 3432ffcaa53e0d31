"""Warranty periods: calendar months added to a sale date, and the status of a unit on a given day."""

from datetime import date

import pytest

from server.products.warranty import add_months
from server.products.warranty import policy_for
from server.products.warranty import warranty_status


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(date(2024, 1, 15), 0, date(2024, 1, 15), id="zero-months"),
        pytest.param(date(2024, 1, 15), 1, date(2024, 2, 15), id="one-month"),
        pytest.param(date(2024, 1, 15), 12, date(2025, 1, 15), id="one-year"),
        pytest.param(date(2024, 1, 15), 36, date(2027, 1, 15), id="three-years"),
        pytest.param(date(2024, 1, 15), 120, date(2034, 1, 15), id="ten-years"),
        pytest.param(date(2024, 1, 31), 1, date(2024, 2, 29), id="31-jan-leap-year-to-29-feb"),
        pytest.param(date(2023, 1, 31), 1, date(2023, 2, 28), id="31-jan-to-28-feb"),
        pytest.param(date(2024, 1, 30), 1, date(2024, 2, 29), id="30-jan-to-29-feb"),
        pytest.param(date(2024, 1, 29), 1, date(2024, 2, 29), id="29-jan-to-29-feb"),
        pytest.param(date(2023, 1, 29), 1, date(2023, 2, 28), id="29-jan-to-28-feb"),
        pytest.param(date(2024, 1, 31), 13, date(2025, 2, 28), id="31-jan-plus-13"),
        pytest.param(date(2024, 3, 31), 1, date(2024, 4, 30), id="31-mar-to-30-apr"),
        pytest.param(date(2024, 5, 31), 4, date(2024, 9, 30), id="31-may-to-30-sep"),
        pytest.param(date(2024, 8, 31), 6, date(2025, 2, 28), id="31-aug-plus-6"),
        pytest.param(date(2024, 11, 30), 3, date(2025, 2, 28), id="30-nov-plus-3"),
        pytest.param(date(2024, 2, 29), 12, date(2025, 2, 28), id="29-feb-plus-one-year"),
        pytest.param(date(2024, 2, 29), 48, date(2028, 2, 29), id="29-feb-plus-four-years"),
        pytest.param(date(2024, 2, 28), 12, date(2025, 2, 28), id="28-feb-plus-one-year"),
        pytest.param(date(2024, 2, 29), 1, date(2024, 3, 29), id="29-feb-to-29-mar"),
        pytest.param(date(2024, 12, 15), 1, date(2025, 1, 15), id="december-to-january"),
        pytest.param(date(2024, 12, 31), 12, date(2025, 12, 31), id="31-dec-plus-one-year"),
        pytest.param(date(2024, 12, 31), 2, date(2025, 2, 28), id="31-dec-plus-2"),
        pytest.param(date(2024, 11, 15), 14, date(2026, 1, 15), id="across-two-year-ends"),
        pytest.param(date(1999, 12, 31), 1, date(2000, 1, 31), id="into-2000"),
        pytest.param(date(2100, 1, 31), 1, date(2100, 2, 28), id="2100-not-leap"),
        pytest.param(date(2024, 3, 31), -1, date(2024, 2, 29), id="minus-one-month"),
        pytest.param(date(2024, 1, 31), -1, date(2023, 12, 31), id="minus-one-month-across-year"),
        pytest.param(date(2025, 2, 28), -12, date(2024, 2, 28), id="minus-one-year"),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


# ---------------------------------------------------------------- warranty_status on a given day


@pytest.fixture
def tv(world):
    """Product TV55 of category tv, whose policy is 12 months for the unit and 36 for main parts."""
    from server.products.services import products

    return products.find("TV55")


SOLD = date(2024, 1, 31)


@pytest.mark.parametrize(
    ("today", "whole_active", "main_active"),
    [
        pytest.param(date(2024, 1, 30), False, False, id="day-before-sale"),
        pytest.param(date(2024, 1, 31), True, True, id="sale-day"),
        pytest.param(date(2025, 1, 30), True, True, id="last-day-of-whole-unit"),
        pytest.param(date(2025, 1, 31), False, True, id="whole-unit-end-day"),
        pytest.param(date(2027, 1, 30), False, True, id="last-day-of-main-parts"),
        pytest.param(date(2027, 1, 31), False, False, id="main-parts-end-day"),
    ],
)
def test_a_period_covers_the_sale_day_up_to_its_end_exclusive(tv, today, whole_active, main_active):
    status = warranty_status(tv, SOLD, today)
    assert (status["whole_unit"]["active"], status["main_parts"]["active"]) == (whole_active, main_active)


def test_warranty_status_names_the_policy_periods_and_end_dates(tv):
    assert warranty_status(tv, SOLD, date(2024, 6, 1)) == {
        "policy": "tv",
        "whole_unit": {"months": 12, "ends_on": date(2025, 1, 31), "active": True},
        "main_parts": {"months": 36, "ends_on": date(2027, 1, 31), "active": True},
    }


def test_warranty_status_without_a_policy_for_the_category(world):
    from server.products.services import products

    assert warranty_status(products.find("WM8"), SOLD, date(2024, 6, 1)) == {
        "policy": None,
        "whole_unit": None,
        "main_parts": None,
    }


@pytest.mark.parametrize(("category", "found"), [("tv", True), ("washing_machine", False), ("TV", False)])
def test_policy_for_a_category(world, category, found):
    policy = policy_for(category)
    assert (policy is not None) == found
    if found:
        assert (policy.whole_unit_months, policy.main_part_months) == (12, 36)
