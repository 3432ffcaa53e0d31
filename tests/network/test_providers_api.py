"""Admin API of providers: regions covered, and money in yuan held as integer cents."""

import pytest

from server.extensions import db
from server.network.services import providers
from tests.helpers import assert_error


def stored(code):
    db.session.expire_all()
    provider = providers.find(code)
    return provider and {
        "name": provider.name,
        "region_codes": provider.region_codes,
        "deposit_cents": provider.deposit_cents,
        "credit_limit_cents": provider.credit_limit_cents,
        "active": provider.active,
    }


def provider(**fields):
    return {
        "code": "P10",
        "name": "济南维修",
        "region_codes": ["370100"],
        "deposit": "12.50",
        "credit_limit": "0",
        **fields,
    }


def test_admin_creates_a_provider(client, admin, make_geography):
    make_geography()
    response = client.post("/api/admin/providers", json=provider(region_codes=["370112", "370100"]), headers=admin)
    assert response.status_code == 201
    body = response.json
    assert {k: body[k] for k in ("code", "name", "region_codes", "deposit", "credit_limit", "active")} == {
        "code": "P10",
        "name": "济南维修",
        "region_codes": ["370100", "370112"],
        "deposit": "12.50",
        "credit_limit": "0.00",
        "active": True,
    }
    assert stored("P10") == {
        "name": "济南维修",
        "region_codes": ["370100", "370112"],
        "deposit_cents": 1250,
        "credit_limit_cents": 0,
        "active": True,
    }


@pytest.mark.parametrize(
    ("given", "cents", "shown"),
    [
        ("12.50", 1250, "12.50"),
        ("12.5", 1250, "12.50"),
        (12.5, 1250, "12.50"),
        (12, 1200, "12.00"),
        ("0.01", 1, "0.01"),
        (0.1, 10, "0.10"),
        ("9999999999.99", 999999999999, "9999999999.99"),
    ],
)
def test_money_is_stored_as_exact_cents_and_shown_as_a_string(client, admin, make_geography, given, cents, shown):
    make_geography()
    response = client.post("/api/admin/providers", json=provider(deposit=given), headers=admin)
    assert response.status_code == 201
    assert response.json["deposit"] == shown
    assert stored("P10")["deposit_cents"] == cents


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("-1", "The amount may not be negative."),
        ("1.234", "Not a valid amount: give yuan with at most two decimals, e.g. 12.50."),
        (0.001, "Not a valid amount: give yuan with at most two decimals, e.g. 12.50."),
        ("abc", "Not a valid amount: give yuan with at most two decimals, e.g. 12.50."),
        ("Infinity", "Not a valid amount: give yuan with at most two decimals, e.g. 12.50."),
        (True, "Not a valid amount: give yuan with at most two decimals, e.g. 12.50."),
        ("10000000000.00", "The amount is larger than 9999999999.99 yuan."),
    ],
)
def test_bad_money_is_refused(client, admin, make_geography, given, message):
    make_geography()
    response = client.post("/api/admin/providers", json=provider(deposit=given), headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"deposit"})
    assert error["details"]["fields"]["deposit"] == [message]
    assert stored("P10") is None


def test_unknown_regions_are_refused(client, admin, make_geography):
    make_geography()
    response = client.post("/api/admin/providers", json=provider(region_codes=["370100", "999999"]), headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"region_codes"})
    assert error["details"]["fields"]["region_codes"] == ["unknown region code(s): 999999"]
    assert stored("P10") is None


def test_creating_an_existing_code_is_a_conflict(client, admin, make_provider):
    make_provider("P10")
    before = stored("P10")
    response = client.post("/api/admin/providers", json=provider(name="Other"), headers=admin)
    error = assert_error(response, 409, "already_exists")
    assert error["message"] == "A provider with code P10 already exists."
    assert stored("P10") == before


def test_list_filters_by_covered_region(client, admin, make_provider, make_geography):
    make_provider("P01")
    make_geography("440000", "440100", "440106")
    make_provider("P02", region_codes=["440100"])
    make_provider("P03", region_codes=["370100", "440100"])
    response = client.get("/api/admin/providers?region_code=440100", headers=admin)
    assert response.status_code == 200
    assert [item["code"] for item in response.json["items"]] == ["P02", "P03"]
    assert response.json["total"] == 2


@pytest.mark.parametrize(
    ("change", "changed"),
    [
        ({"name": "New name"}, {"name": "New name"}),
        ({"deposit": "3.50"}, {"deposit_cents": 350}),
        ({"credit_limit": "7"}, {"credit_limit_cents": 700}),
        ({"region_codes": ["370112"]}, {"region_codes": ["370112"]}),
        ({"region_codes": []}, {"region_codes": []}),
        ({"active": False}, {"active": False}),
    ],
    ids=["name", "deposit", "credit_limit", "regions", "no-regions", "active"],
)
def test_patch_changes_only_the_given_fields(client, admin, make_provider, change, changed):
    make_provider("P10", deposit=1000, credit_limit=2000)
    before = stored("P10")
    response = client.patch("/api/admin/providers/P10", json=change, headers=admin)
    assert response.status_code == 200
    assert stored("P10") == {**before, **changed}


def test_patch_refuses_unknown_regions_and_changes_nothing(client, admin, make_provider):
    make_provider("P10")
    before = stored("P10")
    response = client.patch("/api/admin/providers/P10", json={"name": "x", "region_codes": ["999999"]}, headers=admin)
    assert_error(response, 422, "validation_error", fields={"region_codes"})
    assert stored("P10") == before


def test_the_code_cannot_be_changed(client, admin, make_provider):
    make_provider("P10")
    response = client.patch("/api/admin/providers/P10", json={"code": "P11"}, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"code"})
    assert error["details"]["fields"]["code"] == ["Unknown field."]
    assert stored("P11") is None


# ---------------------------------------------------------------- who reads a provider's money


@pytest.mark.parametrize(
    ("role", "fields"),
    [
        ("admin", {}),
        ("parts_clerk", {"region_code": "370000"}),
        ("hq_planner", {}),
        ("auditor", {}),
        ("agent", {}),
        ("dispatcher", {}),
    ],
)
def test_a_providers_money_is_read_only_by_those_who_read_its_account(
    client, admin, make_geography, as_role, role, fields
):
    """The call centre and dispatch read providers to route work; their deposit and credit limit are the parts
    account's, which those two roles may not open (403), so the list and the item show them as null."""
    make_geography()
    assert client.post("/api/admin/providers", json=provider(credit_limit="300"), headers=admin).status_code == 201
    headers = as_role(role, **fields)
    listed = client.get("/api/admin/providers", headers=headers).json["items"]
    item = client.get("/api/admin/providers/P10", headers=headers).json
    money = ("12.50", "300.00") if role not in ("agent", "dispatcher") else (None, None)
    assert [(p["code"], p["deposit"], p["credit_limit"]) for p in listed] == [("P10", *money)]
    assert (item["deposit"], item["credit_limit"]) == money
    assert (item["name"], item["region_codes"], item["active"]) == ("济南维修", ["370100"], True)
