"""Importing product models and the warranty policies of their categories."""

import pytest

from server.extensions import db
from server.products.services import policies
from server.products.services import products
from tests.helpers import counts
from tests.helpers import sentences
from tests.imports.helpers import csv_bytes


def stored_product(model):
    db.session.expire_all()
    product = products.find(model)
    return product and (product.category, product.name, product.serial_pattern)


def stored_policy(category):
    db.session.expire_all()
    policy = policies.find(category)
    return policy and (policy.whole_unit_months, policy.main_part_months)


def test_products_are_stored(import_file):
    content = csv_bytes("products", "TV65,tv,65 inch TV,^65[0-9]{8}$", "WM8,washing_machine,洗衣机,")
    assert import_file("products", content) == counts(inserted=2)
    assert stored_product("TV65") == ("tv", "65 inch TV", "^65[0-9]{8}$")
    assert stored_product("WM8") == ("washing_machine", "洗衣机", "")


def test_a_serial_pattern_holding_commas_and_semicolons_arrives_whole(imported):
    assert imported("products", 'TV65,tv,TV,"^(65|75)[0-9]{2,8};?$"') == counts(inserted=1)
    assert stored_product("TV65")[2] == "^(65|75)[0-9]{2,8};?$"


PRODUCT_REJECTED = [
    pytest.param("TV75,tv,TV,([0-9]", "serial_pattern: Not a valid regular expression: ", id="bad-regex"),
    pytest.param("TV75,tv,TV,*65", "serial_pattern: Not a valid regular expression: ", id="nothing-to-repeat"),
    pytest.param("TV75,TV,TV,", "category: Use a lower-case name such as tv or washing_machine.", id="bad-category"),
    pytest.param("TV 75,tv,TV,", "model: Use 1-64 letters, digits or '_./+-'.", id="bad-model"),
    pytest.param("TV75,tv,,", "name: Missing data for required field.", id="no-name"),
]


@pytest.mark.parametrize(("row", "reason"), PRODUCT_REJECTED)
def test_bad_product_row_is_rejected_with_its_line_and_the_good_rows_kept(imported, row, reason):
    result = imported("products", "TV55,tv,TV,", row, "WM8,washing_machine,Washer,")
    assert result["inserted"] == 2
    assert len(result["rejected"]) == 1
    assert result["rejected"][0]["line"] == 3
    assert result["rejected"][0]["error"].startswith(reason)
    assert stored_product("TV75") is None
    assert stored_product("TV55") is not None
    assert stored_product("WM8") is not None


def test_policies_are_stored(import_file):
    content = csv_bytes("policies", "tv,12,36", "washing_machine,12,12")
    assert import_file("policies", content) == counts(inserted=2)
    assert stored_policy("tv") == (12, 36)
    assert stored_policy("washing_machine") == (12, 12)


RANGE = "Must be greater than or equal to 1 and less than or equal to 240."
POLICY_REJECTED = [
    pytest.param(
        "fridge,24,12", "main_part_months: main parts are covered at least as long as the whole unit", id="main-shorter"
    ),
    pytest.param("fridge,x,12", "whole_unit_months: Not a valid integer.", id="not-a-number"),
    pytest.param("fridge,12,36.5", "main_part_months: Not a valid integer.", id="fraction"),
    pytest.param("fridge,0,12", f"whole_unit_months: {RANGE}", id="zero"),
    pytest.param("fridge,12,241", f"main_part_months: {RANGE}", id="too-long"),
    pytest.param("fridge,12,", "main_part_months: Missing data for required field.", id="missing"),
    pytest.param("Fridge,12,24", "category: Use a lower-case name such as tv or washing_machine.", id="bad-category"),
]


@pytest.mark.parametrize(("row", "reason"), POLICY_REJECTED)
def test_bad_policy_row_is_rejected_with_its_line_and_the_good_rows_kept(imported, row, reason):
    result = imported("policies", "tv,12,36", row, "washing_machine,12,24")
    assert sentences(result) == counts(inserted=2, rejected=[{"line": 3, "error": reason}])
    assert stored_policy("fridge") is None
    assert stored_policy("Fridge") is None
    assert (stored_policy("tv"), stored_policy("washing_machine")) == ((12, 36), (12, 24))


def test_a_policy_change_that_would_shorten_main_parts_below_the_unit_is_rejected(imported):
    imported("policies", "tv,12,36")
    result = imported("policies", "tv,48,36")
    assert sentences(result) == counts(
        rejected=[{"line": 2, "error": "main_part_months: main parts are covered at least as long as the whole unit"}]
    )
    assert stored_policy("tv") == (12, 36)
