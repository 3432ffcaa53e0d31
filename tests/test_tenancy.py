"""Tenancy, table-driven: each role reading a provider's or a customer's things outside its slice.

Two provinces: 370000 (the dispatch world: providers P01–P03, their staff ``pm1``, ``tech1``…, clerk
``clerk``, dispatcher ``disp37``) and 440000 (``guangdong``: provider P44 with ``pm44`` and ``tech44``, clerk
``clerk2``, dispatcher ``disp44``, customer ``GD_PHONE`` with unit SN-GD). The Guangdong customer's job is
dispatched to P44 and assigned to ``tech44``; P44's stock room holds BOARD; the customer has a reminder.

For each endpoint that reads one provider's or one customer's things, every role outside the slice gets
404 with the body a thing that does not exist gets (so nothing tells it exists), and the roles inside get
200. For each list, what lies outside the slice is left out. A new endpoint of this kind belongs here.
"""

import re

import pytest
from sqlalchemy import select

from server.core.clock import local_today
from server.extensions import db
from server.jobs.models import Customer
from server.network.services import providers
from tests.fixtures.jobs import GD_PHONE
from tests.helpers import assert_error

# What each placeholder is in the world, and the same for a thing that does not exist.
MISSING = {"p44": "999999", "job": "999999", "request": "999999", "customer": "999999", "code": "P99"}
MISSING_PHONE, MISSING_SERIAL = "13911112222", "SN-NONE"

JOB_OUTSIDERS = ["disp37", "pm1", "tech1"]
JOB_INSIDERS = ["disp44", "pm44", "tech44", "agent", "admin", "dispatcher"]
CUSTOMER_OUTSIDERS = ["disp37"]
CUSTOMER_INSIDERS = ["disp44", "agent", "admin", "dispatcher"]

ITEMS = [
    ("/api/providers/{p44}/account", ["clerk", "pm1"], ["clerk2", "pm44", "admin", "planner"]),
    ("/api/providers/{p44}/stock", ["clerk", "pm1", "tech1"], ["clerk2", "pm44", "tech44", "admin"]),
    ("/api/providers/{p44}/discrepancies", ["pm1"], ["pm44", "admin"]),
    ("/api/providers/{p44}/technicians", ["pm1"], ["pm44", "admin"]),
    ("/api/admin/providers/{code}", ["clerk"], ["clerk2", "admin", "dispatcher", "planner"]),
    ("/api/admin/stock/PROV-{code}/BOARD", ["clerk"], ["clerk2", "admin", "planner"]),
    ("/api/customers?phone={phone}", CUSTOMER_OUTSIDERS, CUSTOMER_INSIDERS),
    ("/api/customers?serial={serial}", CUSTOMER_OUTSIDERS, CUSTOMER_INSIDERS),
    ("/api/customers/{customer}/reminders", CUSTOMER_OUTSIDERS, CUSTOMER_INSIDERS),
    ("/api/requests/{request}", CUSTOMER_OUTSIDERS, CUSTOMER_INSIDERS),
    ("/api/jobs/{job}", JOB_OUTSIDERS, JOB_INSIDERS),
    ("/api/jobs/{job}/events", JOB_OUTSIDERS, JOB_INSIDERS),
    ("/api/jobs/{job}/parts", JOB_OUTSIDERS, JOB_INSIDERS),
]

# A list, who must not find the Guangdong thing in it, who must, and how to tell it from the page.
LISTS = [
    ("/api/admin/providers?per_page=500", ["clerk"], ["clerk2", "admin"], lambda page, w: w["code"] in codes(page)),
    (
        "/api/admin/warehouses?per_page=500",
        ["clerk"],
        ["clerk2", "admin"],
        lambda page, w: f"PROV-{w['code']}" in codes(page),
    ),
    (
        "/api/admin/stock?per_page=500",
        ["clerk"],
        ["clerk2", "planner"],
        lambda page, w: f"PROV-{w['code']}" in [item["warehouse"] for item in page["items"]],
    ),
    ("/api/jobs?per_page=500", JOB_OUTSIDERS, JOB_INSIDERS, lambda page, w: int(w["job"]) in ids(page)),
    (
        "/api/care-tasks?per_page=500",
        CUSTOMER_OUTSIDERS,
        CUSTOMER_INSIDERS,
        lambda page, w: int(w["customer"]) in [item["customer_id"] for item in page["items"]],
    ),
]


def codes(page):
    return [item["code"] for item in page["items"]]


def ids(page):
    return [item["id"] for item in page["items"]]


@pytest.fixture
def world_of_two(catalogue, guangdong, make_stock, open_job, walk, client):
    """The two provinces above; answers the placeholders' values."""
    from server.care.services.reminders import raise_due_reminders

    make_stock("PROV-P44", "BOARD", 2)
    job = walk(
        open_job(
            customer_phone=GD_PHONE, customer_name="李女士", address="天河路 1 号", region_code="440112", serial="SN-GD"
        ),
        "assigned",
        technician=guangdong.tech44,
    )
    customer_id = db.session.scalar(select(Customer.id).where(Customer.phone == GD_PHONE))
    response = client.post(
        f"/api/customers/{customer_id}/reminders",
        json={"kind": "other", "due_on": local_today().isoformat(), "note": "回访"},
        headers=guangdong.agent.headers,
    )
    assert response.status_code == 201, response.get_json()
    raise_due_reminders()
    db.session.commit()
    return {
        "p44": str(providers.find("P44").id),
        "job": str(job["id"]),
        "request": str(job["request"]["id"]),
        "customer": str(customer_id),
        "code": "P44",
        "phone": GD_PHONE,
        "serial": "SN-GD",
    }


def missing(world):
    return {**world, **MISSING, "phone": MISSING_PHONE, "serial": MISSING_SERIAL}


def anonymised(error, values):
    """The error's text with the placeholders' values blotted out, to compare two answers."""
    text = str(error)
    for value in sorted(set(values.values()), key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(value)}\b", "<>", text)
    return text


@pytest.mark.parametrize("row", ITEMS, ids=[row[0] for row in ITEMS])
def test_a_thing_outside_the_callers_slice_is_answered_as_one_that_does_not_exist(client, guangdong, world_of_two, row):
    template, outsiders, insiders = row
    for user in insiders:
        response = client.get(template.format(**world_of_two), headers=getattr(guangdong, user).headers)
        assert response.status_code == 200, (user, response.get_json())
    for user in outsiders:
        headers = getattr(guangdong, user).headers
        response = client.get(template.format(**world_of_two), headers=headers)
        absent = client.get(template.format(**missing(world_of_two)), headers=headers)
        assert absent.status_code == 404, (user, absent.get_json())
        error = assert_error(response, 404, absent.get_json()["error"]["code"])
        assert anonymised(error, world_of_two) == anonymised(absent.get_json()["error"], missing(world_of_two)), user


@pytest.mark.parametrize("row", LISTS, ids=[row[0] for row in LISTS])
def test_a_list_leaves_out_what_lies_outside_the_callers_slice(client, guangdong, world_of_two, row):
    template, outsiders, insiders, holds = row
    for user in [*outsiders, *insiders]:
        response = client.get(template, headers=getattr(guangdong, user).headers)
        assert response.status_code == 200, (user, response.get_json())
        assert holds(response.get_json(), world_of_two) is (user in insiders), user
