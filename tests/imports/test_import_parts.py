"""Importing the parts catalogue: exact prices, the models each part fits, its flags."""

import pytest

from server.extensions import db
from server.parts.services import parts
from tests.helpers import counts
from tests.helpers import sentences
from tests.imports.helpers import HEADERS
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


def returnable(part_no):
    db.session.expire_all()
    return parts.find(part_no).return_required


def parts_file(*rows, header=HEADERS["parts"] + ",return_required"):
    return "\n".join([header, *rows]).encode()


def test_a_file_with_the_return_column_marks_which_old_parts_come_back(import_file):
    content = parts_file(
        "X2,Panel,899.00,,true,true,true,true", "X3,Remote,12.50,,true,false,false,false", "X4,Foot,1.00,,,,,"
    )
    assert import_file("parts", content) == counts(inserted=3)
    assert [returnable(part_no) for part_no in ("X2", "X3", "X4")] == [True, False, False]


def test_a_file_without_the_return_column_leaves_what_is_stored_and_new_parts_not_returnable(import_file):
    assert import_file("parts", parts_file("X2,Panel,899.00,,true,true,true,true")) == counts(inserted=1)
    older = "\n".join([HEADERS["parts"], "X2,Panel,999.00,,true,true,true", "X5,Knob,2.00,,,,"]).encode()
    assert import_file("parts", older) == counts(inserted=1, updated=1)
    assert (returnable("X2"), parts.find("X2").price_cents, returnable("X5")) == (True, 99900, False)


def test_a_return_cell_that_is_not_a_boolean_is_rejected_by_line_and_changes_nothing(import_file):
    assert import_file("parts", parts_file("X2,Panel,899.00,,true,true,true,true")) == counts(inserted=1)
    result = import_file("parts", parts_file("X2,Panel,899.00,,true,true,true,perhaps"))
    assert [(rejected["line"], sorted(rejected["details"]["fields"])) for rejected in result["rejected"]] == [
        (2, ["return_required"])
    ]
    assert (result["inserted"], result["updated"]) == (0, 0)
    assert returnable("X2") is True


def test_the_api_shows_and_takes_whether_a_part_comes_back(client, admin):
    body = {"part_no": "X9", "name": "Motor", "price": "120.00", "return_required": True}
    created = client.post("/api/admin/parts", json=body, headers=admin)
    assert created.status_code == 201, created.json
    assert client.get("/api/admin/parts/X9", headers=admin).json["return_required"] is True
    refused = client.post(
        "/api/admin/parts", json={**body, "part_no": "X8", "return_required": "sometimes"}, headers=admin
    )
    assert refused.status_code == 422
    assert "return_required" in str(refused.json)
    assert client.get("/api/admin/parts/X8", headers=admin).status_code == 404
