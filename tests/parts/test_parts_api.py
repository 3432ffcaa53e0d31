"""Admin API of the parts catalogue: exact prices, the models a part fits, partial edits."""

import pytest

from server.extensions import db
from server.parts.services import parts
from tests.helpers import assert_error


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


def part(**fields):
    return {"part_no": "X2", "name": "面板", "price": "12.50", "models": ["TV55"], **fields}


def test_admin_creates_a_part(client, admin, make_product):
    make_product("TV55")
    response = client.post("/api/admin/parts", json=part(main_part=True), headers=admin)
    assert response.status_code == 201
    assert response.json["price"] == "12.50"
    assert stored("X2") == {
        "name": "面板",
        "price_cents": 1250,
        "models": ["TV55"],
        "claimable": True,
        "key_part": False,
        "main_part": True,
    }


@pytest.mark.parametrize(
    ("given", "cents", "shown"), [("12.50", 1250, "12.50"), ("0.05", 5, "0.05"), (99, 9900, "99.00")]
)
def test_price_is_exact_cents_shown_as_a_string(client, admin, make_product, given, cents, shown):
    make_product("TV55")
    response = client.post("/api/admin/parts", json=part(price=given), headers=admin)
    assert response.status_code == 201
    assert response.json["price"] == shown
    assert stored("X2")["price_cents"] == cents


def test_unknown_models_are_refused(client, admin, make_product):
    make_product("TV55")
    response = client.post("/api/admin/parts", json=part(models=["TV55", "NOPE"]), headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"models"})
    assert error["details"]["fields"]["models"] == ["unknown model(s): NOPE"]
    assert stored("X2") is None


def test_creating_an_existing_part_no_is_a_conflict(client, admin, make_part):
    make_part("X2", name="Original")
    error = assert_error(client.post("/api/admin/parts", json=part(), headers=admin), 409, "already_exists")
    assert error["message"] == "A part with part_no X2 already exists."
    assert stored("X2")["name"] == "Original"


def test_list_filters_by_model(client, admin, make_part):
    make_part("X1", models=("TV55",))
    make_part("X2", models=("TV65",))
    make_part("X3", models=("TV55", "TV65"))
    response = client.get("/api/admin/parts?model=TV55", headers=admin)
    assert response.status_code == 200
    assert [(item["part_no"], item["models"]) for item in response.json["items"]] == [
        ("X1", ["TV55"]),
        ("X3", ["TV55", "TV65"]),
    ]


@pytest.mark.parametrize(
    ("change", "changed"),
    [
        ({"price": "3.00"}, {"price_cents": 300}),
        ({"name": "Panel"}, {"name": "Panel"}),
        ({"models": ["TV65"]}, {"models": ["TV65"]}),
        ({"key_part": True}, {"key_part": True}),
        ({"claimable": False}, {"claimable": False}),
    ],
    ids=["price", "name", "models", "key_part", "claimable"],
)
def test_patch_changes_only_the_given_fields(client, admin, make_part, make_product, change, changed):
    make_product("TV65")
    make_part("X2", models=("TV55",), main_part=True)
    before = stored("X2")
    response = client.patch("/api/admin/parts/X2", json=change, headers=admin)
    assert response.status_code == 200
    assert stored("X2") == {**before, **changed}


def test_the_part_no_cannot_be_changed(client, admin, make_part):
    make_part("X2")
    response = client.patch("/api/admin/parts/X2", json={"part_no": "X3"}, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"part_no"})
    assert error["details"]["fields"]["part_no"] == ["Unknown field."]
    assert stored("X3") is None


def test_patch_refuses_a_bad_price_and_changes_nothing(client, admin, make_part):
    make_part("X2")
    before = stored("X2")
    response = client.patch("/api/admin/parts/X2", json={"name": "n", "price": "1.234"}, headers=admin)
    assert_error(response, 422, "validation_error", fields={"price"})
    assert stored("X2") == before
