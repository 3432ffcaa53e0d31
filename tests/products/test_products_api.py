"""Admin API of product models, and the serial format a model's units must match."""

import pytest

from server.extensions import db
from server.products.models import Product
from server.products.services import products
from tests.helpers import assert_error


def stored(model):
    db.session.expire_all()
    product = products.find(model)
    return product and {"category": product.category, "name": product.name, "serial_pattern": product.serial_pattern}


def product(**fields):
    return {"model": "TV65", "category": "tv", "name": "65 inch TV", "serial_pattern": "65[0-9]{4}", **fields}


def test_admin_creates_a_product(client, admin):
    response = client.post("/api/admin/products", json=product(), headers=admin)
    assert response.status_code == 201
    assert {k: response.json[k] for k in product()} == product()
    assert stored("TV65") == {"category": "tv", "name": "65 inch TV", "serial_pattern": "65[0-9]{4}"}


def test_creating_an_existing_model_is_a_conflict(client, admin, make_product):
    make_product("TV65", name="Original")
    response = client.post("/api/admin/products", json=product(), headers=admin)
    error = assert_error(response, 409, "already_exists")
    assert error["message"] == "A product with model TV65 already exists."
    assert stored("TV65")["name"] == "Original"


@pytest.mark.parametrize("pattern", ["([0-9]", "*65", "65{2,1}"])
def test_a_serial_pattern_that_is_no_regex_is_refused(client, admin, pattern):
    response = client.post("/api/admin/products", json=product(serial_pattern=pattern), headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"serial_pattern"})
    assert error["details"]["fields"]["serial_pattern"][0].startswith("Not a valid regular expression: ")
    assert stored("TV65") is None


@pytest.mark.parametrize(
    ("serial", "matches"),
    [("651234", True), ("6512345", False), ("X651234", False), ("65123", False), ("651234\n", False)],
)
def test_the_whole_serial_must_match_the_pattern(serial, matches):
    assert Product(serial_pattern="65[0-9]{4}").serial_matches(serial) is matches


def test_an_empty_pattern_accepts_any_serial():
    assert Product(serial_pattern="").serial_matches("anything at all") is True


def test_list_filters_by_category(client, admin, make_product):
    make_product("TV55", category="tv")
    make_product("WM8", category="washing_machine")
    make_product("TV65", category="tv")
    response = client.get("/api/admin/products?category=tv", headers=admin)
    assert response.status_code == 200
    assert [item["model"] for item in response.json["items"]] == ["TV55", "TV65"]


@pytest.mark.parametrize(
    ("change", "changed"),
    [
        ({"name": "New"}, {"name": "New"}),
        ({"category": "monitor"}, {"category": "monitor"}),
        ({"serial_pattern": "[A-Z]{2}"}, {"serial_pattern": "[A-Z]{2}"}),
    ],
    ids=["name", "category", "serial_pattern"],
)
def test_patch_changes_only_the_given_fields(client, admin, make_product, change, changed):
    make_product("TV65", serial_pattern="65[0-9]{4}")
    before = stored("TV65")
    response = client.patch("/api/admin/products/TV65", json=change, headers=admin)
    assert response.status_code == 200
    assert stored("TV65") == {**before, **changed}


def test_the_model_cannot_be_changed(client, admin, make_product):
    make_product("TV65")
    response = client.patch("/api/admin/products/TV65", json={"model": "TV66"}, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"model"})
    assert error["details"]["fields"]["model"] == ["Unknown field."]
    assert stored("TV66") is None


def test_reading_an_unknown_model_is_not_found(client, admin):
    error = assert_error(client.get("/api/admin/products/NOPE", headers=admin), 404, "not_found")
    assert error["message"] == "There is no product NOPE."


def test_a_product_keeps_its_serial_check_digit_rule(client, admin):
    response = client.post(
        "/api/admin/products", json=product(serial_pattern=r"\d{11}", serial_check="luhn"), headers=admin
    )
    assert response.status_code == 201, response.json
    assert response.json["serial_check"] == "luhn"
    assert products.find("TV65").serial_check == "luhn"


def test_an_unknown_check_digit_rule_is_refused(client, admin):
    response = client.post("/api/admin/products", json=product(serial_check="crc32"), headers=admin)
    assert_error(response, 422, "validation_error", fields={"serial_check"})
    assert stored("TV65") is None


@pytest.mark.parametrize(
    ("serial", "matches"),
    [("79927398713", True), ("79927398710", False), ("7992739871", False)],
    ids=["valid", "bad check digit", "wrong length"],
)
def test_the_check_digit_is_part_of_the_serial_format(serial, matches):
    assert Product(serial_pattern=r"\d{11}", serial_check="luhn").serial_matches(serial) is matches


def test_a_check_digit_rule_alone_is_a_serial_format():
    assert Product(serial_pattern="", serial_check="gs1").serial_matches("4006381333931") is True
    assert Product(serial_pattern="", serial_check="gs1").serial_matches("4006381333932") is False
