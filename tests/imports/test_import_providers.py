"""Importing providers: the regions they cover and their money, held as integer cents."""

import pytest

from server.network.services import providers
from tests.helpers import counts
from tests.helpers import sentences
from tests.imports.helpers import csv_bytes


def stored(code):
    provider = providers.find(code)
    return {
        "name": provider.name,
        "region_codes": provider.region_codes,
        "deposit_cents": provider.deposit_cents,
        "credit_limit_cents": provider.credit_limit_cents,
        "active": provider.active,
    }


def test_provider_is_stored_with_its_regions_and_money(make_geography, import_file):
    make_geography()
    result = import_file("providers", csv_bytes("providers", "P10,济南维修,370112;370100,12.50,1000"))
    assert result == counts(inserted=1)
    assert stored("P10") == {
        "name": "济南维修",
        "region_codes": ["370100", "370112"],
        "deposit_cents": 1250,
        "credit_limit_cents": 100000,
        "active": True,
    }


@pytest.mark.parametrize(
    ("cell", "cents"),
    [
        ("12.50", 1250),
        ("12.5", 1250),
        ("0.01", 1),
        ("0", 0),
        ("", 0),
        ("1000", 100000),
        (" 7.00 ", 700),
        ("9999999999.99", 999999999999),
    ],
)
def test_deposit_in_yuan_is_stored_as_exact_cents(imported, cell, cents):
    assert imported("providers", f"P10,Provider,,{cell},0") == counts(inserted=1)
    deposit = providers.find("P10").deposit_cents
    assert deposit == cents
    assert type(deposit) is int


def test_api_answers_the_imported_amounts_as_strings(imported, client, admin):
    imported("providers", "P10,Provider,,12.50,0.5")
    body = client.get("/api/admin/providers/P10", headers=admin).json
    assert (body["deposit"], body["credit_limit"]) == ("12.50", "0.50")


MONEY = "Not a valid amount: give yuan with at most two decimals, e.g. 12.50."
REJECTED = [
    pytest.param("P20,Bad,370100;999999,0,0", "region_codes: unknown region code(s): 999999", id="unknown-region"),
    pytest.param(
        "P20,Bad,888888;999999,0,0", "region_codes: unknown region code(s): 888888, 999999", id="unknown-regions"
    ),
    pytest.param("P20,Bad,,-1.00,0", "deposit: The amount may not be negative.", id="negative-deposit"),
    pytest.param("P20,Bad,,12.345,0", f"deposit: {MONEY}", id="three-decimals"),
    pytest.param("P20,Bad,,abc,0", f"deposit: {MONEY}", id="not-a-number"),
    pytest.param('P20,Bad,,"12,50",0', f"deposit: {MONEY}", id="decimal-comma"),
    pytest.param("P20,Bad,,NaN,0", f"deposit: {MONEY}", id="nan"),
    pytest.param("P20,Bad,,10000000000,0", "deposit: The amount is larger than 9999999999.99 yuan.", id="too-large"),
    pytest.param("P20,Bad,,0,-5", "credit_limit: The amount may not be negative.", id="negative-credit"),
    pytest.param("P20,,,0,0", "name: Missing data for required field.", id="no-name"),
]


@pytest.mark.parametrize(("row", "reason"), REJECTED)
def test_bad_row_is_rejected_with_its_line_and_the_good_rows_kept(make_geography, imported, row, reason):
    make_geography()
    result = imported("providers", "P10,Ten,370100,1,1", row, "P11,Eleven,370112,2,2")
    assert sentences(result) == counts(inserted=2, rejected=[{"line": 3, "error": reason}])
    assert providers.find("P20") is None
    assert [providers.find("P10").region_codes, providers.find("P11").region_codes] == [["370100"], ["370112"]]


def test_a_region_listed_twice_is_covered_once(make_geography, imported):
    make_geography()
    assert imported("providers", "P10,Ten,370100; 370100 ;370112,0,0") == counts(inserted=1)
    assert providers.find("P10").region_codes == ["370100", "370112"]


def test_regions_listed_in_another_order_are_unchanged(make_geography, imported):
    make_geography()
    imported("providers", "P10,Ten,370100;370112,0,0")
    assert imported("providers", "P10,Ten,370112;370100,0,0") == counts(unchanged=1)


def test_a_changed_region_list_replaces_the_old_one(make_geography, imported):
    make_geography()
    imported("providers", "P10,Ten,370100;370112,0,0")
    assert imported("providers", "P10,Ten,370000,0,0") == counts(updated=1)
    assert providers.find("P10").region_codes == ["370000"]


def test_a_provider_disabled_by_an_admin_stays_disabled_on_reimport(imported, client, admin):
    imported("providers", "P10,Ten,,1,1")
    assert client.patch("/api/admin/providers/P10", json={"active": False}, headers=admin).status_code == 200
    assert imported("providers", "P10,Ten,,1,1") == counts(unchanged=1)
    assert providers.find("P10").active is False
