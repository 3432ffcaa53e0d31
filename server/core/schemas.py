"""Fields and schemas shared by every domain: ids, days and times, money, lists, pages."""

import math
import re
from collections.abc import Callable
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any

import marshmallow as ma
from flask import current_app
from flask_smorest.fields import Upload
from sqlalchemy import func
from sqlalchemy import select

from server.api import ID_MESSAGE
from server.api import MAX_ID
from server.extensions import db

# The years the API takes a day or a time in: far around any sale, repair or report, and far inside what
# Python's dates and the columns hold, so no arithmetic on them (the next month, a local day in UTC) overflows.
FIRST_YEAR, LAST_YEAR = 1900, 2999
_YEAR = r"(19\d\d|2\d\d\d)"
DAY_PATTERN = rf"^{_YEAR}-\d\d-\d\d$"
TIME_PATTERN = rf"^{_YEAR}-\d\d-\d\d[T ]"
MONTH_PATTERN = rf"^{_YEAR}-(0[1-9]|1[0-2])$"
MONTH = ma.validate.Regexp(MONTH_PATTERN, error=f"Give a month as YYYY-MM, from {FIRST_YEAR} to {LAST_YEAR}.")


class Id(ma.fields.Integer):
    """The id of a row: a whole number from 1 to MAX_ID, what every table's Integer id holds.

    A larger one names no row, and would make the query looking for it fail; it is a 422 like any bad field.
    """

    def __init__(self, **kwargs):
        super().__init__(validate=ma.validate.Range(min=1, max=MAX_ID, error=ID_MESSAGE), **kwargs)


class Day(ma.fields.Date):
    """A calendar day written ``YYYY-MM-DD``, in the years FIRST_YEAR to LAST_YEAR."""

    default_error_messages = {"range": f"Give a day as YYYY-MM-DD, from {FIRST_YEAR} to {LAST_YEAR}."}

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": DAY_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        # A day Python reads may still be written otherwise (20260601) or lie outside the years.
        if not isinstance(value, str) or not re.match(DAY_PATTERN, value):
            raise self.make_error("range")
        return day


class AwareTime(ma.fields.AwareDateTime):
    """A moment in ISO 8601 with its offset (``2026-06-01T09:30:00+08:00``), in the years FIRST_YEAR to LAST_YEAR.

    The year is read as written, in the sender's zone; the oldest then still lies far above what UTC can
    hold, so storing it in UTC cannot overflow.
    """

    default_error_messages = {"range": f"Give a time in ISO 8601 with its offset, from {FIRST_YEAR} to {LAST_YEAR}."}

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": TIME_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not isinstance(value, str) or not re.match(TIME_PATTERN, value):
            raise self.make_error("range")
        return moment


class Money(ma.fields.Field):
    """An amount in yuan with at most two decimals, held as integer cents.

    Accepts ``"12.50"`` or ``12.5``; dumps ``"12.50"`` so no client meets a float.
    """

    # Ten billion yuan: far above any fee or deposit, far below the 64-bit cent column's limit.
    MAXIMUM = Decimal("9999999999.99")

    default_error_messages = {
        "invalid": "Not a valid amount: give yuan with at most two decimals, e.g. 12.50.",
        "negative": "The amount may not be negative.",
        "too_large": "The amount is larger than 9999999999.99 yuan.",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or len(str(value)) > 32:
            raise self.make_error("invalid")
        try:
            amount = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise self.make_error("invalid") from None
        if not amount.is_finite():
            raise self.make_error("invalid")
        if amount < 0:
            raise self.make_error("negative")
        if amount > self.MAXIMUM:
            raise self.make_error("too_large")
        if amount != amount.quantize(Decimal("0.01")):
            raise self.make_error("invalid")
        return int(amount * 100)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return f"{Decimal(value) / 100:.2f}"


class CodeList(ma.fields.Field):
    """A list of codes: a JSON list, or the ``a;b;c`` form of CSV files."""

    default_error_messages = {"invalid": "Give a list of codes (or codes separated by ';')."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            items = value.split(";")
        elif isinstance(value, list | tuple):
            items = value
        else:
            raise self.make_error("invalid")
        if not all(isinstance(item, str) for item in items):
            raise self.make_error("invalid")
        codes = []
        for item in (item.strip() for item in items):
            if item and item not in codes:
                codes.append(item)
        return codes

    def _serialize(self, value, attr, obj, **kwargs):
        return list(value or [])


class PageArgs(ma.Schema):
    """Query arguments of every list endpoint."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=1_000_000))


def page_schema(item_schema, name):
    """Schema of a page of ``item_schema`` items (for the OpenAPI document)."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema)),
            "page": ma.fields.Integer(),
            "per_page": ma.fields.Integer(),
            "total": ma.fields.Integer(),
            "pages": ma.fields.Integer(),
        },
        name=name,
    )


def paginate(statement, args):
    """Run ``statement`` for one page; return ``{"items", "page", "per_page", "total", "pages"}``."""
    per_page = min(args.get("per_page") or current_app.config["PAGE_SIZE"], current_app.config["PAGE_SIZE_MAX"])
    page = args.get("page") or 1
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {
        "items": items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": math.ceil(total / per_page) if total else 0,
    }


def each_shown(page: dict[str, Any], shown: Callable[[Any], Any]) -> dict[str, Any]:
    """``page`` with every item passed through ``shown``, which adds the view its schema needs."""
    return {**page, "items": [shown(item) for item in page["items"]]}


class ImportFileArgs(ma.Schema):
    file = Upload(required=True, metadata={"description": "CSV file, UTF-8, header row"})


class RejectionSchema(ma.Schema):
    line = ma.fields.Integer()
    error = ma.fields.String()
    code = ma.fields.String(metadata={"description": "What is wrong with the line, e.g. ``unknown_model``"})
    details = ma.fields.Dict(metadata={"description": 'The values the reason names, e.g. ``{"model": "TV99"}``'})


class ImportResultSchema(ma.Schema):
    inserted = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    rejected = ma.fields.List(ma.fields.Nested(RejectionSchema))


class Real(ma.fields.Float):
    """A finite real number given as a JSON number (not a string, not true/false), within ``minimum``-``maximum``.

    ``above_minimum``: the minimum itself is refused (an accuracy of 0 m is no measurement)."""

    default_error_messages = {"invalid": "Give a number."}

    def __init__(self, minimum: float, maximum: float, *, above_minimum: bool = False, **kwargs):
        lowest = f"above {minimum:g} up" if above_minimum else f"from {minimum:g}"
        error = f"Give a number {lowest} to {maximum:g}."
        kwargs.setdefault(
            "validate",
            ma.validate.Range(min=minimum, max=maximum, min_inclusive=not above_minimum, error=error),
        )
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def dotted(messages: Any, prefix: str = "") -> dict[str, Any]:
    """Nested schemas' errors under one dotted name each (``{"position": {"lat": [...]}}`` → ``position.lat``),
    so the error envelope names the very field."""
    if not isinstance(messages, dict):
        return {prefix or "_schema": messages}
    flat: dict[str, Any] = {}
    for key, value in messages.items():
        # A nested object's own error (not an object at all) names the object.
        name = prefix if key == ma.exceptions.SCHEMA and prefix else f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(dotted(value, name))
        else:
            flat[name] = value
    return flat


class DottedErrors(ma.Schema):
    """A schema whose nested fields' errors are named by their dotted path (see ``dotted``)."""

    def handle_error(self, error, data, *, many, **kwargs):
        raise ma.ValidationError(dotted(error.messages), data=data, valid_data=error.valid_data)
