"""What the dispatcher's board reads and sends beyond the plain job list: jobs no technician holds, a province,
the orders of the board (late and escalated first, the SLA clock, creation, number), the names of providers,
of who acted and of a pushed op's job, and a dispatch from a screen that is out of date."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from server.extensions import db
from server.jobs.models import Job
from server.jobs.schemas import RequestArgs
from server.jobs.services import queries
from server.jobs.services import requests as services
from tests.fixtures.jobs import request_body
from tests.helpers import assert_error


@pytest.fixture
def listed(client, people):
    """``listed(headers=admin's, **query)`` → the ids GET /api/jobs lists, in its order (200 asserted)."""

    def get(headers=None, **query):
        response = client.get("/api/jobs", query_string=query, headers=headers or people.admin.headers)
        assert response.status_code == 200, response.json
        return [job["id"] for job in response.json["items"]]

    return get


def created(user, hours_ago, **overrides):
    """A job created ``hours_ago`` hours ago in county 370112 (contact due 4 h after creation), committed."""
    when = datetime.now(UTC) - timedelta(hours=hours_ago)
    job = services.create_request(user, RequestArgs().load(request_body(serial=None, **overrides)), now=when)
    db.session.commit()
    return job.id


def change(job_id, **values):
    """Set columns of a job as the steps and the scheduler would have, committed."""
    job = db.session.get(Job, job_id)
    for name, value in values.items():
        setattr(job, name, value)
    db.session.commit()


# ---------------------------------------------------------------- filters


def test_unassigned_lists_the_jobs_no_technician_holds(people, open_job, walk, listed):
    new = open_job(serial=None)["id"]
    with_provider = walk(open_job(serial=None), "dispatched")["id"]
    assigned = walk(open_job(serial=None), "assigned")["id"]

    assert sorted(listed(unassigned="true")) == sorted([new, with_provider])
    assert listed(unassigned="false") == [assigned]
    # The board's first view: new, and with a provider that has not given it to a technician yet.
    assert sorted(listed(unassigned="true", state=["new", "dispatched"])) == sorted([new, with_provider])


def test_the_province_filter(guangdong, open_job, listed):
    here = open_job(serial=None)["id"]
    there = open_job(serial="SN-GD", customer_phone="13900000044", region_code="440112")["id"]

    assert listed(province_code="370000") == [here]
    assert listed(province_code="440000") == [there]
    # A city is no province, and an unknown code matches nothing.
    assert listed(province_code="370100") == []
    assert listed(province_code="990000") == []
    # A provincial dispatcher's filter narrows their slice; it never widens it.
    assert listed(guangdong.disp37.headers, province_code="440000") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"unassigned": "maybe"}, "unassigned"),
        ({"order": "sideways"}, "order"),
        ({"province_code": ""}, "province_code"),
    ],
)
def test_bad_board_filters_are_422_naming_the_field(client, people, query, field):
    response = client.get("/api/jobs", query_string=query, headers=people.admin.headers)
    assert_error(response, 422, "validation_error", {field})


# ---------------------------------------------------------------- orders


@pytest.fixture
def board(people):
    """Jobs in county 370112 (contact due 4 h, arrival 48 h, completion 96 h after creation), by name."""
    jobs = {
        "fresh": created(people.agent, 0.5),  # contact due in 3.5 h
        "older": created(people.agent, 2),  # contact due in 2 h
        "late": created(people.agent, 6),  # contact 2 h overdue
        "contacted": created(people.agent, 10),  # contacted: arrival due in 38 h
        "escalated": created(people.agent, 1),  # contact due in 3 h, but escalated
        "cancelled": created(people.agent, 20),  # ended: no deadline
    }
    now = datetime.now(UTC)
    change(jobs["contacted"], contacted_at=now - timedelta(hours=9))
    change(jobs["escalated"], escalated_at=now - timedelta(minutes=5))
    change(jobs["cancelled"], state="cancelled")
    return jobs


def test_urgent_puts_late_and_escalated_jobs_first_then_the_nearest_deadline(board, listed):
    order = ["late", "escalated", "older", "fresh", "contacted", "cancelled"]
    assert listed(order="urgent") == [board[name] for name in order]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("due", ["late", "older", "escalated", "fresh", "contacted", "cancelled"]),
        ("-due", ["cancelled", "contacted", "fresh", "escalated", "older", "late"]),
        ("created", ["cancelled", "contacted", "late", "older", "escalated", "fresh"]),
        ("-created", ["fresh", "escalated", "older", "late", "contacted", "cancelled"]),
        ("newest", ["fresh", "escalated", "older", "late", "contacted", "cancelled"]),
    ],
)
def test_the_board_orders(board, listed, order, expected):
    assert listed(order=order) == [board[name] for name in expected]


def test_number_order_follows_the_job_numbers(board, listed, client, people):
    numbers = {job["id"]: job["number"] for job in client.get("/api/jobs", headers=people.admin.headers).json["items"]}
    assert [numbers[i] for i in listed(order="number")] == sorted(numbers.values())
    assert [numbers[i] for i in listed(order="-number")] == sorted(numbers.values(), reverse=True)


def test_orders_page_without_overlap(board, client, people):
    seen = []
    for page in (1, 2, 3):
        query = {"order": "urgent", "per_page": 2, "page": page}
        seen += [
            job["id"] for job in client.get("/api/jobs", query_string=query, headers=people.admin.headers).json["items"]
        ]
    assert sorted(seen) == sorted(board.values())


@pytest.mark.parametrize(
    ("reached", "deadline"),
    [
        ({}, "contact_due_at"),
        ({"contacted_at": True}, "arrive_due_at"),
        # Arrived without a recorded contact: the clock runs to completion.
        ({"arrived_at": True}, "complete_due_at"),
        ({"contacted_at": True, "arrived_at": True}, "complete_due_at"),
        ({"contacted_at": True, "arrived_at": True, "completed_at": True}, None),
    ],
)
def test_the_next_deadline_is_the_stage_after_the_last_reached(people, reached, deadline):
    job_id = created(people.agent, 1)
    change(job_id, **{name: datetime.now(UTC) for name in reached})
    job = db.session.get(Job, job_id)
    expected = getattr(job, deadline) if deadline else None
    assert db.session.scalar(db.select(queries.next_deadline()).where(Job.id == job_id)) == expected


# ---------------------------------------------------------------- names


def test_jobs_carry_their_providers_name(open_job, walk, fetch):
    assert open_job(serial=None)["provider_name"] is None
    job = walk(open_job(serial=None), "dispatched")
    assert (job["provider_code"], job["provider_name"]) == ("P01", "Provider P01")


def test_events_name_who_acted(client, people, open_job, walk, make_user, auth):
    named = make_user("dispatcher", username="disp_named", display_name="李调度")
    job = open_job(serial=None)
    response = client.post(f"/api/jobs/{job['id']}/dispatch", json={"provider_code": "P01"}, headers=auth(named))
    assert response.status_code == 200, response.json
    events = client.get(f"/api/jobs/{job['id']}/events", headers=people.admin.headers).json
    # The agent has no display name: their username stands for it.
    assert [(event["kind"], event["actor_name"]) for event in events] == [
        ("created", "agent"),
        ("dispatched", "李调度"),
    ]


def test_pushed_ops_carry_the_jobs_number_and_who_pushed_them(client, catalogue, device, on_site):
    job = on_site()
    phone = device("tech1")
    phone.push([phone.op("job.decline", job["id"], {"reason": ""})])

    response = client.get("/api/sync/ops?result=rejected", headers=catalogue.dispatcher.headers)
    assert response.status_code == 200, response.json
    [op] = response.json["items"]
    assert (op["job_id"], op["job_number"], op["user"], op["user_name"]) == (job["id"], job["number"], "tech1", "tech1")


# ---------------------------------------------------------------- a stale screen


def test_a_dispatch_from_a_screen_that_saw_the_job_as_it_is_goes_through(client, people, open_job):
    job = open_job(serial=None)
    body = {"provider_code": "P02", "version": job["version"]}
    response = client.post(f"/api/jobs/{job['id']}/dispatch", json=body, headers=people.dispatcher.headers)
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["provider_code"]) == ("dispatched", "P02")


def test_a_dispatch_from_a_stale_screen_is_409_and_moves_nothing(client, people, open_job, walk, events):
    job = open_job(serial=None)
    walk(job, "dispatched")  # someone else gave it to P01 meanwhile
    body = {"provider_code": "P02", "version": job["version"]}

    response = client.post(f"/api/jobs/{job['id']}/dispatch", json=body, headers=people.dispatcher.headers)

    error = assert_error(response, 409, "job_changed")
    assert error["details"]["state"] == "dispatched"
    assert error["details"]["version"] > job["version"]
    now = client.get(f"/api/jobs/{job['id']}", headers=people.admin.headers).json
    assert now["provider_code"] == "P01"
    assert [event["kind"] for event in events(job["id"])] == ["created", "dispatched"]


@pytest.mark.parametrize("version", [0, "1", 2**31, True])
def test_a_version_that_is_no_version_is_422(client, people, open_job, version):
    job = open_job(serial=None)
    body = {"provider_code": "P01", "version": version}
    response = client.post(f"/api/jobs/{job['id']}/dispatch", json=body, headers=people.dispatcher.headers)
    assert_error(response, 422, "validation_error", {"version"})
