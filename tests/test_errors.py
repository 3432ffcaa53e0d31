"""Bad input anywhere gets the one error envelope with a 4xx, and changes nothing.

In TESTING an unexpected exception propagates out of the test client, so any
request below that would have answered 500 fails its test instead.
"""

from urllib.parse import quote

import pytest
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select

from server.extensions import db
from server.network.models import Provider
from server.network.models import Region
from server.users.models import User
from tests.helpers import assert_error

pytestmark = pytest.mark.both_backends

JSON = "application/json"


@pytest.fixture
def rows():
    """``rows()`` → the number of rows in each reference table, to compare before and after."""

    def count():
        db.session.expire_all()
        return {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Region, Provider)
        }

    return count


GOOD_REGION = {"code": "R1", "name": "Region one", "level": "province", "area_class": "city"}


# ---------------------------------------------------------------- routing


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/nothing-here"),
        ("POST", "/api/nothing-here"),
        ("GET", "/api/admin/nothing-here"),
        ("POST", "/api/admin/nothing-here"),
        ("PATCH", "/api/admin/regions/R1/deeper"),
        ("DELETE", "/api/admin/users/root/tokens"),
        ("GET", "/api/"),
        ("PUT", "/api/auth"),
    ],
)
def test_unknown_api_address_is_404(client, admin, method, path):
    response = client.open(path, method=method, json={}, headers=admin)
    assert_error(response, 404, "not_found")


def test_unknown_api_address_is_404_even_without_a_token(client):
    assert_error(client.post("/api/nothing-here", json={}), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/admin/regions", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("PUT", "/api/admin/regions/R1", {"GET", "HEAD", "OPTIONS", "PATCH"}),
        ("DELETE", "/api/admin/users/root", {"GET", "HEAD", "OPTIONS", "PATCH"}),
        ("GET", "/api/auth/token", {"OPTIONS", "POST"}),
        ("POST", "/api/auth/me", {"GET", "HEAD", "OPTIONS"}),
        ("POST", "/api/admin/warehouses", {"GET", "HEAD", "OPTIONS"}),
        ("GET", "/api/admin/import/regions", {"OPTIONS", "POST"}),
        ("POST", "/api/health", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_wrong_method_is_405_with_allow_header(client, admin, rows, method, path, allowed):
    before = rows()
    response = client.open(path, method=method, json=GOOD_REGION, headers=admin)
    assert_error(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed
    assert rows() == before


# ---------------------------------------------------------------- bodies


MALFORMED = ["{", '{"code": "R1",}', "{'code': 'R1'}", "[1, 2", "nul", '{"code": "R1"} trailing', b"\xff\xfe{}"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/admin/regions"),
        ("POST", "/api/admin/users"),
        ("PATCH", "/api/admin/users/root"),
        ("POST", "/api/admin/providers"),
        ("POST", "/api/auth/token"),
    ],
)
@pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_json_is_400(client, admin, rows, method, path, body):
    before = rows()
    response = client.open(path, method=method, data=body, content_type=JSON, headers=admin)
    error = assert_error(response, 400, "malformed_json")
    assert error["details"] == {}
    assert rows() == before


WRONG_INPUT = [
    ("POST", "/api/admin/regions", {**GOOD_REGION, "code": 5}, {"code"}),
    ("POST", "/api/admin/regions", {**GOOD_REGION, "name": ["x"], "level": None}, {"name", "level"}),
    ("POST", "/api/admin/regions", {**GOOD_REGION, "level": "planet"}, {"level"}),
    ("POST", "/api/admin/regions", {**GOOD_REGION, "population": 10}, {"population"}),
    ("POST", "/api/admin/regions", {**GOOD_REGION, "id": 99, "parent": "x"}, {"id", "parent"}),
    ("POST", "/api/admin/regions", {}, {"code", "name", "level", "area_class"}),
    ("POST", "/api/admin/regions", [GOOD_REGION], {"_schema"}),
    ("POST", "/api/admin/regions", "R1", {"_schema"}),
    ("PATCH", "/api/admin/regions/R0", {"code": "R9"}, {"code"}),
    ("PATCH", "/api/admin/regions/R0", {"name": {"zh": "山东"}}, {"name"}),
    ("POST", "/api/admin/providers", {"code": "P1", "name": "P", "deposit": "ten"}, {"deposit"}),
    ("POST", "/api/admin/providers", {"code": "P1", "name": "P", "deposit": "1.005"}, {"deposit"}),
    ("POST", "/api/admin/providers", {"code": "P1", "name": "P", "credit_limit": -1}, {"credit_limit"}),
    ("POST", "/api/admin/providers", {"code": "P1", "name": "P", "deposit": True}, {"deposit"}),
    ("POST", "/api/admin/providers", {"code": "P1", "name": "P", "region_codes": [1, 2]}, {"region_codes"}),
    ("POST", "/api/admin/providers", {"code": "P1", "name": "P", "active": "sometimes"}, {"active"}),
    (
        "POST",
        "/api/admin/policies",
        {"category": "tv", "whole_unit_months": "12", "main_part_months": 1.5},
        {"main_part_months"},
    ),
    (
        "POST",
        "/api/admin/policies",
        {"category": "TV!", "whole_unit_months": 0, "main_part_months": 12},
        {"category", "whole_unit_months"},
    ),
    (
        "POST",
        "/api/admin/products",
        {"model": "M1", "category": "tv", "name": "n", "serial_pattern": "("},
        {"serial_pattern"},
    ),
    ("POST", "/api/admin/parts", {"part_no": "X1", "name": "n", "price": "1,5"}, {"price"}),
    ("POST", "/api/admin/users", {"username": "ann", "password": 12345678, "role": "agent", "x": 1}, {"password", "x"}),
    ("PATCH", "/api/admin/users/root", {"active": "yes please", "unknown": None}, {"active", "unknown"}),
    ("GET", "/api/admin/users?page=first", None, {"page"}),
    ("GET", "/api/admin/regions?level=planet", None, {"level"}),
    ("GET", "/api/admin/providers?per_page=-5", None, {"per_page"}),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "fields"), WRONG_INPUT, ids=[f"{c[0]} {c[1]} {i}" for i, c in enumerate(WRONG_INPUT)]
)
def test_wrong_types_and_unknown_fields_are_422_naming_each_field(
    client, admin, make_region, rows, method, path, body, fields
):
    make_region("R0")
    before = rows()
    response = client.open(path, method=method, json=body, headers=admin)
    error = assert_error(response, 422, "validation_error", fields)
    for field in fields:
        assert field in error["message"]
        assert error["details"]["fields"][field]
    assert rows() == before


def test_body_over_the_size_limit_is_413_and_stores_nothing(app, client, admin, rows):
    before = rows()
    # Valid JSON padded with whitespace: without the limit this would create a region.
    padding = " " * app.config["MAX_CONTENT_LENGTH"]
    body = '{"code": "R1", "name": "Region one", "level": "province", "area_class": "city"' + padding + "}"
    response = client.post("/api/admin/regions", data=body, content_type=JSON, headers=admin)
    error = assert_error(response, 413, "payload_too_large")
    assert error["details"] == {}
    assert rows() == before


def test_body_over_the_size_limit_is_413_on_sign_in(app, client, make_user):
    make_user("agent", username="ann")
    padding = " " * app.config["MAX_CONTENT_LENGTH"]
    body = '{"username": "ann", "password": "correct horse battery"' + padding + "}"
    response = client.post("/api/auth/token", data=body, content_type=JSON)
    assert_error(response, 413, "payload_too_large")


def test_body_just_under_the_size_limit_is_read(app, client, admin, rows):
    body = '{"code": "R1", "name": "Region one", "level": "province", "area_class": "city"}'
    body = body[:-1] + " " * (app.config["MAX_CONTENT_LENGTH"] - len(body)) + "}"
    response = client.post("/api/admin/regions", data=body, content_type=JSON, headers=admin)
    assert response.status_code == 201
    assert rows()["Region"] == 1


# ---------------------------------------------------------------- SQL metacharacters


SQL_METACHARACTERS = [
    "x'); DROP TABLE users;--",
    "Robert'); DELETE FROM regions; --",
    "' OR '1'='1",
    '"; DROP TABLE providers; --',
    "50% off_\\",
    "山东 'quoted' \"double\" `tick`",
]


@pytest.mark.parametrize("name", SQL_METACHARACTERS)
def test_sql_metacharacters_in_a_name_are_stored_literally(client, admin, make_provider, name):
    make_provider("P01")
    response = client.post("/api/admin/regions", json={**GOOD_REGION, "name": name}, headers=admin)
    assert response.status_code == 201
    assert response.json["name"] == name
    again = client.get("/api/admin/regions/R1", headers=admin)
    assert again.json["name"] == name


@pytest.mark.parametrize("name", SQL_METACHARACTERS)
def test_sql_metacharacters_leave_every_table_and_row_in_place(client, admin, make_provider, rows, name):
    make_provider("P01")
    tables = set(inspect(db.engine).get_table_names())
    before = rows()
    assert client.post("/api/admin/regions", json={**GOOD_REGION, "name": name}, headers=admin).status_code == 201
    patch = client.patch("/api/admin/users/root", json={"display_name": name}, headers=admin)
    assert patch.status_code == 200
    assert patch.json["display_name"] == name
    assert set(inspect(db.engine).get_table_names()) == tables
    assert rows() == before | {"Region": before["Region"] + 1}


@pytest.mark.parametrize("value", SQL_METACHARACTERS)
def test_sql_metacharacters_in_a_filter_match_nothing(client, admin, make_user, value):
    make_user("technician", username="tech")
    response = client.get("/api/admin/users", query_string={"provider_code": value}, headers=admin)
    assert response.status_code == 200
    assert response.json["items"] == []
    assert response.json["total"] == 0


@pytest.mark.parametrize("value", SQL_METACHARACTERS)
def test_sql_metacharacters_in_an_address_find_nothing(client, admin, value):
    response = client.get(f"/api/admin/users/{quote(value, safe='')}", headers=admin)
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("value", ["root' --", "root' OR '1'='1", "' OR 1=1 --"])
def test_sql_metacharacters_do_not_sign_anyone_in(client, admin, value):
    response = client.post("/api/auth/token", json={"username": value, "password": "' OR '1'='1"})
    assert_error(response, 401, "invalid_credentials")


# ---------------------------------------------------------------- never a 500


ODD_INPUT = [
    # NUL characters: PostgreSQL cannot store or compare them in text.
    ("POST", "/api/auth/token", {"username": "root\x00", "password": "x"}, "username"),
    (
        "POST",
        "/api/admin/users",
        {"username": "ann", "password": "p" * 8, "role": "agent", "display_name": "\x00"},
        "display_name",
    ),
    ("GET", "/api/admin/users?provider_code=P%0001", None, "provider_code"),
    ("POST", "/api/admin/regions", {**GOOD_REGION, "name": "nul\x00here"}, "name"),
    ("POST", "/api/admin/providers", {"code": "P1", "name": "nul\x00here"}, "name"),
    ("POST", "/api/admin/products", {"model": "M1", "category": "tv", "name": "\x00"}, "name"),
    ("POST", "/api/admin/parts", {"part_no": "X1", "name": "\x00", "price": "1.00"}, "name"),
    ("GET", "/api/admin/regions?parent_code=%00", None, "parent_code"),
    ("GET", "/api/admin/stock?warehouse=%00", None, "warehouse"),
    # Numbers beyond what the columns hold.
    ("POST", "/api/admin/providers", {"code": "P1", "name": "P", "deposit": "99999999999999999999"}, "deposit"),
    ("POST", "/api/admin/providers", {"code": "P1", "name": "P", "deposit": "1e999999999"}, "deposit"),
    ("POST", "/api/admin/parts", {"part_no": "X1", "name": "n", "price": 10**30}, "price"),
    ("GET", "/api/admin/users?page=100000000000000000000", None, "page"),
    ("GET", "/api/admin/regions?page=9223372036854775807", None, "page"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"), ODD_INPUT, ids=[f"{c[0]} {c[1]} {c[3]}" for c in ODD_INPUT]
)
def test_odd_input_is_a_422_naming_the_field_never_a_500(client, admin, rows, method, path, body, field):
    before = rows()
    response = client.open(path, method=method, json=body, headers=admin)
    assert_error(response, 422, "validation_error", {field})
    assert rows() == before


@pytest.mark.parametrize(
    "path",
    ["/api/admin/users/ro%00ot", "/api/admin/regions/%00", "/api/admin/stock/HQ%00/X1"],
)
def test_nul_in_an_address_is_not_found_never_a_500(client, admin, path):
    assert_error(client.get(path, headers=admin), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,  # nesting deeper than the decoder recurses
        '{"code": ' + "9" * 5000 + "}",  # an integer longer than Python converts
    ],
    ids=["deep nesting", "5000-digit number"],
)
def test_json_the_decoder_chokes_on_is_400_never_a_500(client, admin, rows, body):
    before = rows()
    response = client.post("/api/admin/regions", data=body, content_type=JSON, headers=admin)
    assert_error(response, 400, "malformed_json")
    assert rows() == before
