"""Importing the parts catalogue: exact prices, the models each part fits, its flags."""

import pytest

from server.extensions import db
from server.parts.services import parts
from tests.helpers import counts
from tests.helpers import sentences
from tests.imports.helpers import csv_bytes


def stored(part_no):
    db.session.expire_all()
    part = parts.find(part_no)
    return part and {
        "name": part.name,
        "price_cents": part.price_cents,
        "models": part.models,
        "claimable": part.claimable,
        "key_part": part.key_part,
        "main_part": part.main_part,
    }


def test_parts_are_stored_with_their_models_and_flags(make_product, import_file):
    make_product("TV55")
    make_product("TV65")
    content = csv_bytes("parts", "X2,面板,899.00,TV65;TV55,true,true,true", "X3,Remote,12.50,,false,false,false")
    assert import_file("parts", content) == counts(inserted=2)
    assert stored("X2") == {
        "name": "面板",
        "price_cents": 89900,
        "models": ["TV55", "TV65"],
        "claimable": True,
        "key_part": True,
        "main_part": True,
    }
    assert stored("X3") == {
        "name": "Remote",
        "price_cents": 1250,
        "models": [],
        "claimable": False,
        "key_part": False,
        "main_part": False,
    }


@pytest.mark.parametrize(
    ("cell", "cents"), [("12.50", 1250), ("0.10", 10), ("0.1", 10), ("3", 300), ("1234567.89", 123456789)]
)
def test_price_in_yuan_is_stored_as_exact_cents(imported, cell, cents):
    assert imported("parts", f"X2,Part,{cell},,,,") == counts(inserted=1)
    price = parts.find("X2").price_cents
    assert price == cents
    assert type(price) is int


def test_api_answers_the_imported_price_as_a_string(imported, client, admin):
    imported("parts", "X2,Part,12.50,,,,")
    assert client.get("/api/admin/parts/X2", headers=admin).json["price"] == "12.50"


def test_empty_flag_cells_take_the_defaults(imported):
    imported("parts", "X2,Part,1.00,,,,")
    assert {k: stored("X2")[k] for k in ("claimable", "key_part", "main_part")} == {
        "claimable": True,
        "key_part": False,
        "main_part": False,
    }


@pytest.mark.parametrize(
    ("cell", "value"), [("true", True), ("TRUE", True), ("1", True), ("false", False), ("0", False)]
)
def test_flag_cells_read_as_booleans(imported, cell, value):
    imported("parts", f"X2,Part,1.00,,{cell},{cell},{cell}")
    assert {k: stored("X2")[k] for k in ("claimable", "key_part", "main_part")} == {
        "claimable": value,
        "key_part": value,
        "main_part": value,
    }


MONEY = "Not a valid amount: give yuan with at most two decimals, e.g. 12.50."
REJECTED = [
    pytest.param("X9,Part,1.00,TV55;NOPE,,,", "models: unknown model(s): NOPE", id="unknown-model"),
    pytest.param("X9,Part,1.005,TV55,,,", f"price: {MONEY}", id="three-decimals"),
    pytest.param("X9,Part,-1.00,TV55,,,", "price: The amount may not be negative.", id="negative"),
    pytest.param("X9,Part,¥12,TV55,,,", f"price: {MONEY}", id="currency-sign"),
    pytest.param("X9,Part,,TV55,,,", "price: Missing data for required field.", id="no-price"),
    pytest.param("X9,Part,1.00,TV55,maybe,,", "claimable: Not a valid boolean.", id="bad-boolean"),
    pytest.param("X 9,Part,1.00,TV55,,,", "part_no: Use 1-64 letters, digits or '_./-'.", id="bad-part-no"),
]


@pytest.mark.parametrize(("row", "reason"), REJECTED)
def test_bad_row_is_rejected_with_its_line_and_the_good_rows_kept(make_product, imported, row, reason):
    make_product("TV55")
    result = imported("parts", "X2,Part two,2.00,TV55,,,", row, "X3,Part three,3.00,TV55,,,")
    assert sentences(result) == counts(inserted=2, rejected=[{"line": 3, "error": reason}])
    assert stored("X9") is None
    assert (stored("X2")["models"], stored("X3")["price_cents"]) == (["TV55"], 300)


def test_a_changed_model_list_replaces_the_old_one(make_product, imported):
    make_product("TV55")
    make_product("TV65")
    imported("parts", "X2,Part,1.00,TV55,,,")
    assert imported("parts", "X2,Part,1.00,TV65,,,") == counts(updated=1)
    assert stored("X2")["models"] == ["TV65"]


def test_a_price_written_differently_is_unchanged(imported):
    imported("parts", "X2,Part,12.50,,,,")
    assert imported("parts", "X2,Part,12.5,,,,") == counts(unchanged=1)
