"""GET /api/customers as a provincial dispatcher: the customers, units and requests of their province only.

The dispatch world's customer (phone ``PHONE``) lives in province 370000; ``guangdong`` adds a customer of
440000 (``GD_PHONE``, unit SN-GD) and a dispatcher of each province, ``disp37`` and ``disp44``. What lies
outside the dispatcher's province is answered as what does not exist, as their jobs are.
"""

import pytest

from tests.fixtures.jobs import GD_PHONE
from tests.fixtures.jobs import PHONE
from tests.fixtures.jobs import request_body
from tests.helpers import assert_error


@pytest.fixture
def lookup(client, guangdong):
    """``lookup(user, **params)`` → the response of GET /api/customers as the person named ``user``."""

    def get(user, **params):
        return client.get("/api/customers", query_string=params, headers=getattr(guangdong, user).headers)

    return get


@pytest.fixture
def gd_job(open_job):
    """The Guangdong customer's request for SN-GD in county 440112: the job's JSON."""
    return open_job(
        customer_phone=GD_PHONE, customer_name="李女士", address="天河路 1 号", region_code="440112", serial="SN-GD"
    )


@pytest.mark.parametrize("params", [{"phone": GD_PHONE}, {"serial": "SN-GD"}])
def test_another_provinces_customer_is_not_found_by_a_provincial_dispatcher(lookup, gd_job, params):
    other = assert_error(lookup("disp37", **params), 404, "customer_not_found")
    none = assert_error(lookup("disp37", phone="13911112222"), 404, "customer_not_found")
    assert other == none


def test_the_dispatcher_of_the_customers_province_finds_them_whole(lookup, gd_job):
    response = lookup("disp44", phone=GD_PHONE)
    assert response.status_code == 200, response.json
    body = response.json
    assert {k: body["customer"][k] for k in ("phone", "name", "address", "region_code")} == {
        "phone": GD_PHONE,
        "name": "李女士",
        "address": "天河路 1 号",
        "region_code": "440112",
    }
    assert [unit["serial"] for unit in body["units"]] == ["SN-GD"]
    assert [item["job"]["id"] for item in body["requests"]] == [gd_job["id"]]


@pytest.mark.parametrize("user", ["agent", "admin", "dispatcher"])
@pytest.mark.parametrize(("phone", "serial"), [(GD_PHONE, "SN-GD"), (PHONE, "SN-IN")])
def test_the_national_roles_find_every_provinces_customers(lookup, gd_job, open_job, user, phone, serial):
    open_job()
    response = lookup(user, phone=phone)
    assert response.status_code == 200, response.json
    assert response.json["customer"]["phone"] == phone
    assert serial in [unit["serial"] for unit in response.json["units"]]


def test_a_customer_with_units_in_two_provinces_shows_each_dispatcher_their_provinces(lookup, open_job, guangdong):
    # The world's customer has a unit sold in 370000 (SN-IN) and calls about one in 440000 too (SN-GD's record
    # names another phone, so this one is known only from the request, in 440112).
    home = open_job()
    away = open_job(region_code="440112", serial="SN-AWAY", model="TV55")
    here = lookup("disp37", phone=PHONE).json
    there = lookup("disp44", phone=PHONE).json
    assert [item["job"]["id"] for item in here["requests"]] == [home["id"]]
    assert [item["job"]["id"] for item in there["requests"]] == [away["id"]]
    assert "SN-AWAY" not in [unit["serial"] for unit in here["units"]]
    assert [unit["serial"] for unit in there["units"]] == ["SN-AWAY"]


def test_a_customer_recorded_in_another_province_shows_only_the_request_made_here(lookup, open_job, guangdong):
    # The customer's latest request (and so their recorded address) is in 440112; 370000's dispatcher sees
    # the name and address of the request in their province, not the customer's record.
    open_job()
    open_job(region_code="440112", serial="SN-AWAY", model="TV55", address="天河路 9 号")
    customer = lookup("disp37", phone=PHONE).json["customer"]
    assert (customer["id"], customer["address"], customer["region_code"]) == (None, "幸福路 8 号", None)
    assert lookup("disp44", phone=PHONE).json["customer"]["region_code"] == "440112"


# ---------------------------------------------------------------- recording a request


def test_a_provincial_dispatcher_records_requests_of_their_province_only(client, guangdong, gd_job, snapshot):
    """A call for a unit in another province is refused before anything is read or written: the job would
    be one they cannot see, and the open-request check would name another province's request (SN-GD has one)."""
    before = snapshot()
    body = request_body(customer_phone=GD_PHONE, region_code="440112", serial="SN-GD", address="天河路 1 号")
    response = client.post("/api/requests", json=body, headers=guangdong.disp37.headers)
    error = assert_error(response, 422, "validation_error", fields=["region_code"])
    assert "SN-GD" not in str(error)
    assert gd_job["number"] not in str(error)
    assert snapshot() == before


def test_the_provinces_own_dispatcher_and_a_national_agent_record_it(client, guangdong, people):
    body = request_body(customer_phone=GD_PHONE, region_code="440112", serial="SN-GD", address="天河路 1 号")
    assert client.post("/api/requests", json=body, headers=guangdong.disp44.headers).status_code == 201
    second = request_body(region_code="370112", serial=None, customer_phone="13800000001")
    assert client.post("/api/requests", json=second, headers=guangdong.disp37.headers).status_code == 201
    third = request_body(region_code="440112", serial=None, customer_phone="13800000002", address="天河路 2 号")
    assert client.post("/api/requests", json=third, headers=people.agent.headers).status_code == 201
