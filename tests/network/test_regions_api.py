"""Admin API of regions: create, list, read and edit the province → city → county tree."""

import pytest

from server.extensions import db
from server.network.services import regions
from tests.helpers import assert_error

PAGE_KEYS = {"items", "page", "per_page", "total", "pages"}


def stored(code):
    db.session.expire_all()
    region = regions.find(code)
    return region and {
        "name": region.name,
        "level": region.level,
        "area_class": region.area_class,
        "parent_code": region.parent_code,
    }


def region(code="440000", name="广东省", level="province", parent_code=None, area_class="city"):
    return {"code": code, "name": name, "level": level, "parent_code": parent_code, "area_class": area_class}


# ---------------------------------------------------------------- create


@pytest.mark.parametrize(
    "body",
    [
        region(),
        region("370101", "Lixia", "county", "370100", "county"),
        region("370200", "Qingdao", "city", "370000", "remote"),
    ],
    ids=["province", "county", "city"],
)
def test_admin_creates_a_region(client, admin, make_geography, body):
    make_geography()
    response = client.post("/api/admin/regions", json=body, headers=admin)
    assert response.status_code == 201
    assert {k: response.json[k] for k in body} == body
    assert stored(body["code"]) == {k: body[k] for k in ("name", "level", "area_class", "parent_code")}


def test_creating_an_existing_code_is_a_conflict(client, admin, make_geography):
    make_geography()
    before = stored("370000")
    response = client.post("/api/admin/regions", json=region("370000", "Other"), headers=admin)
    error = assert_error(response, 409, "already_exists")
    assert error["message"] == "A region with code 370000 already exists."
    assert stored("370000") == before


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            region("370199", "X", "county", "370000", "county"),
            "parent_code",
            "the parent of a county must be a city, and 370000 is a province",
        ),
        (region("450000", "X", "province", "370000"), "parent_code", "a province has no parent region"),
        (region("450100", "X", "city", None), "parent_code", "a city needs its province as parent"),
        (region("450100", "X", "city", "999999"), "parent_code", "unknown region code 999999"),
    ],
    ids=["county-under-province", "province-with-parent", "city-without-parent", "unknown-parent"],
)
def test_create_refuses_a_broken_tree(client, admin, make_geography, body, field, message):
    make_geography()
    response = client.post("/api/admin/regions", json=body, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={field})
    assert error["details"]["fields"][field] == [message]
    assert stored(body["code"]) is None


# ---------------------------------------------------------------- read


def test_list_is_a_page_in_code_order(client, admin, make_geography):
    make_geography()
    make_geography("440000", "440100", "440106")
    response = client.get("/api/admin/regions?per_page=4&page=2", headers=admin)
    assert response.status_code == 200
    body = response.json
    assert set(body) == PAGE_KEYS
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 4, 6, 2)
    assert [item["code"] for item in body["items"]] == ["440100", "440106"]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("level=province", ["370000", "440000"]),
        ("level=county", ["370112", "440106"]),
        ("parent_code=370000", ["370100"]),
        ("parent_code=999999", []),
    ],
)
def test_list_filters(client, admin, make_geography, query, codes):
    make_geography()
    make_geography("440000", "440100", "440106")
    response = client.get(f"/api/admin/regions?{query}", headers=admin)
    assert response.status_code == 200
    assert [item["code"] for item in response.json["items"]] == codes


def test_read_one_region(client, admin, make_geography):
    make_geography()
    response = client.get("/api/admin/regions/370112", headers=admin)
    assert response.status_code == 200
    assert {k: response.json[k] for k in ("code", "level", "parent_code", "area_class")} == {
        "code": "370112",
        "level": "county",
        "parent_code": "370100",
        "area_class": "county",
    }


def test_reading_an_unknown_region_is_not_found(client, admin):
    error = assert_error(client.get("/api/admin/regions/999999", headers=admin), 404, "not_found")
    assert error["message"] == "There is no region 999999."


# ---------------------------------------------------------------- edit


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": "历城区"}, {"name": "历城区", "level": "county", "area_class": "county", "parent_code": "370100"}),
        (
            {"area_class": "remote"},
            {"name": "Region 370112", "level": "county", "area_class": "remote", "parent_code": "370100"},
        ),
        (
            {"parent_code": "370200"},
            {"name": "Region 370112", "level": "county", "area_class": "county", "parent_code": "370200"},
        ),
    ],
    ids=["name", "area_class", "parent"],
)
def test_patch_changes_only_the_given_fields(client, admin, make_geography, make_region, change, expected):
    make_geography()
    make_region("370200", level="city", parent_code="370000")
    response = client.patch("/api/admin/regions/370112", json=change, headers=admin)
    assert response.status_code == 200
    assert stored("370112") == expected


def test_level_of_a_region_with_children_cannot_change(client, admin, make_geography):
    make_geography()
    before = stored("370100")
    response = client.patch("/api/admin/regions/370100", json={"level": "county"}, headers=admin)
    error = assert_error(response, 409, "region_has_children")
    assert error["message"] == "Region 370100 has sub-regions; its level cannot change."
    assert stored("370100") == before


def test_level_of_a_region_without_children_can_change(client, admin, make_geography):
    make_geography()
    response = client.patch("/api/admin/regions/370112", json={"level": "city", "parent_code": "370000"}, headers=admin)
    assert response.status_code == 200
    assert (stored("370112")["level"], stored("370112")["parent_code"]) == ("city", "370000")


def test_a_level_change_must_fit_the_parent(client, admin, make_geography):
    make_geography()
    response = client.patch("/api/admin/regions/370112", json={"level": "city"}, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"parent_code"})
    message = "the parent of a city must be a province, and 370100 is a city"
    assert error["details"]["fields"]["parent_code"] == [message]
    assert stored("370112")["level"] == "county"


def test_the_code_cannot_be_changed(client, admin, make_geography):
    make_geography()
    response = client.patch("/api/admin/regions/370112", json={"code": "370113"}, headers=admin)
    error = assert_error(response, 422, "validation_error", fields={"code"})
    assert error["details"]["fields"]["code"] == ["Unknown field."]
    assert stored("370112") is not None
    assert stored("370113") is None


def test_patching_an_unknown_region_is_not_found(client, admin):
    assert_error(client.patch("/api/admin/regions/999999", json={"name": "x"}, headers=admin), 404, "not_found")
