"""GET /api/jobs and GET /api/jobs/<id>: each role's slice, the filters, pages, and the actions offered."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from server.extensions import db
from server.jobs.schemas import RequestArgs
from server.jobs.services import requests as services
from server.jobs.services import sla
from tests.fixtures.jobs import request_body
from tests.helpers import assert_error

LOCAL = timedelta(hours=8)


def local_today():
    return (datetime.now(UTC) + LOCAL).date()


@pytest.fixture
def far_province(make_region):
    """Province 440000 with city 440100: outside the world's province."""
    make_region("440000", level="province")
    make_region("440100", level="city", parent_code="440000")


@pytest.fixture
def slices(people, far_province, open_job, walk):
    """Jobs by name: ``new`` (no provider), ``t1``/``t2``/``t3`` (assigned to tech1/2/3), ``far`` (city 440100)."""
    jobs = {"new": open_job()}
    for name, technician in [("t1", people.tech1), ("t2", people.tech2), ("t3", people.tech3)]:
        jobs[name] = walk(open_job(serial=None), "assigned", technician=technician)
    jobs["far"] = open_job(serial=None, region_code="440100")
    return {name: job["id"] for name, job in jobs.items()}


@pytest.fixture
def headers_of(people, make_user, auth):
    """``headers_of("pm1")`` → the headers of a person of the world, or of a user made for the name."""
    made = {
        "province_dispatcher": ("dispatcher", {"region_code": "370000"}),
        "far_dispatcher": ("dispatcher", {"region_code": "440000"}),
        "auditor": ("auditor", {}),
        "parts_clerk": ("parts_clerk", {}),
        "hq_planner": ("hq_planner", {}),
    }

    def get(name):
        if name in made:
            role, fields = made[name]
            return auth(make_user(role, **fields))
        return getattr(people, name).headers

    return get


@pytest.fixture
def listed(client, people):
    """``listed(headers=admin's, **query)`` → the ids of the jobs GET /api/jobs lists (200 asserted)."""

    def get(headers=None, **query):
        response = client.get("/api/jobs", query_string=query, headers=headers or people.admin.headers)
        assert response.status_code == 200, response.json
        return [job["id"] for job in response.json["items"]]

    return get


def create_at(user, when, **overrides):
    """A job created through the service at ``when`` (a UTC instant), committed."""
    job = services.create_request(user, RequestArgs().load(request_body(serial=None, **overrides)), now=when)
    db.session.commit()
    return job.id


# ---------------------------------------------------------------- slices


EVERYONE = ["new", "t1", "t2", "t3", "far"]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("tech1", ["t1"]),
        ("tech2", ["t2"]),
        ("tech3", ["t3"]),
        ("pm1", ["t1", "t2"]),
        ("pm2", ["t3"]),
        ("province_dispatcher", ["new", "t1", "t2", "t3"]),
        ("far_dispatcher", ["far"]),
        ("dispatcher", EVERYONE),
        ("agent", EVERYONE),
        ("admin", EVERYONE),
        ("auditor", EVERYONE),
    ],
)
def test_each_role_lists_its_slice(slices, headers_of, listed, who, sees):
    assert sorted(listed(headers_of(who))) == sorted(slices[name] for name in sees)


@pytest.mark.parametrize("who", ["parts_clerk", "hq_planner"])
def test_roles_without_jobs_may_not_list_them(client, slices, headers_of, who):
    assert_error(client.get("/api/jobs", headers=headers_of(who)), 403, "role_forbidden")


@pytest.mark.parametrize("who", ["parts_clerk", "hq_planner"])
def test_roles_without_jobs_may_not_read_one(client, slices, headers_of, who):
    assert_error(client.get(f"/api/jobs/{slices['t1']}", headers=headers_of(who)), 403, "role_forbidden")


@pytest.mark.parametrize(
    ("who", "job"),
    [
        ("tech2", "t1"),
        ("tech1", "new"),
        ("tech3", "t1"),
        ("pm2", "t1"),
        ("pm1", "t3"),
        ("pm1", "new"),
        ("far_dispatcher", "t1"),
        ("province_dispatcher", "far"),
    ],
)
def test_a_job_outside_the_callers_slice_is_404(client, slices, headers_of, who, job):
    response = client.get(f"/api/jobs/{slices[job]}", headers=headers_of(who))
    assert_error(response, 404, "job_not_found")


@pytest.mark.parametrize(
    ("who", "job"), [("tech1", "t1"), ("pm1", "t2"), ("pm2", "t3"), ("province_dispatcher", "new")]
)
def test_a_job_inside_the_callers_slice_is_read(client, slices, headers_of, who, job):
    response = client.get(f"/api/jobs/{slices[job]}", headers=headers_of(who))
    assert response.status_code == 200, response.json
    assert response.json["id"] == slices[job]


def test_an_unknown_job_is_404(client, people):
    assert_error(client.get("/api/jobs/999999", headers=people.admin.headers), 404, "job_not_found")


def test_the_events_of_a_job_outside_the_slice_are_404(client, slices, people):
    response = client.get(f"/api/jobs/{slices['t1']}/events", headers=people.tech2.headers)
    assert_error(response, 404, "job_not_found")


# ---------------------------------------------------------------- actions


@pytest.mark.parametrize(
    ("who", "state", "actions"),
    [
        ("tech1", "assigned", ["accept", "decline", "contact"]),
        ("tech1", "accepted", ["decline", "contact", "depart", "arrive", "scan", "use_parts", "report_shortage"]),
        ("tech1", "on_site", ["contact", "scan", "use_parts", "report_shortage", "complete"]),
        ("pm1", "assigned", ["assign", "contact"]),
        ("pm1", "completed", ["close"]),
        ("dispatcher", "new", ["dispatch", "cancel", "escalate"]),
        ("dispatcher", "accepted", ["dispatch", "assign", "cancel", "escalate"]),
        ("dispatcher", "completed", ["close", "escalate"]),
        ("agent", "assigned", ["cancel", "escalate"]),
        ("auditor", "assigned", []),
    ],
)
def test_actions_list_the_steps_the_caller_may_take_now(client, open_job, walk, headers_of, who, state, actions):
    job = walk(open_job(), state)
    response = client.get(f"/api/jobs/{job['id']}", headers=headers_of(who))
    assert response.status_code == 200, response.json
    assert response.json["actions"] == actions


def test_a_dispatched_job_without_a_technician_offers_no_accept(client, people, open_job, walk):
    job = walk(open_job(), "dispatched")
    assert client.get(f"/api/jobs/{job['id']}", headers=people.pm1.headers).json["actions"] == ["assign", "contact"]


def test_the_listed_jobs_carry_the_callers_actions(people, slices, client):
    (job,) = client.get("/api/jobs", headers=people.tech1.headers).json["items"]
    assert job["actions"] == ["accept", "decline", "contact"]


# ---------------------------------------------------------------- filters


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "new"}, ["new", "far"]),
        ({"state": "dispatched"}, ["t1", "t2", "t3"]),
        ({"state": ["new", "dispatched"]}, EVERYONE),
        ({"state": "closed"}, []),
    ],
    ids=["new", "dispatched", "both", "none"],
)
def test_the_state_filter_is_repeatable(slices, listed, query, expected):
    assert sorted(listed(**query)) == sorted(slices[name] for name in expected)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"provider_code": "P01"}, ["t1", "t2"]),
        ({"provider_code": "P02"}, ["t3"]),
        ({"provider_code": "P03"}, []),
    ],
)
def test_the_provider_filter(slices, listed, query, expected):
    assert sorted(listed(**query)) == sorted(slices[name] for name in expected)


@pytest.mark.parametrize(("technician", "expected"), [("tech1", ["t1"]), ("tech3", ["t3"]), ("pm1", [])])
def test_the_technician_filter(slices, people, listed, technician, expected):
    ids = listed(technician_id=getattr(people, technician).id)
    assert sorted(ids) == sorted(slices[name] for name in expected)


def test_filters_narrow_the_slice_they_do_not_widen_it(slices, people, listed):
    assert listed(people.tech1.headers, technician_id=people.tech2.id) == []
    assert listed(people.pm1.headers, provider_code="P02") == []


@pytest.fixture
def around_midnight(people):
    """Jobs created just before and just after local midnight starting 2024-03-02 (16:00 UTC on 03-01)."""
    return {
        "late_on_1st": create_at(people.agent, datetime(2024, 3, 1, 15, 30, tzinfo=UTC)),
        "early_on_2nd": create_at(people.agent, datetime(2024, 3, 1, 16, 30, tzinfo=UTC)),
        "late_on_2nd": create_at(people.agent, datetime(2024, 3, 2, 15, 59, tzinfo=UTC)),
        "on_3rd": create_at(people.agent, datetime(2024, 3, 2, 16, 0, tzinfo=UTC)),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"created_from": "2024-03-02"}, ["early_on_2nd", "late_on_2nd", "on_3rd"]),
        ({"created_to": "2024-03-01"}, ["late_on_1st"]),
        ({"created_from": "2024-03-02", "created_to": "2024-03-02"}, ["early_on_2nd", "late_on_2nd"]),
        ({"created_from": "2024-03-03"}, ["on_3rd"]),
        ({"created_to": "2024-02-29"}, []),
    ],
    ids=["from-2nd", "to-1st", "the-2nd", "from-3rd", "to-before"],
)
def test_creation_days_are_local_days(around_midnight, listed, query, expected):
    assert sorted(listed(**query)) == sorted(around_midnight[name] for name in expected)


def test_a_creation_range_that_ends_before_it_starts_is_422(client, people):
    response = client.get(
        "/api/jobs",
        query_string={"created_from": "2024-03-02", "created_to": "2024-03-01"},
        headers=people.admin.headers,
    )
    assert_error(response, 422, "validation_error", {"created_to"})


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"appointment_on": "2024-02-30"}, "appointment_on"),
        ({"technician_id": "x"}, "technician_id"),
        ({"overdue": "maybe"}, "overdue"),
        ({"page": 0}, "page"),
    ],
    ids=["state", "created-from", "appointment-on", "technician", "overdue", "page"],
)
def test_bad_filters_are_422_naming_the_field(client, people, query, field):
    response = client.get("/api/jobs", query_string=query, headers=people.admin.headers)
    assert_error(response, 422, "validation_error", {field})


@pytest.fixture
def appointments(client, people, open_job, walk):
    """Two jobs with appointments just after local midnight of the day after tomorrow and the day after."""
    day = local_today() + timedelta(days=2)
    jobs = {}
    for name, when in [("early_on_day", day), ("early_on_next", day + timedelta(days=1))]:
        job = walk(open_job(serial=None), "assigned", technician=people.tech1)
        appointment = f"{when.isoformat()}T00:30:00+08:00"
        response = client.post(
            f"/api/jobs/{job['id']}/contact", json={"appointment_at": appointment}, headers=people.tech1.headers
        )
        assert response.status_code == 200, response.json
        jobs[name] = job["id"]
    walk(open_job(serial=None), "assigned")  # a job without an appointment
    return day, jobs


@pytest.mark.parametrize(
    ("offset", "expected"), [(-1, []), (0, ["early_on_day"]), (1, ["early_on_next"])], ids=["before", "day", "next"]
)
def test_the_appointment_filter_takes_a_local_day(appointments, listed, offset, expected):
    day, jobs = appointments
    assert listed(appointment_on=(day + timedelta(days=offset)).isoformat()) == [jobs[name] for name in expected]


@pytest.fixture
def overdue_and_not(people, open_job):
    """One job the scheduler marked overdue, one created afterwards that is not."""
    late = open_job(serial="SN-OLD")
    sla.mark_overdue(now=datetime.now(UTC) + timedelta(days=30))
    db.session.commit()
    return {"late": late["id"], "fresh": open_job()["id"]}


@pytest.mark.parametrize(("value", "expected"), [("true", "late"), ("false", "fresh")])
def test_the_overdue_filter(overdue_and_not, listed, value, expected):
    assert listed(overdue=value) == [overdue_and_not[expected]]


def test_without_the_overdue_filter_both_are_listed(overdue_and_not, listed):
    assert sorted(listed()) == sorted(overdue_and_not.values())


# ---------------------------------------------------------------- pages


@pytest.fixture
def three_jobs(open_job):
    """Three jobs, oldest first."""
    return [open_job(serial=None)["id"] for _ in range(3)]


def test_the_list_is_newest_first(three_jobs, listed):
    assert listed() == list(reversed(three_jobs))


@pytest.mark.parametrize(("page", "items"), [(1, [2, 1]), (2, [0]), (3, [])], ids=["first", "last", "past-the-end"])
def test_pages_carry_the_envelope(client, people, three_jobs, page, items):
    response = client.get("/api/jobs", query_string={"per_page": 2, "page": page}, headers=people.admin.headers)
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) == {"items", "page", "per_page", "total", "pages"}
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (page, 2, 3, 2)
    assert [job["id"] for job in body["items"]] == [three_jobs[i] for i in items]


def test_the_total_counts_the_filtered_slice(client, people, slices):
    body = client.get("/api/jobs", query_string={"per_page": 1}, headers=people.pm1.headers).json
    assert (body["total"], body["pages"], len(body["items"])) == (2, 2, 1)


def test_an_empty_list_has_no_pages(client, people):
    body = client.get("/api/jobs", headers=people.admin.headers).json
    assert body == {"items": [], "page": 1, "per_page": 50, "total": 0, "pages": 0}
