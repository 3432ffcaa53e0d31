"""Fields and schemas shared by every domain: money, lists, pages."""

import math
from decimal import Decimal
from decimal import InvalidOperation

import marshmallow as ma
from flask import current_app
from flask_smorest.fields import Upload
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db


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


def each_shown(page, shown):
    """``page`` with every item passed through ``shown``, which adds the view its schema needs."""
    return {**page, "items": [shown(item) for item in page["items"]]}


class ImportFileArgs(ma.Schema):
    file = Upload(required=True, metadata={"description": "CSV file, UTF-8, header row"})


class RejectionSchema(ma.Schema):
    line = ma.fields.Integer()
    error = ma.fields.String()


class ImportResultSchema(ma.Schema):
    inserted = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()
    rejected = ma.fields.List(ma.fields.Nested(RejectionSchema))
