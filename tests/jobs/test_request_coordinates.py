"""A request's address coordinates: given all three or none (422 naming the missing), else the sale record's,
and shown in the request's JSON."""

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from server.core.geo import distance_m
from server.core.geo import wgs84_to_bd09
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import ServiceRequest
from tests.fixtures.jobs import request_body
from tests.helpers import assert_error


def post(client, people, **overrides):
    return client.post("/api/requests", json=request_body(**overrides), headers=people.agent.headers)


def requests_stored():
    return db.session.scalar(select(func.count()).select_from(ServiceRequest))


@pytest.mark.parametrize("system", ["wgs84", "gcj02", "bd09"])
def test_a_request_keeps_the_coordinates_it_gives(client, people, system):
    response = post(client, people, lat=36.6683, lng=117.0204, coord_system=system)
    assert response.status_code == 201, response.get_json()
    shown = response.get_json()["request"]
    assert (shown["lat"], shown["lng"], shown["coord_system"]) == (36.6683, 117.0204, system)


def test_a_request_without_them_takes_the_sale_records(client, people):
    db.session.execute(
        update(SaleRecord).where(SaleRecord.serial == "SN-IN").values(lat=36.1, lng=117.2, coord_system="bd09")
    )
    db.session.commit()
    shown = post(client, people).get_json()["request"]
    assert (shown["lat"], shown["lng"], shown["coord_system"]) == (36.1, 117.2, "bd09")
    # Its own win over the sale record's.
    other = post(client, people, serial="SN-OLD", lat=36.5, lng=117.5, coord_system="wgs84").get_json()["request"]
    assert (other["lat"], other["lng"], other["coord_system"]) == (36.5, 117.5, "wgs84")


def test_a_request_with_neither_has_none(client, people):
    shown = post(client, people).get_json()["request"]
    assert (shown["lat"], shown["lng"], shown["coord_system"]) == (None, None, None)
    assert shown["address_wgs84"] is None


# googollee/eviltransform's reference point in Shanghai (WGS-84, then GCJ-02), and the same place in BD-09.
SHANGHAI_WGS84 = (31.1774276, 121.5272106)
SHANGHAI_GCJ02 = (31.17530398364597, 121.531541859215)


@pytest.mark.parametrize(
    ("given", "system"),
    [(SHANGHAI_WGS84, "wgs84"), (SHANGHAI_GCJ02, "gcj02"), (wgs84_to_bd09(*SHANGHAI_WGS84), "bd09")],
)
def test_the_address_is_also_given_in_wgs84_as_the_auditor_plots_it(client, people, given, system):
    shown = post(client, people, lat=given[0], lng=given[1], coord_system=system).get_json()["request"]
    wgs84 = shown["address_wgs84"]
    assert distance_m(wgs84["lat"], wgs84["lng"], *SHANGHAI_WGS84) < 0.5
    if system != "wgs84":  # a Chinese map's point is hundreds of metres off until converted
        assert distance_m(*given, *SHANGHAI_WGS84) > 100


@pytest.mark.parametrize(
    ("given", "fields"),
    [
        ({"lat": 36.6}, ["lng", "coord_system"]),
        ({"lat": 36.6, "lng": 117.0}, ["coord_system"]),
        ({"coord_system": "gcj02"}, ["lat", "lng"]),
        ({"lat": 36.6, "lng": 117.0, "coord_system": "utm"}, ["coord_system"]),
        ({"lat": 91, "lng": 117.0, "coord_system": "wgs84"}, ["lat"]),
        ({"lat": 36.6, "lng": "117", "coord_system": "wgs84"}, ["lng"]),
        ({"lat": 36.6, "lng": -181, "coord_system": "wgs84"}, ["lng"]),
    ],
)
def test_partial_or_bad_coordinates_are_a_422_naming_the_fields_and_nothing_is_stored(client, people, given, fields):
    before = requests_stored()
    assert_error(post(client, people, **given), 422, "validation_error", fields)
    assert requests_stored() == before
