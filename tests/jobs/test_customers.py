"""GET /api/customers: a customer found by phone or by a unit's serial, with units, warranty and past requests."""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Customer
from tests.fixtures.jobs import PHONE
from tests.helpers import assert_error


@pytest.fixture
def lookup(client, people):
    """``lookup(phone=..., serial=..., headers=agent's)`` → the response of GET /api/customers."""

    def get(headers=None, **params):
        return client.get("/api/customers", query_string=params, headers=headers or people.agent.headers)

    return get


def units_by_serial(body):
    return {unit["serial"]: unit for unit in body["units"]}


# ---------------------------------------------------------------- by phone


def test_a_phone_finds_its_units_in_the_install_base(lookup):
    response = lookup(phone=PHONE)
    assert response.status_code == 200, response.json
    assert [(u["serial"], u["model"], u["category"], u["in_install_base"]) for u in response.json["units"]] == [
        ("SN-IN", "TV55", "tv", True),
        ("SN-OLD", "TV55", "tv", True),
    ]


@pytest.mark.parametrize(("serial", "active"), [("SN-IN", True), ("SN-OLD", False)])
def test_each_unit_shows_its_whole_unit_warranty_today(lookup, serial, active):
    warranty = units_by_serial(lookup(phone=PHONE).json)[serial]["warranty"]
    assert warranty["policy"] == "tv"
    assert warranty["whole_unit"]["months"] == 12
    assert warranty["whole_unit"]["active"] is active


def test_a_phone_with_units_but_no_request_yet_has_no_name_and_no_requests(lookup):
    body = lookup(phone=PHONE).json
    assert body["customer"] == {"id": None, "phone": PHONE, "name": "", "address": "", "region_code": None}
    assert body["requests"] == []


def test_the_customer_recorded_with_a_request_is_shown(lookup, open_job):
    open_job()
    customer = lookup(phone=PHONE).json["customer"]
    # The id the customer's care reminders are set on.
    assert customer.pop("id") == db.session.scalar(select(Customer.id).where(Customer.phone == PHONE))
    assert customer == {
        "phone": PHONE,
        "name": "王先生",
        "address": "幸福路 8 号",
        "region_code": "370112",
    }


def test_past_requests_are_listed_newest_first_with_their_jobs_state(client, people, lookup, open_job, walk):
    first = open_job(serial="SN-OLD")
    walk(first, "dispatched")
    second = open_job()
    requests = lookup(phone=PHONE).json["requests"]
    assert [(r["request"]["number"], r["job"]["number"], r["job"]["state"]) for r in requests] == [
        (second["request"]["number"], second["number"], "new"),
        (first["request"]["number"], first["number"], "dispatched"),
    ]
    assert (requests[1]["job"]["provider_code"], requests[1]["job"]["provider_name"]) == ("P01", "Provider P01")
    assert requests[0]["job"]["provider_name"] is None


def test_a_cancelled_request_is_still_in_the_history(client, people, lookup, open_job):
    job = open_job()
    client.post(f"/api/jobs/{job['id']}/cancel", json={"reason": "重复报修"}, headers=people.agent.headers)
    (past,) = lookup(phone=PHONE).json["requests"]
    assert (past["job"]["id"], past["job"]["state"]) == (job["id"], "cancelled")


def test_a_unit_known_only_from_a_request_is_listed_outside_the_install_base(lookup, open_job):
    open_job(serial="sn-new", model="TV55")
    unit = units_by_serial(lookup(phone=PHONE).json)["SN-NEW"]
    assert unit == {
        "serial": "SN-NEW",
        "model": "TV55",
        "category": "tv",
        "sale_date": None,
        "in_install_base": False,
        "warranty": None,
        "card": None,
        "cards": [],
    }


def test_a_unit_with_requests_is_listed_once(lookup, open_job):
    open_job()
    assert [unit["serial"] for unit in lookup(phone=PHONE).json["units"]] == ["SN-IN", "SN-OLD"]


def test_a_phone_known_only_from_a_request_is_found(lookup, open_job):
    open_job(customer_phone="13911112222", serial="SN-ELSEWHERE")
    body = lookup(phone="13911112222").json
    assert body["customer"]["name"] == "王先生"
    assert [(u["serial"], u["in_install_base"]) for u in body["units"]] == [("SN-ELSEWHERE", False)]
    assert len(body["requests"]) == 1


def test_another_customers_requests_are_not_shown(lookup, open_job):
    open_job(customer_phone="13911112222", serial="SN-ELSEWHERE")
    body = lookup(phone=PHONE).json
    assert body["requests"] == []
    assert "SN-ELSEWHERE" not in units_by_serial(body)


# ---------------------------------------------------------------- by serial


@pytest.mark.parametrize("serial", ["SN-OLD", "sn-old", " SN-OLD "], ids=["exact", "lower", "padded"])
def test_a_serial_leads_to_its_customer_and_all_their_units(lookup, open_job, serial):
    open_job()
    by_serial = lookup(serial=serial)
    assert by_serial.status_code == 200, by_serial.json
    assert by_serial.json == lookup(phone=PHONE).json


def test_a_serial_known_only_from_a_request_leads_to_that_requests_customer(lookup, open_job):
    open_job(serial="SN-NEW", model="TV55", customer_phone="13911112222")
    body = lookup(serial="SN-NEW").json
    assert body["customer"]["phone"] == "13911112222"
    assert body == lookup(phone="13911112222").json


def test_a_serial_known_only_from_a_request_shows_the_unit_and_request(lookup, open_job):
    job = open_job(serial="SN-NEW", model="TV55")
    body = lookup(serial="sn-new").json
    assert units_by_serial(body)["SN-NEW"]["in_install_base"] is False
    assert [r["job"]["id"] for r in body["requests"]] == [job["id"]]


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "phone"),
        ({"phone": PHONE, "serial": "SN-IN"}, "phone"),
        ({"phone": "abc"}, "phone"),
        ({"serial": ""}, "serial"),
        ({"serial": "S" * 65}, "serial"),
    ],
    ids=["neither", "both", "bad-phone", "empty-serial", "long-serial"],
)
def test_a_refused_lookup_names_the_field(lookup, params, field):
    assert_error(lookup(**params), 422, "validation_error", {field})


@pytest.mark.parametrize("params", [{"phone": "13900000000"}, {"serial": "SN-NOPE"}], ids=["phone", "serial"])
def test_nothing_known_is_404(lookup, params):
    assert_error(lookup(**params), 404, "customer_not_found")


@pytest.mark.parametrize("role", ["technician", "provider_manager", "parts_clerk", "hq_planner", "auditor"])
def test_only_the_call_centre_looks_customers_up(lookup, as_role, role):
    assert_error(lookup(headers=as_role(role), phone=PHONE), 403, "role_forbidden")
