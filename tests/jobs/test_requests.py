"""POST /api/requests and GET /api/requests/<id>: a request makes one job, in state new, with SLA deadlines."""

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Customer
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.jobs.schemas import RequestArgs
from server.jobs.services import requests as services
from server.jobs.services import sla
from tests.fixtures.jobs import PHONE
from tests.fixtures.jobs import later
from tests.fixtures.jobs import request_body
from tests.helpers import assert_error
from tests.races import send_together

# Deadlines in minutes (contact, arrive, complete) of the default policies.
COUNTY = (240, 2880, 5760)
CITY = (120, 1440, 2880)


def at(text):
    return datetime.fromisoformat(text)


def deadlines(job):
    return tuple(at(job["sla"][f"{stage}_due_at"]) for stage in ("contact", "arrive", "complete"))


def after(job, minutes):
    created = at(job["created_at"])
    return tuple(created + timedelta(minutes=m) for m in minutes)


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def post_request(client, people):
    def post(headers=None, **overrides):
        return client.post("/api/requests", json=request_body(**overrides), headers=headers or people.agent.headers)

    return post


# ---------------------------------------------------------------- the job created


def test_a_request_makes_a_new_job_with_numbers(post_request):
    response = post_request()
    assert response.status_code == 201, response.json
    job = response.json
    assert job["state"] == "new"
    assert re.fullmatch(r"J\d{8}", job["number"])
    assert re.fullmatch(r"SR\d{8}", job["request"]["number"])
    assert (job["provider_code"], job["technician"]) == (None, None)
    assert job["region_code"] == "370112"


def test_the_request_keeps_what_the_agent_recorded(post_request):
    job = post_request(channel="wechat").json
    request = job["request"]
    assert {k: request[k] for k in ("serial", "model", "customer_phone", "customer_name", "address", "channel")} == {
        "serial": "SN-IN",
        "model": "TV55",
        "customer_phone": PHONE,
        "customer_name": "王先生",
        "address": "幸福路 8 号",
        "channel": "wechat",
    }
    assert request["fault_description"] == "不开机"
    assert request["region_code"] == "370112"


def test_two_requests_get_different_numbers(post_request):
    first = post_request().json
    second = post_request(serial="SN-OLD").json
    assert first["number"] != second["number"]
    assert first["request"]["number"] != second["request"]["number"]


def test_the_creation_is_recorded_as_an_event_by_the_agent(client, people, post_request):
    job = post_request().json
    events = client.get(f"/api/jobs/{job['id']}/events", headers=people.admin.headers).json
    assert [(e["kind"], e["actor"], e["to_state"]) for e in events] == [("created", "agent", "new")]


@pytest.mark.parametrize("role", ["agent", "dispatcher", "admin"])
def test_the_call_centre_may_record_a_request(make_user, auth, world, client, role):
    response = client.post("/api/requests", json=request_body(), headers=auth(make_user(role)))
    assert response.status_code == 201, response.json


@pytest.mark.parametrize("role", ["technician", "provider_manager", "parts_clerk", "hq_planner", "auditor"])
def test_other_roles_may_not_record_a_request(people, as_role, post_request, snapshot, role):
    headers = as_role(role)
    before = snapshot()
    response = post_request(headers=headers)
    assert_error(response, 403, "role_forbidden")
    assert snapshot() == before


# ---------------------------------------------------------------- job type


@pytest.mark.parametrize(
    ("overrides", "job_type"),
    [
        ({"serial": "SN-IN"}, "warranty"),
        ({"serial": "SN-OLD"}, "paid"),
        ({"serial": "SN-UNKNOWN"}, "warranty"),
        ({"serial": None}, "warranty"),
        ({"serial": "SN-IN", "job_type": "installation"}, "installation"),
        ({"serial": "SN-IN", "job_type": "paid"}, "paid"),
        ({"serial": "SN-OLD", "job_type": "warranty"}, "warranty"),
    ],
    ids=[
        "in-warranty",
        "out-of-warranty",
        "unknown-serial",
        "no-serial",
        "explicit-install",
        "explicit-paid",
        "explicit-warranty",
    ],
)
def test_the_job_type_follows_the_units_warranty_unless_given(post_request, overrides, job_type):
    response = post_request(**overrides)
    assert response.status_code == 201, response.json
    assert response.json["job_type"] == job_type


# ---------------------------------------------------------------- SLA deadlines


@pytest.mark.parametrize(("region_code", "minutes"), [("370112", COUNTY), ("370100", CITY)], ids=["county", "city"])
def test_deadlines_follow_the_area_class_policy(post_request, region_code, minutes):
    job = post_request(region_code=region_code).json
    assert deadlines(job) == after(job, minutes)


def test_an_admins_policy_sets_the_deadlines_of_later_jobs(client, people, post_request):
    before = post_request(serial="SN-OLD").json
    response = client.put(
        "/api/admin/sla-policies/county",
        json={"contact_minutes": 30, "arrive_minutes": 600, "complete_minutes": 1200},
        headers=people.admin.headers,
    )
    assert response.status_code == 200, response.json
    job = post_request().json
    assert deadlines(job) == after(job, (30, 600, 1200))
    again = client.get(f"/api/jobs/{before['id']}", headers=people.admin.headers).json
    assert deadlines(again) == after(before, COUNTY)


def test_an_admins_policy_of_one_class_leaves_the_other_class_alone(client, people, post_request):
    client.put(
        "/api/admin/sla-policies/county",
        json={"contact_minutes": 30, "arrive_minutes": 600, "complete_minutes": 1200},
        headers=people.admin.headers,
    )
    job = post_request(region_code="370100").json
    assert deadlines(job) == after(job, CITY)


def test_a_visit_wanted_after_the_arrival_deadline_moves_arrival_and_completion(post_request):
    start = datetime.now(UTC) + timedelta(days=5)
    job = post_request(preferred_start=start.isoformat(), preferred_end=(start + timedelta(hours=2)).isoformat()).json
    contact, arrive, complete = deadlines(job)
    assert contact == after(job, COUNTY)[0]
    assert arrive == start
    assert complete == start + timedelta(minutes=COUNTY[2] - COUNTY[1])


def test_a_visit_wanted_before_the_arrival_deadline_moves_nothing(post_request):
    job = post_request(preferred_start=later(hours=5)).json
    assert deadlines(job) == after(job, COUNTY)


def test_the_preferred_window_is_kept_on_the_request(post_request):
    start = datetime.now(UTC) + timedelta(days=1)
    end = start + timedelta(hours=3)
    request = post_request(preferred_start=start.isoformat(), preferred_end=end.isoformat()).json["request"]
    assert (at(request["preferred_start"]), at(request["preferred_end"])) == (start, end)


# ---------------------------------------------------------------- one open request per unit


def test_a_second_request_for_a_unit_with_an_open_one_is_refused(post_request, snapshot):
    first = post_request().json
    before = snapshot()
    response = post_request(customer_name="李女士", address="另一条路 1 号")
    error = assert_error(response, 409, "open_request_exists")
    assert error["details"]["request_number"] == first["request"]["number"]
    assert error["details"]["request_id"] == first["request"]["id"]
    assert error["details"]["job_id"] == first["id"]
    assert error["details"]["job_number"] == first["number"]
    assert error["details"]["state"] == "new"
    assert snapshot() == before


def test_a_refused_second_request_creates_no_rows(post_request):
    post_request()
    counts = (count(ServiceRequest), count(Job), count(Customer))
    assert post_request().status_code == 409
    assert (count(ServiceRequest), count(Job), count(Customer)) == counts == (1, 1, 1)


@pytest.mark.parametrize("serial", ["sn-in", "  SN-IN  ", " sn-In"], ids=["lower", "padded", "mixed"])
def test_the_serial_is_normalised_before_the_duplicate_check(post_request, serial):
    post_request()
    assert_error(post_request(serial=serial), 409, "open_request_exists")


@pytest.mark.parametrize("serial", ["sn-in", "  SN-IN  "], ids=["lower", "padded"])
def test_a_normalised_serial_finds_the_unit_in_the_install_base(post_request, serial):
    job = post_request(serial=serial).json
    assert (job["request"]["serial"], job["request"]["model"]) == ("SN-IN", "TV55")


def test_a_request_for_another_unit_of_the_same_customer_is_accepted(post_request):
    post_request()
    assert post_request(serial="SN-OLD").status_code == 201


def test_requests_without_a_serial_are_never_duplicates(post_request):
    assert post_request(serial=None).status_code == 201
    assert post_request(serial=None).status_code == 201


def test_a_cancelled_request_frees_the_unit(client, people, post_request):
    first = post_request().json
    response = client.post(
        f"/api/jobs/{first['id']}/cancel", json={"reason": "客户自行修好"}, headers=people.agent.headers
    )
    assert response.status_code == 200, response.json
    second = post_request()
    assert second.status_code == 201, second.json
    assert second.json["id"] != first["id"]


def test_a_closed_request_frees_the_unit(post_request, walk):
    first = post_request().json
    walk(first, "closed")
    assert post_request().status_code == 201


def test_a_unit_first_identified_by_a_scan_has_an_open_request(client, people, post_request, walk):
    """A request recorded without a serial learns it from the technician's scan; the unit is then taken."""
    first = post_request(serial=None).json
    walk(first, "accepted")
    scan = {"serial": "SN-IN", "source": "camera", "symbology": "CODE128"}
    assert client.post(f"/api/jobs/{first['id']}/scans", json=scan, headers=people.tech1.headers).status_code == 201
    error = assert_error(post_request(), 409, "open_request_exists")
    assert error["details"]["job_id"] == first["id"]


# ---------------------------------------------------------------- refused input


INVALID = [
    ({"model": "TV65"}, "model"),
    ({"serial": "SN-NEW", "model": "NOPE"}, "model"),
    ({"serial": None, "model": "NOPE"}, "model"),
    ({"region_code": "370000"}, "region_code"),
    ({"region_code": "999999"}, "region_code"),
    ({"preferred_start": later(minutes=-5)}, "preferred_start"),
    ({"preferred_start": later(days=91)}, "preferred_start"),
    ({"preferred_start": "2030-01-01T10:00:00"}, "preferred_start"),
    ({"preferred_start": later(days=2), "preferred_end": later(days=1)}, "preferred_end"),
    ({"preferred_end": later(days=1)}, "preferred_end"),
    ({"customer_phone": "abc"}, "customer_phone"),
    ({"customer_phone": "12"}, "customer_phone"),
    ({"customer_phone": None}, "customer_phone"),
    ({"address": None}, "address"),
    ({"address": ""}, "address"),
    ({"address": "   "}, "address"),
    ({"region_code": None}, "region_code"),
    ({"fault_description": None}, "fault_description"),
    ({"fault_description": ""}, "fault_description"),
    ({"fault_description": "  \n "}, "fault_description"),
    ({"channel": "fax"}, "channel"),
    ({"job_type": "free"}, "job_type"),
    ({"serial": "SN IN"}, "serial"),
    ({"serial": "S" * 65}, "serial"),
]


@pytest.mark.parametrize(
    ("overrides", "field"),
    INVALID,
    ids=[
        "model-mismatch",
        "unknown-model",
        "unknown-model-no-serial",
        "province",
        "unknown-region",
        "start-in-past",
        "start-too-far",
        "start-naive",
        "end-before-start",
        "end-without-start",
        "phone-letters",
        "phone-short",
        "phone-missing",
        "address-missing",
        "address-empty",
        "address-blank",
        "region-missing",
        "fault-missing",
        "fault-empty",
        "fault-blank",
        "channel",
        "job-type",
        "serial-space",
        "serial-long",
    ],
)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(post_request, snapshot, overrides, field):
    before = snapshot()
    response = post_request(**overrides)
    error = assert_error(response, 422, "validation_error", {field})
    assert error["details"]["fields"][field]
    assert snapshot() == before


def test_a_refused_request_leaves_the_customer_as_it_was(client, people, post_request):
    post_request()
    assert post_request(serial="SN-OLD", address="新地址 9 号", region_code="999999").status_code == 422
    customer = client.get("/api/customers", query_string={"phone": PHONE}, headers=people.agent.headers).json
    assert customer["customer"]["address"] == "幸福路 8 号"


# ---------------------------------------------------------------- the customer row


def test_the_first_request_of_a_phone_creates_the_customer(post_request):
    post_request()
    customer = db.session.scalar(select(Customer).where(Customer.phone == PHONE))
    assert (customer.name, customer.address, customer.region.code) == ("王先生", "幸福路 8 号", "370112")


def test_a_later_request_updates_the_customers_name_and_address(post_request):
    post_request()
    post_request(serial="SN-OLD", customer_name="  王大明 ", address=" 新地址 9 号 ", region_code="370100")
    db.session.expire_all()
    customers = db.session.scalars(select(Customer)).all()
    assert [(c.phone, c.name, c.address, c.region.code) for c in customers] == [
        (PHONE, "王大明", "新地址 9 号", "370100")
    ]


def test_a_request_without_a_name_keeps_the_customers_name(post_request):
    post_request()
    post_request(serial="SN-OLD", customer_name=None)
    db.session.expire_all()
    assert db.session.scalar(select(Customer.name)) == "王先生"


# ---------------------------------------------------------------- reading a request back


def test_a_request_is_read_back_with_its_job(client, people, post_request):
    job = post_request().json
    response = client.get(f"/api/requests/{job['request']['id']}", headers=people.agent.headers)
    assert response.status_code == 200, response.json
    assert response.json["request"] == job["request"]
    assert {k: response.json["job"][k] for k in ("id", "number", "state", "job_type", "provider_code")} == {
        "id": job["id"],
        "number": job["number"],
        "state": "new",
        "job_type": "warranty",
        "provider_code": None,
    }


def test_an_unknown_request_is_404(client, people):
    assert_error(client.get("/api/requests/999999", headers=people.agent.headers), 404, "request_not_found")


@pytest.mark.parametrize("role", ["technician", "provider_manager", "auditor"])
def test_reading_a_request_is_for_the_call_centre(client, people, as_role, post_request, role):
    job = post_request().json
    response = client.get(f"/api/requests/{job['request']['id']}", headers=as_role(role))
    assert_error(response, 403, "role_forbidden")


# ---------------------------------------------------------------- two agents at once


def agents_at_once(app, bodies, headers):
    """POST each body to /api/requests with its agent's headers, all at the same moment; ``(status, json)`` each."""
    requests = [("POST", "/api/requests", body, header) for body, header in zip(bodies, headers, strict=True)]
    return send_together(app, requests)


ROUNDS = 5


@pytest.mark.commits
@pytest.mark.parametrize("customer", ["known", "new"])
def test_two_agents_recording_one_unit_at_once_make_one_request(app, post_request, people, make_user, auth, customer):
    """Two agents record a request for one unit at the same moment, five times over: one job, one 409.

    "known": the phone has an earlier request, so only the open-request guard is raced;
    "new": both agents also create the customer of a phone never seen before.
    """
    other = auth(make_user("agent", username="agent2"))
    for round_ in range(ROUNDS):
        serial, phone = f"RACE-{round_}", f"1390000000{round_}"
        if customer == "known":
            assert post_request(serial=None, customer_phone=phone).status_code == 201
        bodies = [
            request_body(serial=serial, customer_phone=phone),
            request_body(serial=serial.lower(), customer_phone=phone),
        ]
        answers = agents_at_once(app, bodies, [people.agent.headers, other])
        assert sorted(status for status, _ in answers) == [201, 409], (round_, answers)
        (created,) = [body for status, body in answers if status == 201]
        (refused,) = [body for status, body in answers if status == 409]
        assert refused["error"]["code"] == "open_request_exists", (round_, answers)
        assert refused["error"]["details"]["job_id"] == created["id"]
    db.session.expire_all()
    serials = db.session.scalars(
        select(ServiceRequest.serial).where(ServiceRequest.serial != "").order_by(ServiceRequest.id)
    )
    assert serials.all() == [f"RACE-{round_}" for round_ in range(ROUNDS)]
    assert count(Customer) == ROUNDS


@pytest.mark.commits
def test_two_agents_recording_two_units_of_a_new_customer_at_once_both_succeed(app, people, make_user, auth):
    """Two requests from a phone never seen before, for two units, at the same moment: both kept, one customer."""
    other = auth(make_user("agent", username="agent2"))
    for round_ in range(ROUNDS):
        phone = f"1390000000{round_}"
        bodies = [
            request_body(serial=f"A-{round_}", customer_phone=phone),
            request_body(serial=f"B-{round_}", customer_phone=phone),
        ]
        answers = agents_at_once(app, bodies, [people.agent.headers, other])
        assert [status for status, _ in answers] == [201, 201], (round_, answers)
    db.session.expire_all()
    assert count(ServiceRequest) == count(Job) == 2 * ROUNDS
    assert count(Customer) == ROUNDS


@pytest.mark.parametrize("customer", ["new", "known"])
def test_a_request_whose_job_cannot_be_made_leaves_nothing_behind(people, post_request, monkeypatch, customer):
    """Request and job are one transaction: a failure after the request row is written takes the row back too.

    "known": the customer's details are unchanged, so the request row is the transaction's first write.
    """

    def broken_deadlines(*args, **kwargs):
        raise RuntimeError("boom")

    if customer == "known":
        assert post_request(serial=None).status_code == 201
    db.session.commit()
    counts = (count(ServiceRequest), count(Job), count(Customer))
    monkeypatch.setattr(sla, "deadlines", broken_deadlines)
    with pytest.raises(RuntimeError, match="boom"):
        services.create_request(people.agent, RequestArgs().load(request_body()))
    db.session.rollback()
    assert (count(ServiceRequest), count(Job), count(Customer)) == counts
    assert db.session.scalar(select(ServiceRequest).where(ServiceRequest.open_serial == "SN-IN")) is None


@pytest.mark.parametrize(
    ("area_class", "minutes", "status", "code"),
    [
        ("suburb", (30, 600, 1200), 404, "area_class_not_found"),
        ("county", (600, 30, 1200), 422, "validation_error"),
        ("county", (30, 1200, 600), 422, "validation_error"),
        ("county", (0, 600, 1200), 422, "validation_error"),
    ],
    ids=["unknown-class", "arrive-before-contact", "complete-before-arrive", "zero-minutes"],
)
def test_a_bad_sla_policy_is_refused_and_changes_nothing(client, people, area_class, minutes, status, code):
    body = dict(zip(("contact_minutes", "arrive_minutes", "complete_minutes"), minutes, strict=True))
    response = client.put(f"/api/admin/sla-policies/{area_class}", json=body, headers=people.admin.headers)
    assert_error(response, status, code)
    policies = client.get("/api/admin/sla-policies", headers=people.admin.headers).json
    assert all(policy["default"] for policy in policies)
    assert next(p for p in policies if p["area_class"] == "county")["contact_minutes"] == COUNTY[0]
