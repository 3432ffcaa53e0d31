"""The API's JSON through orjson is the JSON Flask wrote: sorted keys, text as itself, dates and decimals as
Flask writes them, and what orjson cannot write (an integer past 64 bits) still written."""

import json
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal

import pytest
from flask.json.provider import DefaultJSONProvider

from server.core.jsonio import OrjsonProvider

VALUES = [
    {"b": 1, "a": [1.5, None, True], "名字": "王师傅"},
    {"when": datetime(2026, 12, 6, 8, 30, tzinfo=UTC), "day": date(2026, 12, 6), "amount": Decimal("12.50")},
    {"big": 2**70, "small": -(2**63)},
    [],
    "text \u2028 with a line separator",
]


@pytest.fixture
def providers(app):
    standard = DefaultJSONProvider(app)
    standard.ensure_ascii = False
    return OrjsonProvider(app), standard


@pytest.mark.parametrize("value", VALUES, ids=["mixed", "dates", "big-integers", "empty", "separator"])
def test_an_answer_reads_back_as_flasks_own(providers, value):
    fast, standard = providers
    written = fast.dumps(value, separators=(",", ":"))
    assert json.loads(written) == json.loads(standard.dumps(value))
    assert fast.loads(written) == json.loads(written)


def test_keys_are_sorted_and_chinese_is_not_escaped(providers):
    fast, _ = providers
    assert fast.dumps({"b": "王", "a": 1}) == '{"a":1,"b":"王"}'


def test_a_response_is_compact_json(app, providers):
    fast, _ = providers
    with app.test_request_context():
        response = fast.response({"z": 1, "y": [1, 2]})
    assert response.mimetype == "application/json"
    assert response.get_data(as_text=True) == '{"y":[1,2],"z":1}\n'
