"""Warranty periods: when a sold unit's whole-unit and main-part warranty (三包) end."""

import calendar
from datetime import date
from datetime import timedelta
from typing import TypedDict

from sqlalchemy import select

from server.extensions import db
from server.products.models import Product
from server.products.models import WarrantyPolicy


class Period(TypedDict):
    months: int
    ends_on: date
    active: bool


class WarrantyStatus(TypedDict):
    policy: str | None  # the category whose policy applies; None when no policy covers it
    whole_unit: Period | None
    main_parts: Period | None


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def policy_for(category: str) -> WarrantyPolicy | None:
    return db.session.scalar(select(WarrantyPolicy).where(WarrantyPolicy.category == category))


def warranty_status(product: Product, sale_date: date, today: date) -> WarrantyStatus:
    """Whole-unit and main-part warranty of a unit sold on ``sale_date``, as of ``today``.

    A period covers the sale day and runs to the same day ``months`` later, exclusive.
    """
    policy = policy_for(product.category)
    if policy is None:
        return {"policy": None, "whole_unit": None, "main_parts": None}

    def period(months: int) -> Period:
        ends = add_months(sale_date, months)
        return {"months": months, "ends_on": ends, "active": sale_date <= today < ends}

    return {
        "policy": product.category,
        "whole_unit": period(policy.whole_unit_months),
        "main_parts": period(policy.main_part_months),
    }


def first_sale_day_covered(months: int, today: date) -> date:
    """The earliest sale day whose ``months``-month period still covers ``today``: a unit is in warranty exactly
    when it was sold on this day or later (and not after ``today``).

    ``add_months`` never decreases as the sale day grows, so one day, found here, splits every sale into in and
    out, and a query compares sale days with it instead of computing each unit's period (a campaign's audience).
    """
    day = add_months(today, -months)
    # Clamping at a month's end may leave a few days whose period already ended (sold 29 Feb + 12 = 28 Feb).
    while add_months(day, months) <= today:
        day += timedelta(days=1)
    return day
