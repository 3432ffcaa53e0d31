"""A compiled dump gives what marshmallow's Schema.dump gives, field kind by field kind, and hands back to
marshmallow what it cannot compile."""

from datetime import UTC
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace

import marshmallow as ma
import pytest

from server.core.dumping import dumper
from server.core.schemas import AwareTime
from server.core.schemas import Money

pytestmark = pytest.mark.unit


class Title(ma.fields.Field):
    """A field of its own: only marshmallow knows how it writes."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value).title()


class Line(ma.Schema):
    part = ma.fields.String()
    qty = ma.fields.Integer()


class Everything(ma.Schema):
    text = ma.fields.String()
    number_text = ma.fields.String(attribute="number", dump_only=True)  # a non-string read as text
    number = ma.fields.Integer()
    numeric_string = ma.fields.Integer(as_string=True, attribute="number", dump_only=True)
    ratio = ma.fields.Float()
    flag = ma.fields.Boolean()
    at = ma.fields.DateTime()
    aware = AwareTime()
    day = ma.fields.Date()
    price = Money(attribute="price_cents")
    raw = ma.fields.Raw()
    title = Title()
    renamed = ma.fields.String(data_key="Renamed")
    nested = ma.fields.Nested(Line, allow_none=True)
    nested_many = ma.fields.Nested(Line, many=True)
    nested_only = ma.fields.Nested(Line, only=("qty",), attribute="nested", dump_only=True)
    listed = ma.fields.List(ma.fields.String())
    listed_lines = ma.fields.List(ma.fields.Nested(Line), attribute="nested_many", dump_only=True)
    dotted = ma.fields.String(attribute="nested.part", dump_only=True)
    function = ma.fields.Function(lambda obj: f"#{obj.number}")
    method = ma.fields.Method("dump_method")
    absent = ma.fields.String()  # the object has no such attribute: no key
    defaulted = ma.fields.String(dump_default="by default")
    load_only = ma.fields.String(load_only=True)

    def dump_method(self, obj):
        return {"double": None if obj.number is None else obj.number * 2}


def thing(**changes):
    values = {
        "text": "主板",
        "number": 7,
        "ratio": 1.5,
        "flag": True,
        "at": datetime(2026, 12, 6, 8, 30, tzinfo=UTC),
        "aware": datetime(2026, 12, 6, 8, 30, tzinfo=UTC),
        "day": datetime(2026, 12, 6).date(),
        "price_cents": 1250,
        "raw": {"any": [1, "two"]},
        "title": "wang shifu",
        "renamed": "x",
        "nested": SimpleNamespace(part="BOARD", qty=2),
        "nested_many": [SimpleNamespace(part="PANEL", qty=1), SimpleNamespace(part="REMOTE", qty=Decimal(3))],
        "listed": ["a", 2],
        "load_only": "never dumped",
    }
    values.update(changes)
    return SimpleNamespace(**values)


@pytest.mark.parametrize(
    "obj",
    [
        thing(),
        thing(text=None, number=None, ratio=None, flag=None, at=None, aware=None, day=None, raw=None, title=None),
        thing(nested=None, nested_many=[], listed=[], text=""),
        thing(ratio=2, flag=0, text=12),
    ],
    ids=["values", "nones", "empties", "other-types"],
)
def test_the_compiled_dump_is_marshmallows(obj):
    schema = Everything()
    assert dumper(schema)(obj) == schema.dump(obj)


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow():
    class Hooked(Line):
        @ma.post_dump
        def shout(self, data, **kwargs):
            return {key: str(value).upper() for key, value in data.items()}

    schema = Hooked()
    line = SimpleNamespace(part="board", qty=1)
    assert dumper(schema)(line) == {"part": "BOARD", "qty": "1"} == schema.dump(line)


def test_a_schema_reading_attributes_its_own_way_is_dumped_by_marshmallow():
    class FromDicts(Line):
        def get_attribute(self, obj, attr, default):
            return obj.get(attr, default)

    schema = FromDicts()
    assert dumper(schema)({"part": "BOARD", "qty": 2}) == {"part": "BOARD", "qty": 2}
