"""Warranty periods: when a sold unit's whole-unit and main-part warranty (三包) end."""

import calendar
from datetime import date

from sqlalchemy import select

from server.extensions import db
from server.products.models import WarrantyPolicy


def add_months(day, months):
    """``day`` plus ``months`` calendar months, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def policy_for(category):
    return db.session.scalar(select(WarrantyPolicy).where(WarrantyPolicy.category == category))


def warranty_status(product, sale_date, today):
    """Whole-unit and main-part warranty of a unit sold on ``sale_date``, as of ``today``.

    A period covers the sale day and runs to the same day ``months`` later, exclusive.
    """
    policy = policy_for(product.category)
    if policy is None:
        return {"policy": None, "whole_unit": None, "main_parts": None}

    def period(months):
        ends = add_months(sale_date, months)
        return {"months": months, "ends_on": ends, "active": sale_date <= today < ends}

    return {
        "policy": product.category,
        "whole_unit": period(policy.whole_unit_months),
        "main_parts": period(policy.main_part_months),
    }
