"""Importing regions: the province → city → county tree, in any order of rows."""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.network.models import Region
from tests.helpers import counts
from tests.helpers import sentences
from tests.imports.helpers import csv_bytes


def stored_regions():
    """``{code: (name, level, area_class, parent_code)}`` of every region."""
    db.session.expire_all()
    return {r.code: (r.name, r.level, r.area_class, r.parent_code) for r in db.session.scalars(select(Region))}


def test_rows_listed_child_before_parent_import(import_file):
    content = csv_bytes(
        "regions",
        "440106,天河区,440100,county,county",
        "440100,广州市,440000,city,city",
        "440000,广东省,,province,remote",
    )
    assert import_file("regions", content) == counts(inserted=3)
    assert stored_regions() == {
        "440000": ("广东省", "province", "remote", None),
        "440100": ("广州市", "city", "city", "440000"),
        "440106": ("天河区", "county", "county", "440100"),
    }


# A bad row between two good ones: (row, reason).
REJECTED = [
    pytest.param("450100,Nanning,999999,city,city", "parent_code: unknown region code 999999", id="unknown-parent"),
    pytest.param(
        "440199,Somewhere,440000,county,county",
        "parent_code: the parent of a county must be a city, and 440000 is a province",
        id="county-under-province",
    ),
    pytest.param(
        "440199,Somewhere,440106,county,county",
        "parent_code: the parent of a county must be a city, and 440106 is a county",
        id="county-under-county",
    ),
    pytest.param(
        "450000,Guangxi,440000,province,city", "parent_code: a province has no parent region", id="province-with-parent"
    ),
    pytest.param(
        "450100,Nanning,,city,city", "parent_code: a city needs its province as parent", id="city-without-parent"
    ),
    pytest.param("450000,Guangxi,,state,city", "level: Must be one of: province, city, county.", id="bad-level"),
    pytest.param("450000,Guangxi,,Province,city", "level: Must be one of: province, city, county.", id="level-case"),
    pytest.param(
        "450000,Guangxi,,province,sea", "area_class: Must be one of: city, county, remote.", id="bad-area-class"
    ),
    pytest.param("450000,,,province,city", "name: Missing data for required field.", id="no-name"),
    pytest.param("45 00,Guangxi,,province,city", "code: Use 1-32 letters, digits, '-', '_' or '.'.", id="bad-code"),
]


@pytest.mark.parametrize(("row", "reason"), REJECTED)
def test_bad_row_is_rejected_with_its_line_and_the_good_rows_kept(make_geography, imported, row, reason):
    make_geography("440000", "440100", "440106")
    before = stored_regions()
    result = imported("regions", "460000,Hainan,,province,city", row, "460100,Haikou,460000,city,city")
    assert sentences(result) == counts(inserted=2, rejected=[{"line": 3, "error": reason}])
    assert stored_regions() == {
        **before,
        "460000": ("Hainan", "province", "city", None),
        "460100": ("Haikou", "city", "city", "460000"),
    }


def test_a_row_whose_parent_is_rejected_is_rejected_too(imported):
    result = imported("regions", "450000,Guangxi,,planet,city", "450100,Nanning,450000,city,city")
    assert sentences(result) == counts(
        rejected=[
            {"line": 2, "error": "level: Must be one of: province, city, county."},
            {"line": 3, "error": "parent_code: unknown region code 450000"},
        ]
    )
    assert stored_regions() == {}


def test_level_of_a_region_with_children_does_not_change_on_import(make_geography, imported):
    make_geography()
    before = stored_regions()
    result = imported("regions", "370100,Jinan,370000,county,county")
    assert sentences(result) == counts(
        rejected=[{"line": 2, "error": "Region 370100 has sub-regions; its level cannot change."}]
    )
    assert stored_regions() == before


def test_import_moves_a_city_to_another_province(make_geography, imported):
    make_geography()
    make_geography("440000", "440100", "440106")
    assert imported("regions", "370100,Jinan,440000,city,city") == counts(updated=1)
    assert stored_regions()["370100"] == ("Jinan", "city", "city", "440000")
    assert stored_regions()["370112"][3] == "370100"


def test_empty_parent_cell_of_a_province_is_no_parent(imported):
    assert imported("regions", "440000,Guangdong, ,province,city") == counts(inserted=1)
    assert stored_regions() == {"440000": ("Guangdong", "province", "city", None)}
