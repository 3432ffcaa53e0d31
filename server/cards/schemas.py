"""Input and output schemas of service cards."""

import marshmallow as ma

from server.cards.models import CARD_TYPES
from server.cards.models import COVERAGES
from server.core.schemas import CodeList
from server.core.schemas import Day

# Customers' phones as requests take them (server/jobs/schemas.py PHONE).
PHONE = ma.validate.Regexp(r"^\+?[0-9][0-9 -]{4,30}$", error="Give a phone number: digits, spaces or '-', 5 to 32.")
NUMBER = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", error="Use 1-32 letters, digits or '_.-'.")


def _each(validator, field):
    """A CodeList check: every item passes ``validator``; the list has at most 100 items."""

    def check(items):
        if len(items) > 100:
            raise ma.ValidationError(f"At most 100 {field}.")
        for item in items:
            validator(item)

    return check


class CardBodyArgs(ma.Schema):
    card_type = ma.fields.String(required=True, validate=ma.validate.OneOf(CARD_TYPES))
    coverage = ma.fields.String(required=True, validate=ma.validate.OneOf(COVERAGES))
    starts_on = Day(required=True, metadata={"description": "The first day it covers"})
    ends_on = Day(required=True, metadata={"description": "The last day it covers (included)"})
    serials = CodeList(
        required=True,
        validate=_each(ma.validate.Length(min=1, max=64), "serials"),
        metadata={"description": "The units it covers, by serial (a list, or serials separated by ';')"},
    )
    phones = CodeList(
        required=True,
        validate=_each(PHONE, "phones"),
        metadata={"description": "The people who may use it, by phone (a list, or phones separated by ';')"},
    )
    parts = CodeList(
        load_default=list,
        validate=_each(ma.validate.Length(min=1, max=64), "parts"),
        metadata={"description": "A parts card's part numbers; a whole-unit card lists none"},
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class CardArgs(CardBodyArgs):
    number = ma.fields.String(required=True, validate=NUMBER, metadata={"description": "The card's number"})


class CardSearchArgs(ma.Schema):
    phone = ma.fields.String(validate=PHONE, metadata={"description": "Cards this phone may use"})
    serial = ma.fields.String(validate=ma.validate.Length(min=1, max=64), metadata={"description": "Cards of a unit"})
    number = ma.fields.String(validate=NUMBER, metadata={"description": "The card of this number"})

    @ma.validates_schema
    def some_filter(self, data, **kwargs):
        if not any(data.get(name) for name in ("phone", "serial", "number")):
            raise ma.ValidationError("Give a phone, a serial or a card number.", "phone")


class CardSchema(ma.Schema):
    number = ma.fields.String()
    card_type = ma.fields.String()
    coverage = ma.fields.String()
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    note = ma.fields.String()
    serials = ma.fields.List(ma.fields.String())
    phones = ma.fields.List(ma.fields.String(), metadata={"description": "Masked for provider staff"})
    parts = ma.fields.List(ma.fields.String())
    valid_today = ma.fields.Boolean(metadata={"description": "Whether today lies in its period"})


class CardListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CardSchema))


class CardBriefSchema(ma.Schema):
    """A card beside a unit in the caller lookup."""

    number = ma.fields.String()
    card_type = ma.fields.String()
    coverage = ma.fields.String()
    ends_on = ma.fields.Date()
