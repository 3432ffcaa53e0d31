"""The install base's optional coordinate columns (lat, lng, coord_system): stored when a file has them, each
row's checked with its line and code, and left as they are by a file without them."""

import io

import pytest
from sqlalchemy import select

from server.extensions import db
from server.installbase import services
from server.installbase.models import SaleRecord
from tests.helpers import counts
from tests.installbase.helpers import HEADER
from tests.installbase.helpers import csv_bytes
from tests.installbase.helpers import sales_csv

COORD_HEADER = HEADER + ",lat,lng,coord_system"
ROW = "SN0001,TV55,2024-01-15,370000,370100,Store A,13812345678"


def imported(content):
    result = services.import_sales(io.BytesIO(content), "sales.csv")
    db.session.flush()
    return result


def where(serial="SN0001"):
    db.session.expire_all()
    record = db.session.scalar(select(SaleRecord).where(SaleRecord.serial == serial))
    return record.lat, record.lng, record.coord_system


def test_coordinates_are_stored_in_their_datum(world):
    content = csv_bytes(
        COORD_HEADER,
        ROW + ",36.6683,117.0204,GCJ02",
        "SN0002,TV65,2024-03-01,440000,440100,Store B,139,23.1291,113.2644, bd09 ",
        "SN0003,WM8,2023-12-31,370000,,Store C,,,,",
    )
    assert imported(content) == counts(inserted=3)
    assert where("SN0001") == (36.6683, 117.0204, "gcj02")
    assert where("SN0002") == (23.1291, 113.2644, "bd09")
    assert where("SN0003") == (None, None, None)


def test_the_columns_may_stand_anywhere_in_the_header(world):
    content = csv_bytes("coord_system,lat,lng," + HEADER, "wgs84,36.1,117.1," + ROW)
    assert imported(content) == counts(inserted=1)
    assert where() == (36.1, 117.1, "wgs84")


@pytest.mark.parametrize(
    ("cells", "code"),
    [
        ("36.6,,gcj02", "incomplete_coordinates"),
        (",117.0,gcj02", "incomplete_coordinates"),
        ("36.6,117.0,", "incomplete_coordinates"),
        ("36.6,117.0,utm", "bad_coord_system"),
        ("91,117.0,wgs84", "bad_coordinates"),
        ("36.6,-180.5,wgs84", "bad_coordinates"),
        ("north,117.0,wgs84", "bad_coordinates"),
        ("nan,117.0,wgs84", "bad_coordinates"),
        ("36.6,inf,wgs84", "bad_coordinates"),
        ("1" * 40 + ",117.0,wgs84", "bad_coordinates"),
    ],
)
def test_a_bad_coordinate_rejects_its_line_with_its_code(world, cells, code):
    content = csv_bytes(
        COORD_HEADER, "SN0009,TV55,2024-01-15,370000,370100,Store A,138,36.6,117.0,wgs84", ROW + "," + cells
    )
    result = imported(content)
    assert (result["inserted"], [(r["line"], r["code"]) for r in result["rejected"]]) == (1, [(3, code)])
    assert db.session.scalar(select(SaleRecord.id).where(SaleRecord.serial == "SN0001")) is None


def test_the_other_checks_still_hold_in_a_file_with_coordinates(world):
    content = csv_bytes(
        COORD_HEADER,
        "SN0001,TV99,2024-01-15,370000,370100,Store A,138,36.6,117.0,wgs84",
        ROW + ",36.6,117.0,wgs84",
        ROW + ",36.6,117.0,wgs84",
    )
    result = imported(content)
    assert [(r["line"], r["code"]) for r in result["rejected"]] == [(2, "unknown_model"), (4, "repeated_serial")]
    assert result["inserted"] == 1


def test_a_header_with_only_some_of_the_columns_is_refused_whole(world):
    with pytest.raises(services.InvalidInput) as refused:
        imported(csv_bytes(HEADER + ",lat,lng", ROW + ",36.6,117.0"))
    assert refused.value.code == "missing_columns"
    assert refused.value.details["missing"] == ["coord_system"]


@pytest.mark.both_backends
@pytest.mark.commits
def test_reimports_compare_coordinates_and_a_file_without_them_keeps_them(world):
    assert imported(csv_bytes(COORD_HEADER, ROW + ",36.6683,117.0204,gcj02")) == counts(inserted=1)
    assert imported(csv_bytes(COORD_HEADER, ROW + ",36.6683,117.0204,gcj02")) == counts(unchanged=1)
    assert imported(csv_bytes(COORD_HEADER, ROW + ",36.7,117.0204,gcj02")) == counts(updated=1)
    assert where() == (36.7, 117.0204, "gcj02")
    # An export without the columns says nothing of where the unit is: what was known stays.
    assert imported(sales_csv(ROW)) == counts(unchanged=1)
    assert imported(sales_csv(ROW.replace("Store A", "Store Z"))) == counts(updated=1)
    assert where() == (36.7, 117.0204, "gcj02")
    db.session.commit()
