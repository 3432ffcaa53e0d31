"""Warehouses and stock: reading levels, and count corrections written through the ledger."""

import pytest

from server.users.services import users
from tests.helpers import assert_error


@pytest.fixture
def stocked(make_stock, make_part):
    """X1 at HQ (5), RDC-370000 (3) and PROV-P01 (2); X2 at HQ (7)."""
    make_stock("HQ", "X1", 5)
    make_stock("RDC-370000", "X1", 3)
    make_stock("PROV-P01", "X1", 2)
    make_part("X2")
    make_stock("HQ", "X2", 7)


def test_warehouses_are_listed_with_their_province_or_provider(client, admin, stocked):
    response = client.get("/api/admin/warehouses", headers=admin)
    assert response.status_code == 200
    assert response.json["total"] == 3
    assert [(w["code"], w["kind"], w["region_code"], w["provider_code"]) for w in response.json["items"]] == [
        ("HQ", "hq", None, None),
        ("PROV-P01", "provider", None, "P01"),
        ("RDC-370000", "rdc", "370000", None),
    ]


@pytest.mark.parametrize(
    ("query", "lines"),
    [
        ("", [("HQ", "X1", 5), ("HQ", "X2", 7), ("PROV-P01", "X1", 2), ("RDC-370000", "X1", 3)]),
        ("?warehouse=HQ", [("HQ", "X1", 5), ("HQ", "X2", 7)]),
        ("?part_no=X1", [("HQ", "X1", 5), ("PROV-P01", "X1", 2), ("RDC-370000", "X1", 3)]),
        ("?warehouse=HQ&part_no=X2", [("HQ", "X2", 7)]),
        ("?warehouse=RDC-440000", []),
    ],
    ids=["all", "warehouse", "part", "both", "none"],
)
def test_stock_list_filters(client, admin, stocked, query, lines):
    response = client.get(f"/api/admin/stock{query}", headers=admin)
    assert response.status_code == 200
    assert [(s["warehouse"], s["part_no"], s["on_hand"]) for s in response.json["items"]] == lines
    assert response.json["total"] == len(lines)


def test_one_stock_line(client, admin, stocked):
    response = client.get("/api/admin/stock/RDC-370000/X1", headers=admin)
    assert response.status_code == 200
    assert response.json == {"warehouse": "RDC-370000", "part_no": "X1", "on_hand": 3, "reserved": 0, "available": 3}


@pytest.mark.parametrize(("warehouse", "part_no"), [("HQ", "X9"), ("RDC-440000", "X1"), ("PROV-P01", "X2")])
def test_an_absent_stock_line_is_not_found(client, admin, stocked, warehouse, part_no):
    error = assert_error(client.get(f"/api/admin/stock/{warehouse}/{part_no}", headers=admin), 404, "not_found")
    assert error["message"] == f"{warehouse} holds no stock of {part_no}."


def test_a_count_correction_is_an_adjustment_in_the_ledger(client, admin, stocked, movements):
    response = client.patch("/api/admin/stock/HQ/X1", json={"qty": 8, "reason": "found a box"}, headers=admin)
    assert response.status_code == 200
    assert response.json == {"warehouse": "HQ", "part_no": "X1", "on_hand": 8, "reserved": 0, "available": 8}
    root = users.find("root")
    assert movements("HQ", "X1") == [("opening", 5, "import", None), ("adjustment", 3, "count: found a box", root.id)]


@pytest.mark.parametrize("qty", [0, 4, 5, 6, 10_000_000])
def test_on_hand_stays_the_ledger_sum_after_a_correction(client, admin, stocked, stock_books, qty):
    response = client.patch("/api/admin/stock/HQ/X1", json={"qty": qty, "reason": "count"}, headers=admin)
    assert response.status_code == 200
    assert stock_books("HQ", "X1") == (qty, qty)


def test_a_correction_to_the_same_quantity_writes_no_entry(client, admin, stocked, movements):
    response = client.patch("/api/admin/stock/HQ/X1", json={"qty": 5, "reason": "count"}, headers=admin)
    assert response.status_code == 200
    assert movements("HQ", "X1") == [("opening", 5, "import", None)]


def test_a_correction_touches_only_its_own_stock_line(client, admin, stocked, stock_books):
    client.patch("/api/admin/stock/HQ/X1", json={"qty": 1, "reason": "count"}, headers=admin)
    assert [stock_books("HQ", "X2"), stock_books("RDC-370000", "X1")] == [(7, 7), (3, 3)]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"qty": -1, "reason": "count"}, {"qty"}),
        ({"qty": 10_000_001, "reason": "count"}, {"qty"}),
        ({"qty": 1.5, "reason": "count"}, {"qty"}),
        ({"qty": 3}, {"reason"}),
        ({"qty": 3, "reason": ""}, {"reason"}),
        ({"reason": "count"}, {"qty"}),
        ({"qty": 3, "reason": "count", "reserved": 0}, {"reserved"}),
    ],
    ids=["negative", "too-many", "fraction", "no-reason", "empty-reason", "no-qty", "unknown-field"],
)
def test_a_bad_correction_is_refused_and_writes_nothing(client, admin, stocked, movements, body, fields):
    response = client.patch("/api/admin/stock/HQ/X1", json=body, headers=admin)
    assert_error(response, 422, "validation_error", fields=fields)
    assert movements("HQ", "X1") == [("opening", 5, "import", None)]


def test_correcting_an_absent_stock_line_is_not_found(client, admin, stocked, movements):
    response = client.patch("/api/admin/stock/HQ/X9", json={"qty": 3, "reason": "count"}, headers=admin)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("role", ["parts_clerk", "hq_planner"])
def test_stock_readers_may_not_correct_stock(client, as_role, stocked, movements, role):
    headers = as_role(role)
    assert client.get("/api/admin/stock/HQ/X1", headers=headers).status_code == 200
    response = client.patch("/api/admin/stock/HQ/X1", json={"qty": 9, "reason": "count"}, headers=headers)
    error = assert_error(response, 403, "role_forbidden")
    assert error["details"] == {"allowed_roles": ["admin"]}
    assert movements("HQ", "X1") == [("opening", 5, "import", None)]
