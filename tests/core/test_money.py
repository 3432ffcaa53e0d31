"""Money: amounts in yuan with at most two decimals in, integer cents inside, two-decimal text out."""

from decimal import Decimal

import marshmallow as ma
import pytest

from server.core.schemas import Money

INVALID = "Not a valid amount: give yuan with at most two decimals, e.g. 12.50."
NEGATIVE = "The amount may not be negative."
TOO_LARGE = "The amount is larger than 9999999999.99 yuan."

Amount = ma.Schema.from_dict({"amount": Money()}, name="Amount")


def load(value):
    return Amount().load({"amount": value})["amount"]


def refusal(value):
    with pytest.raises(ma.ValidationError) as raised:
        Amount().load({"amount": value})
    return raised.value.messages


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        ("12.50", 1250),
        ("12.5", 1250),
        ("12", 1200),
        ("0", 0),
        ("0.00", 0),
        ("0.01", 1),
        (".5", 50),
        ("-0", 0),
        ("-0.00", 0),
        ("  3.20 ", 320),
        ("12.500", 1250),
        ("1e3", 100000),
        ("9999999999.99", 999999999999),
        (12, 1200),
        (0, 0),
        (12.5, 1250),
        (19.99, 1999),
        (0.1, 10),
        (Decimal("7.07"), 707),
    ],
)
def test_an_amount_in_yuan_becomes_integer_cents(value, cents):
    amount = load(value)
    assert amount == cents
    assert type(amount) is int


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("12.505", id="three-decimals"),
        pytest.param("0.001", id="a-tenth-of-a-cent"),
        pytest.param(1.005, id="float-with-three-decimals"),
        pytest.param(0.1 + 0.2, id="float-with-binary-noise"),
        pytest.param(1e-7, id="tiny-float"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("twelve", id="words"),
        pytest.param("12,50", id="decimal-comma"),
        pytest.param("1,000.00", id="thousands-separator"),
        pytest.param("¥12.50", id="currency-sign"),
        pytest.param("12.50元", id="currency-word"),
        pytest.param("0x10", id="hexadecimal"),
        pytest.param("NaN", id="not-a-number"),
        pytest.param(float("nan"), id="float-nan"),
        pytest.param("Infinity", id="infinity"),
        pytest.param(float("inf"), id="float-infinity"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param([12], id="list"),
        pytest.param({"yuan": 12}, id="object"),
        pytest.param("1" * 33, id="33-characters"),
        pytest.param(10**40, id="huge-integer-text"),
    ],
)
def test_anything_but_yuan_with_at_most_two_decimals_is_refused(value):
    assert refusal(value) == {"amount": [INVALID]}


@pytest.mark.parametrize("value", ["-0.01", "-12.50", -1, -0.5, "-1e3"])
def test_a_negative_amount_is_refused(value):
    assert refusal(value) == {"amount": [NEGATIVE]}


@pytest.mark.parametrize("value", ["10000000000", "10000000000.00", "9999999999.991", 10**12, 1e20, "1e11"])
def test_an_amount_over_ten_billion_yuan_is_refused_as_too_large(value):
    """Past the maximum the size is named first, whatever the decimals."""
    assert refusal(value) == {"amount": [TOO_LARGE]}


def test_a_missing_amount_is_refused_as_null():
    assert refusal(None) == {"amount": ["Field may not be null."]}


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (1250, "12.50"),
        (0, "0.00"),
        (1, "0.01"),
        (10, "0.10"),
        (100, "1.00"),
        (999999999999, "9999999999.99"),
        (2**63 - 1, "92233720368547758.07"),
        (-150, "-1.50"),
        (None, None),
    ],
)
def test_cents_are_shown_as_yuan_text_with_two_decimals(cents, text):
    assert Amount().dump({"amount": cents}) == {"amount": text}


@pytest.mark.parametrize("cents", [0, 1, 9, 10, 99, 100, 101, 1250, 123456789, 999999999999])
def test_cents_shown_and_read_back_are_the_same_cents(cents):
    assert load(Amount().dump({"amount": cents})["amount"]) == cents
