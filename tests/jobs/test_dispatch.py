"""Dispatch: suggested providers, giving a job to a provider (and moving it), and to a technician (and reassigning)."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.jobs.schemas import RequestArgs
from server.jobs.services import lifecycle
from server.jobs.services import requests as services
from server.network.models import Provider
from tests.fixtures.jobs import request_body
from tests.helpers import assert_error


@pytest.fixture
def job(open_job):
    """A new job in county 370112, which P01 and P02 cover through city 370100."""
    return open_job()


@pytest.fixture
def post(client):
    """``post(job_id, step, body, user)`` → the response of POST /api/jobs/<id>/<step>."""

    def send(job_id, step, body, user):
        return client.post(f"/api/jobs/{job_id}/{step}", json=body, headers=user.headers)

    return send


@pytest.fixture
def read(client, people):
    """``read(job_id, user=admin)`` → the job's JSON as ``user`` sees it (200 asserted)."""

    def get(job_id, user=None):
        response = client.get(f"/api/jobs/{job_id}", headers=(user or people.admin).headers)
        assert response.status_code == 200, response.json
        return response.json

    return get


@pytest.fixture
def notifications(client):
    """``notifications(user, job_id)`` → the kinds of the user's notifications about the job, oldest first."""

    def get(user, job_id):
        response = client.get("/api/notifications", headers=user.headers)
        assert response.status_code == 200, response.json
        return [item["kind"] for item in reversed(response.json["items"]) if item["job_id"] == job_id]

    return get


@pytest.fixture
def events(client, people):
    """``events(job_id)`` → ``(kind, actor, from_state, to_state, data)`` of each of the job's events."""

    def get(job_id):
        response = client.get(f"/api/jobs/{job_id}/events", headers=people.admin.headers)
        assert response.status_code == 200, response.json
        return [(e["kind"], e["actor"], e["from_state"], e["to_state"], e["data"]) for e in response.json]

    return get


@pytest.fixture
def suggested(client, people):
    """``suggested(job_id)`` → the suggestions for the job (200 asserted)."""

    def get(job_id):
        response = client.get(f"/api/jobs/{job_id}/suggestions", headers=people.dispatcher.headers)
        assert response.status_code == 200, response.json
        return response.json

    return get


def provider(code):
    return db.session.scalar(select(Provider).where(Provider.code == code))


def give_open_jobs(open_job, walk, technician, count):
    for _ in range(count):
        walk(open_job(serial=None), "dispatched", technician=technician)


# ---------------------------------------------------------------- suggestions


def test_suggestions_list_the_covering_providers_only(job, suggested):
    assert suggested(job["id"]) == [
        {
            "provider_code": "P01",
            "provider_name": "Provider P01",
            "technicians": 2,
            "open_jobs": 0,
            "load_per_technician": 0.0,
            "completed_recently": 0,
            "sla_rate": None,
        },
        {
            "provider_code": "P02",
            "provider_name": "Provider P02",
            "technicians": 1,
            "open_jobs": 0,
            "load_per_technician": 0.0,
            "completed_recently": 0,
            "sla_rate": None,
        },
    ]


def test_a_job_in_the_other_city_is_suggested_its_provider_only(open_job, suggested):
    job = open_job(region_code="370200")
    assert [s["provider_code"] for s in suggested(job["id"])] == ["P03"]


def test_an_inactive_provider_is_not_suggested(job, suggested):
    provider("P01").active = False
    db.session.commit()
    assert [s["provider_code"] for s in suggested(job["id"])] == ["P02"]


@pytest.mark.parametrize(
    ("p01_jobs", "p02_jobs", "order"),
    [
        (2, 0, ["P02", "P01"]),  # P01 busier
        (3, 2, ["P01", "P02"]),  # P01 has more jobs, but fewer per technician (1.5 against 2)
        (0, 1, ["P01", "P02"]),  # P02 busier
        (2, 1, ["P01", "P02"]),  # one each per technician: by code
    ],
    ids=["p01-busier", "per-technician", "p02-busier", "equal"],
)
def test_suggestions_put_the_least_loaded_per_technician_first(
    job, people, open_job, walk, suggested, p01_jobs, p02_jobs, order
):
    give_open_jobs(open_job, walk, people.tech1, p01_jobs)
    give_open_jobs(open_job, walk, people.tech3, p02_jobs)
    suggestions = suggested(job["id"])
    assert [s["provider_code"] for s in suggestions] == order
    loads = {s["provider_code"]: (s["open_jobs"], s["load_per_technician"]) for s in suggestions}
    assert loads == {"P01": (p01_jobs, p01_jobs / 2), "P02": (p02_jobs, p02_jobs / 1)}


def test_ended_jobs_are_no_load(job, people, open_job, walk, suggested):
    walk(open_job(serial=None), "completed", technician=people.tech3)
    cancelled = walk(open_job(serial=None), "dispatched", technician=people.tech3)
    lifecycle.cancel(db.session.get(Job, cancelled["id"]), people.dispatcher, "重复")
    db.session.commit()
    assert {s["provider_code"]: s["open_jobs"] for s in suggested(job["id"])} == {"P01": 0, "P02": 0}


@pytest.fixture
def completion(people, open_job, walk):
    """``completion(technician, late)``: a job of the technician's provider completed now, late or on time."""

    def make(technician, late):
        if late:
            # Created ten days ago in the county: its completion deadline (four days) has passed.
            created = datetime.now(UTC) - timedelta(days=10)
            values = RequestArgs().load(request_body(serial=None))
            record = {"id": services.create_request(people.agent, values, now=created).id}
            db.session.commit()
        else:
            record = open_job(serial=None)
        walk(record, "completed", technician=technician)

    return make


@pytest.mark.parametrize(
    ("p01", "p02", "order"),
    [
        ("late", "on_time", ["P02", "P01"]),
        ("on_time", "late", ["P01", "P02"]),
        (None, "late", ["P01", "P02"]),  # no record counts between a perfect and a poor one
        ("late", None, ["P02", "P01"]),
        (None, "on_time", ["P02", "P01"]),
    ],
    ids=["p01-late", "p02-late", "p02-late-p01-none", "p01-late-p02-none", "p02-on-time-p01-none"],
)
def test_at_equal_load_the_better_sla_record_comes_first(job, people, completion, suggested, p01, p02, order):
    for technician, record in [(people.tech1, p01), (people.tech3, p02)]:
        if record is not None:
            completion(technician, record == "late")
    suggestions = suggested(job["id"])
    assert [s["provider_code"] for s in suggestions] == order
    rates = {"late": 0.0, "on_time": 1.0, None: None}
    assert {s["provider_code"]: s["sla_rate"] for s in suggestions} == {"P01": rates[p01], "P02": rates[p02]}


def test_a_provider_without_technicians_comes_last(job, people, make_provider, open_job, walk, suggested):
    make_provider("P04", region_codes=["370100"])
    give_open_jobs(open_job, walk, people.tech1, 4)
    give_open_jobs(open_job, walk, people.tech3, 3)
    suggestions = suggested(job["id"])
    assert [s["provider_code"] for s in suggestions] == ["P01", "P02", "P04"]
    assert (suggestions[-1]["technicians"], suggestions[-1]["load_per_technician"]) == (0, None)


@pytest.mark.parametrize("role", ["agent", "technician", "provider_manager", "auditor"])
def test_only_dispatch_asks_for_suggestions(client, job, as_role, role):
    response = client.get(f"/api/jobs/{job['id']}/suggestions", headers=as_role(role))
    assert_error(response, 403, "role_forbidden")


# ---------------------------------------------------------------- dispatch


@pytest.mark.parametrize("who", ["dispatcher", "admin"])
def test_dispatch_gives_the_job_to_a_covering_provider(people, job, post, who):
    response = post(job["id"], "dispatch", {"provider_code": "P01"}, getattr(people, who))
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["provider_code"], response.json["technician"]) == (
        "dispatched",
        "P01",
        None,
    )


def test_the_providers_managers_are_told_of_a_dispatch(people, job, post, notifications):
    post(job["id"], "dispatch", {"provider_code": "P01"}, people.dispatcher)
    assert notifications(people.pm1, job["id"]) == ["job_dispatched"]
    assert notifications(people.pm2, job["id"]) == []
    assert notifications(people.tech1, job["id"]) == []


def test_a_dispatch_is_recorded_with_its_dispatcher(people, job, post, events):
    post(job["id"], "dispatch", {"provider_code": "P02", "note": "离得近"}, people.dispatcher)
    assert events(job["id"])[-1] == (
        "dispatched",
        "dispatcher",
        "new",
        "dispatched",
        {"provider": "P02", "previous_provider": None},
    )


def test_a_dispatched_job_names_its_provider_and_its_history_who_acted(client, people, job, post, read):
    """The call centre tells a customer who is coming: the company by its name, each step by the person's name."""
    assert read(job["id"])["provider_name"] is None
    people.dispatcher.display_name = "调度员小李"
    db.session.commit()
    post(job["id"], "dispatch", {"provider_code": "P02"}, people.dispatcher)
    assert (read(job["id"])["provider_code"], read(job["id"])["provider_name"]) == ("P02", "Provider P02")
    history = client.get(f"/api/jobs/{job['id']}/events", headers=people.agent.headers).json
    # Without a display name, the username; the dispatcher by the name they were given.
    assert [(e["kind"], e["actor"], e["actor_name"]) for e in history] == [
        ("created", "agent", "agent"),
        ("dispatched", "dispatcher", "调度员小李"),
    ]


def test_the_provider_sees_the_dispatched_job(people, job, post, read):
    post(job["id"], "dispatch", {"provider_code": "P01"}, people.dispatcher)
    assert read(job["id"], people.pm1)["id"] == job["id"]


@pytest.mark.parametrize(
    "provider_code", ["P03", "P99", "P05", ""], ids=["not-covering", "unknown", "inactive", "empty"]
)
def test_dispatch_to_a_provider_that_cannot_take_the_job_is_422(
    people, job, make_provider, post, snapshot, provider_code
):
    make_provider("P05", region_codes=["370100"])
    provider("P05").active = False
    db.session.commit()
    before = snapshot()
    response = post(job["id"], "dispatch", {"provider_code": provider_code}, people.dispatcher)
    assert_error(response, 422, "validation_error", {"provider_code"})
    assert snapshot() == before


def test_dispatch_without_a_provider_is_422(people, job, post):
    assert_error(post(job["id"], "dispatch", {}, people.dispatcher), 422, "validation_error", {"provider_code"})


@pytest.mark.parametrize("role", ["agent", "provider_manager", "technician", "auditor"])
def test_only_dispatch_dispatches(people, job, as_role, client, snapshot, role):
    headers = as_role(role)
    before = snapshot()
    response = client.post(f"/api/jobs/{job['id']}/dispatch", json={"provider_code": "P01"}, headers=headers)
    assert_error(response, 403, "role_forbidden")
    assert snapshot() == before


def test_a_province_dispatcher_cannot_dispatch_another_provinces_job(people, job, make_user, make_region, auth, client):
    make_region("440000", level="province")
    headers = auth(make_user("dispatcher", region_code="440000"))
    response = client.post(f"/api/jobs/{job['id']}/dispatch", json={"provider_code": "P01"}, headers=headers)
    assert_error(response, 404, "job_not_found")


@pytest.mark.parametrize("state", ["dispatched", "assigned", "accepted", "on_site"])
def test_dispatch_to_the_same_provider_again_is_409(people, job, walk, post, snapshot, state):
    walk(job, state)
    before = snapshot()
    response = post(job["id"], "dispatch", {"provider_code": "P01"}, people.dispatcher)
    assert_error(response, 409, "already_dispatched")
    assert snapshot() == before


def hold_for_parts(job_id, technician):
    lifecycle.hold_for_parts(db.session.get(Job, job_id), technician, note="缺主板")
    db.session.commit()


def cancel(job_id, user):
    lifecycle.cancel(db.session.get(Job, job_id), user, "客户取消")
    db.session.commit()


@pytest.mark.parametrize("state", ["waiting_parts", "completed", "closed", "cancelled"])
def test_a_job_that_cannot_move_is_not_dispatched(people, job, walk, post, snapshot, state):
    if state == "waiting_parts":
        walk(job, "accepted")
        hold_for_parts(job["id"], people.tech1)
    elif state == "cancelled":
        cancel(job["id"], people.agent)
    else:
        walk(job, state)
    before = snapshot()
    response = post(job["id"], "dispatch", {"provider_code": "P02"}, people.dispatcher)
    error = assert_error(response, 409, "illegal_transition")
    assert (error["details"]["state"], error["details"]["action"]) == (state, "dispatch")
    assert snapshot() == before


# ---------------------------------------------------------------- moving a job to another provider


@pytest.fixture
def moved(people, job, walk, post):
    """A job accepted by tech1 of P01, then moved to P02; the response of the move."""
    walk(job, "accepted")
    response = post(job["id"], "dispatch", {"provider_code": "P02", "note": "P01 忙"}, people.dispatcher)
    assert response.status_code == 200, response.json
    return response.json


def test_a_moved_job_is_the_new_providers_without_a_technician(moved):
    assert (moved["state"], moved["provider_code"], moved["technician"]) == ("dispatched", "P02", None)


def test_the_old_provider_and_technician_are_told_the_job_was_withdrawn(people, moved, notifications):
    assert notifications(people.pm1, moved["id"]) == ["job_dispatched", "job_withdrawn"]
    assert notifications(people.tech1, moved["id"]) == ["job_assigned", "job_withdrawn"]
    assert notifications(people.pm2, moved["id"]) == ["job_dispatched"]


def test_the_old_provider_and_technician_no_longer_see_a_moved_job(client, people, moved):
    for user in (people.pm1, people.tech1):
        assert_error(client.get(f"/api/jobs/{moved['id']}", headers=user.headers), 404, "job_not_found")
        assert client.get("/api/jobs", headers=user.headers).json["items"] == []


def test_a_move_is_recorded_as_a_redispatch(people, moved, events):
    assert events(moved["id"])[-1] == (
        "redispatched",
        "dispatcher",
        "accepted",
        "dispatched",
        {"provider": "P02", "previous_provider": "P01"},
    )


def test_the_new_provider_assigns_its_own_technician_to_a_moved_job(people, moved, post):
    response = post(moved["id"], "assign", {"technician_id": people.tech3.id}, people.pm2)
    assert response.status_code == 200, response.json
    assert response.json["technician"]["id"] == people.tech3.id


# ---------------------------------------------------------------- assign


@pytest.fixture
def dispatched(people, job, walk):
    """The job, dispatched to P01 with no technician yet."""
    return walk(job, "dispatched")


@pytest.mark.parametrize("who", ["pm1", "dispatcher", "admin"])
def test_a_technician_of_the_provider_is_assigned(people, dispatched, post, who):
    response = post(dispatched["id"], "assign", {"technician_id": people.tech1.id}, getattr(people, who))
    assert response.status_code == 200, response.json
    assert response.json["state"] == "dispatched"
    assert (response.json["technician"]["id"], response.json["technician"]["username"]) == (people.tech1.id, "tech1")


def test_an_assignment_is_recorded_with_who_made_it(people, dispatched, post, events):
    post(dispatched["id"], "assign", {"technician_id": people.tech2.id}, people.pm1)
    assert events(dispatched["id"])[-1] == (
        "assigned",
        "pm1",
        "dispatched",
        "dispatched",
        {"technician_id": people.tech2.id, "previous_technician_id": None},
    )


def test_the_history_names_who_acted_as_people_know_them(client, people, dispatched, post):
    people.pm1.display_name = "李经理"
    db.session.commit()
    post(dispatched["id"], "assign", {"technician_id": people.tech1.id}, people.pm1)
    response = client.get(f"/api/jobs/{dispatched['id']}/events", headers=people.pm1.headers)
    assert response.status_code == 200, response.json
    # By the display name where the person has one, else by the username.
    assert [(event["kind"], event["actor"], event["actor_name"]) for event in response.json] == [
        ("created", "agent", "agent"),
        ("dispatched", "dispatcher", "dispatcher"),
        ("assigned", "pm1", "李经理"),
    ]


def test_the_assigned_technician_is_told_and_sees_the_job(client, people, dispatched, post, notifications):
    post(dispatched["id"], "assign", {"technician_id": people.tech1.id}, people.pm1)
    assert notifications(people.tech1, dispatched["id"]) == ["job_assigned"]
    assert notifications(people.tech2, dispatched["id"]) == []
    listed = client.get("/api/jobs", headers=people.tech1.headers).json["items"]
    assert [job["id"] for job in listed] == [dispatched["id"]]


def test_the_assigned_technician_may_accept_or_decline(people, dispatched, post, read):
    post(dispatched["id"], "assign", {"technician_id": people.tech1.id}, people.pm1)
    actions = read(dispatched["id"], people.tech1)["actions"]
    assert "accept" in actions
    assert "decline" in actions


@pytest.mark.parametrize("technician", ["tech3", "pm1", "agent", "nobody"])
def test_assigning_someone_who_is_not_the_providers_technician_is_422(people, dispatched, post, snapshot, technician):
    technician_id = 999_999 if technician == "nobody" else getattr(people, technician).id
    before = snapshot()
    response = post(dispatched["id"], "assign", {"technician_id": technician_id}, people.dispatcher)
    error = assert_error(response, 422, "validation_error", {"technician_id"})
    assert error["details"]["fields"]["technician_id"] == [f"provider P01 has no technician {technician_id}"]
    assert snapshot() == before


@pytest.mark.parametrize("other", ["tech3", "pm2"])
@pytest.mark.parametrize("who", ["pm1", "dispatcher"])
def test_an_assign_error_tells_nothing_of_a_user_outside_the_provider(people, dispatched, post, other, who):
    # Another provider's technician (or manager) is answered as an id that is nobody's: no username, no hint.
    user = getattr(people, other)
    theirs = assert_error(
        post(dispatched["id"], "assign", {"technician_id": user.id}, getattr(people, who)), 422, "validation_error"
    )
    nobody = assert_error(
        post(dispatched["id"], "assign", {"technician_id": 999_999}, getattr(people, who)), 422, "validation_error"
    )
    assert user.username not in str(theirs)
    assert str(theirs).replace(str(user.id), "N") == str(nobody).replace("999999", "N")


def test_a_disabled_technician_of_another_provider_is_answered_as_nobody(people, dispatched, post):
    people.tech3.active = False
    db.session.commit()
    error = assert_error(
        post(dispatched["id"], "assign", {"technician_id": people.tech3.id}, people.pm1), 422, "validation_error"
    )
    assert error["details"]["fields"]["technician_id"] == [f"provider P01 has no technician {people.tech3.id}"]


def test_assigning_a_disabled_technician_is_422(people, dispatched, post, snapshot):
    people.tech2.active = False
    db.session.commit()
    before = snapshot()
    response = post(dispatched["id"], "assign", {"technician_id": people.tech2.id}, people.pm1)
    assert_error(response, 422, "validation_error", {"technician_id"})
    assert snapshot() == before


@pytest.mark.parametrize("body", [{}, {"technician_id": "5"}, {"technician_id": None}], ids=["missing", "text", "null"])
def test_an_assignment_needs_a_technician_id(people, dispatched, post, body):
    assert_error(post(dispatched["id"], "assign", body, people.pm1), 422, "validation_error", {"technician_id"})


def test_another_providers_manager_cannot_assign(people, dispatched, post, snapshot):
    before = snapshot()
    response = post(dispatched["id"], "assign", {"technician_id": people.tech3.id}, people.pm2)
    assert_error(response, 404, "job_not_found")
    assert snapshot() == before


@pytest.mark.parametrize("who", ["agent", "tech1"])
def test_only_dispatch_and_the_provider_assign(people, dispatched, post, who):
    response = post(dispatched["id"], "assign", {"technician_id": people.tech1.id}, getattr(people, who))
    assert_error(response, 403, "role_forbidden")


def test_a_new_job_has_no_provider_to_assign_from(people, job, post, snapshot):
    before = snapshot()
    response = post(job["id"], "assign", {"technician_id": people.tech1.id}, people.dispatcher)
    error = assert_error(response, 409, "illegal_transition")
    assert (error["details"]["state"], error["details"]["action"]) == ("new", "assign")
    assert snapshot() == before


@pytest.mark.parametrize("state", ["completed", "closed", "cancelled"])
def test_an_ended_job_is_not_assigned(people, job, walk, post, snapshot, state):
    if state == "cancelled":
        walk(job, "assigned")
        cancel(job["id"], people.agent)
    else:
        walk(job, state)
    before = snapshot()
    response = post(job["id"], "assign", {"technician_id": people.tech2.id}, people.pm1)
    assert_error(response, 409, "illegal_transition")
    assert snapshot() == before


def test_assigning_the_same_technician_again_is_409(people, job, walk, post, snapshot):
    walk(job, "assigned")
    before = snapshot()
    response = post(job["id"], "assign", {"technician_id": people.tech1.id}, people.pm1)
    assert_error(response, 409, "already_assigned")
    assert snapshot() == before


def test_a_job_waiting_for_parts_keeps_waiting_when_reassigned(people, job, walk, post):
    walk(job, "accepted")
    hold_for_parts(job["id"], people.tech1)
    response = post(job["id"], "assign", {"technician_id": people.tech2.id}, people.pm1)
    assert response.status_code == 200, response.json
    assert (response.json["state"], response.json["technician"]["id"]) == ("waiting_parts", people.tech2.id)


# ---------------------------------------------------------------- reassign


@pytest.fixture
def reassigned(people, job, walk, post):
    """The job accepted by tech1, then handed to tech2 by pm1; the response of the reassignment."""
    walk(job, "accepted")
    response = post(job["id"], "assign", {"technician_id": people.tech2.id, "note": "tech1 病假"}, people.pm1)
    assert response.status_code == 200, response.json
    return response.json


def test_a_reassigned_job_goes_back_to_dispatched_with_the_new_technician(reassigned, people):
    assert (reassigned["state"], reassigned["technician"]["id"], reassigned["provider_code"]) == (
        "dispatched",
        people.tech2.id,
        "P01",
    )


def test_the_previous_technician_is_told_and_loses_the_job(client, people, reassigned, notifications):
    assert notifications(people.tech1, reassigned["id"]) == ["job_assigned", "job_reassigned"]
    assert_error(client.get(f"/api/jobs/{reassigned['id']}", headers=people.tech1.headers), 404, "job_not_found")
    assert client.get("/api/jobs", headers=people.tech1.headers).json["items"] == []


def test_the_previous_technician_can_no_longer_work_the_job(people, reassigned, post, snapshot):
    before = snapshot()
    assert_error(post(reassigned["id"], "depart", {}, people.tech1), 404, "job_not_found")
    assert snapshot() == before


def test_the_new_technician_is_told_and_must_accept(people, reassigned, notifications, read):
    assert notifications(people.tech2, reassigned["id"]) == ["job_assigned"]
    assert read(reassigned["id"], people.tech2)["actions"] == ["accept", "decline", "contact"]


def test_a_reassignment_is_recorded_with_who_made_it(people, reassigned, events):
    assert events(reassigned["id"])[-1] == (
        "reassigned",
        "pm1",
        "accepted",
        "dispatched",
        {"technician_id": people.tech2.id, "previous_technician_id": people.tech1.id},
    )


def test_the_history_shows_both_assignments(people, reassigned, events):
    kinds = [(kind, actor) for kind, actor, *_ in events(reassigned["id"])]
    assert kinds == [
        ("created", "agent"),
        ("dispatched", "dispatcher"),
        ("assigned", "dispatcher"),
        ("accept", "tech1"),
        ("reassigned", "pm1"),
    ]
