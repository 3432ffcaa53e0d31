"""Importing opening stock: warehouses made on first use, quantities set through the ledger."""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.parts.models import Warehouse
from tests.helpers import counts
from tests.helpers import sentences
from tests.imports.helpers import csv_bytes


def warehouses():
    """``{code: (kind, region code, provider code)}`` of every warehouse."""
    db.session.expire_all()
    return {
        w.code: (w.kind, w.region.code if w.region else None, w.provider.code if w.provider else None)
        for w in db.session.scalars(select(Warehouse))
    }


def test_warehouses_are_created_on_first_use(world, import_file):
    content = csv_bytes("stock", "HQ,X1,5", "RDC-370000,X1,3", "PROV-P01,X1,2")
    assert import_file("stock", content) == counts(inserted=3)
    assert warehouses() == {
        "HQ": ("hq", None, None),
        "RDC-370000": ("rdc", "370000", None),
        "PROV-P01": ("provider", None, "P01"),
    }


def test_a_warehouse_used_again_is_not_created_twice(world, make_part, imported):
    make_part("X2")
    assert imported("stock", "RDC-370000,X1,3", "RDC-370000,X2,4") == counts(inserted=2)
    assert list(warehouses()) == ["RDC-370000"]


def test_imported_quantity_is_the_stock_and_the_ledger_sum(world, imported, stock_books):
    imported("stock", "HQ,X1,5", "RDC-370000,X1,3")
    assert stock_books("HQ", "X1") == (5, 5)
    assert stock_books("RDC-370000", "X1") == (3, 3)


def test_a_changed_quantity_is_an_adjustment_that_keeps_the_books_equal(world, imported, stock_books):
    imported("stock", "HQ,X1,5")
    assert imported("stock", "HQ,X1,2") == counts(updated=1)
    assert stock_books("HQ", "X1") == (2, 2)


def test_reimport_writes_no_ledger_entry(world, imported, stock_books, snapshot):
    imported("stock", "HQ,X1,5")
    before = snapshot()
    assert imported("stock", "HQ,X1,5") == counts(unchanged=1)
    assert snapshot()["stock_movements"] == before["stock_movements"]
    assert stock_books("HQ", "X1") == (5, 5)


def test_a_zero_opening_quantity_creates_the_stock_line(world, imported, stock_books):
    assert imported("stock", "HQ,X1,0") == counts(inserted=1)
    assert stock_books("HQ", "X1") == (0, 0)
    assert imported("stock", "HQ,X1,0") == counts(unchanged=1)


def test_import_after_a_count_adjustment_restores_the_file_quantity(world, imported, client, admin, stock_books):
    imported("stock", "HQ,X1,5")
    response = client.patch("/api/admin/stock/HQ/X1", json={"qty": 9, "reason": "found a box"}, headers=admin)
    assert response.status_code == 200
    assert stock_books("HQ", "X1") == (9, 9)
    assert imported("stock", "HQ,X1,5") == counts(updated=1)
    assert stock_books("HQ", "X1") == (5, 5)


REJECTED = [
    pytest.param(
        "RDC-370100,X1,1", "warehouse: RDC-370100 names no province (RDC-<province code>)", id="rdc-of-a-city"
    ),
    pytest.param(
        "RDC-999999,X1,1", "warehouse: RDC-999999 names no province (RDC-<province code>)", id="rdc-of-nothing"
    ),
    pytest.param(
        "PROV-P99,X1,1", "warehouse: PROV-P99 names no provider (PROV-<provider code>)", id="unknown-provider"
    ),
    pytest.param(
        "WH9,X1,1", "warehouse: WH9 is not HQ, RDC-<province code> or PROV-<provider code>", id="unknown-warehouse"
    ),
    pytest.param("hq,X1,1", "warehouse: hq is not HQ, RDC-<province code> or PROV-<provider code>", id="lower-case-hq"),
    pytest.param("RDC-370000,X9,1", "part_no: unknown part X9", id="unknown-part"),
    pytest.param(
        "RDC-370000,X1,-1",
        "qty: Must be greater than or equal to 0 and less than or equal to 10000000.",
        id="negative-qty",
    ),
    pytest.param("RDC-370000,X1,1.5", "qty: Not a valid integer.", id="fraction"),
    pytest.param("RDC-370000,X1,", "qty: Missing data for required field.", id="no-qty"),
]


@pytest.mark.parametrize(("row", "reason"), REJECTED)
def test_bad_row_is_rejected_with_its_line_and_the_good_rows_kept(world, imported, stock_books, row, reason):
    result = imported("stock", "HQ,X1,5", row, "PROV-P01,X1,2")
    assert sentences(result) == counts(inserted=2, rejected=[{"line": 3, "error": reason}])
    assert set(warehouses()) == {"HQ", "PROV-P01"}
    assert (stock_books("HQ", "X1"), stock_books("PROV-P01", "X1")) == ((5, 5), (2, 2))


def test_a_row_rejected_for_its_part_creates_no_warehouse(world, imported):
    result = imported("stock", "RDC-370000,X9,1")
    assert sentences(result) == counts(rejected=[{"line": 2, "error": "part_no: unknown part X9"}])
    assert warehouses() == {}


def test_the_same_part_in_two_warehouses_is_no_repeat(world, imported):
    assert imported("stock", "HQ,X1,5", "RDC-370000,X1,5") == counts(inserted=2)
