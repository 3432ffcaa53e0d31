"""Admin API of warranty policies: main parts are covered at least as long as the whole unit."""

import pytest

from server.extensions import db
from server.products.services import policies
from tests.helpers import assert_error

MAIN_SHORTER = "main parts are covered at least as long as the whole unit"


def stored(category):
    db.session.expire_all()
    policy = policies.find(category)
    return policy and (policy.whole_unit_months, policy.main_part_months)


@pytest.mark.parametrize(("whole", "main"), [(12, 36), (12, 12), (1, 240)])
def test_admin_creates_a_policy(client, admin, whole, main):
    body = {"category": "tv", "whole_unit_months": whole, "main_part_months": main}
    response = client.post("/api/admin/policies", json=body, headers=admin)
    assert response.status_code == 201
    assert {k: response.json[k] for k in body} == body
    assert stored("tv") == (whole, main)


def test_main_parts_shorter_than_the_unit_are_refused(client, admin):
    body = {"category": "tv", "whole_unit_months": 24, "main_part_months": 12}
    response = client.post("/api/admin/policies", json=body, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"main_part_months"})
    assert error["details"]["fields"]["main_part_months"] == [MAIN_SHORTER]
    assert stored("tv") is None


def test_creating_an_existing_category_is_a_conflict(client, admin, make_policy):
    make_policy("tv", 12, 36)
    body = {"category": "tv", "whole_unit_months": 6, "main_part_months": 6}
    error = assert_error(client.post("/api/admin/policies", json=body, headers=admin), 409, "already_exists")
    assert error["message"] == "A warranty policy with category tv already exists."
    assert stored("tv") == (12, 36)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"whole_unit_months": 24}, (24, 36)),
        ({"main_part_months": 48}, (12, 48)),
        ({"whole_unit_months": 36}, (36, 36)),
    ],
)
def test_patch_changes_only_the_given_field(client, admin, make_policy, change, expected):
    make_policy("tv", 12, 36)
    response = client.patch("/api/admin/policies/tv", json=change, headers=admin)
    assert response.status_code == 200
    assert stored("tv") == expected


@pytest.mark.parametrize(
    ("change", "field"),
    [({"whole_unit_months": 48}, "main_part_months"), ({"main_part_months": 6}, "main_part_months")],
)
def test_patch_is_checked_against_the_stored_other_period(client, admin, make_policy, change, field):
    make_policy("tv", 12, 36)
    response = client.patch("/api/admin/policies/tv", json=change, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={field})
    assert error["details"]["fields"][field] == [MAIN_SHORTER]
    assert stored("tv") == (12, 36)


def test_the_category_cannot_be_changed(client, admin, make_policy):
    make_policy("tv")
    response = client.patch("/api/admin/policies/tv", json={"category": "television"}, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"category"})
    assert error["details"]["fields"]["category"] == ["Unknown field."]
    assert stored("television") is None


def test_list_is_a_page(client, admin, make_policy):
    make_policy("tv")
    make_policy("fridge", 12, 24)
    response = client.get("/api/admin/policies", headers=admin)
    assert response.status_code == 200
    assert set(response.json) == {"items", "page", "per_page", "total", "pages"}
    assert [item["category"] for item in response.json["items"]] == ["fridge", "tv"]


@pytest.mark.parametrize(
    "body",
    [
        {"category": "tv", "whole_unit_months": 12.5, "main_part_months": 36},
        {"category": "tv", "whole_unit_months": 12, "main_part_months": 35.9},
    ],
    ids=["whole", "main"],
)
def test_fractional_months_are_refused_not_truncated(client, admin, body):
    field = next(name for name, value in body.items() if isinstance(value, float))
    response = client.post("/api/admin/policies", json=body, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={field})
    assert error["details"]["fields"][field] == ["Not a valid integer."]
    assert stored("tv") is None


def test_a_whole_number_written_as_a_float_is_accepted(client, admin):
    body = {"category": "tv", "whole_unit_months": 12.0, "main_part_months": 36}
    assert client.post("/api/admin/policies", json=body, headers=admin).status_code == 201
    assert stored("tv") == (12, 36)
