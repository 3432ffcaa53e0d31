"""A job's state machine through the API: which step is legal from which state, who may take it, what it records.

States are reached with ``walk`` (``assigned`` is ``dispatched`` with a
technician; ``scanned`` is ``on_site`` with a camera scan), plus
``waiting_parts`` (on site, then put on hold through the service: there is no
route yet) and ``cancelled`` (accepted, then cancelled by the dispatcher).
Field steps are tech1's, close and cancel the dispatcher's, escalate the agent's.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from server.errors import Conflict
from server.errors import Forbidden
from server.extensions import db
from server.jobs.models import Job
from server.jobs.services import lifecycle
from tests.fixtures.jobs import later
from tests.helpers import assert_error

CHINA = timezone(timedelta(hours=8))

# The state the job is really in, for the names the table uses.
ACTUAL = {"assigned": "dispatched", "scanned": "on_site"}

# step endpoint: (who takes it, the body of a valid call)
STEP_CALLS = {
    "accept": ("tech1", dict),
    "decline": ("tech1", lambda: {"reason": "不在服务范围"}),
    "contact": ("tech1", lambda: {"appointment_at": later(days=1), "note": "约好了"}),
    "depart": ("tech1", dict),
    "arrive": ("tech1", dict),
    "scans": ("tech1", lambda: {"serial": "SN-IN", "source": "camera", "symbology": "CODE128"}),
    "complete": ("tech1", lambda: {"summary": "换主板", "confirmed_by": "王先生"}),
    "close": ("dispatcher", dict),
    "cancel": ("dispatcher", lambda: {"reason": "客户取消"}),
    "escalate": ("agent", lambda: {"reason": "客户投诉"}),
}

# The event kind each endpoint records.
EVENT_KIND = {name: name for name in STEP_CALLS} | {"scans": "scan"}

FIELD_ENDPOINTS = ("accept", "decline", "contact", "depart", "arrive", "scans", "complete")

# Written down here, not read from lifecycle.STEPS: the table is the specification.
OPEN = ["new", "dispatched", "accepted", "en_route", "on_site", "waiting_parts"]
ALLOWED_FROM = {
    "accept": ["dispatched"],
    "decline": ["dispatched", "accepted"],
    "contact": ["dispatched", "accepted", "en_route", "on_site", "waiting_parts"],
    "depart": ["accepted"],
    "arrive": ["accepted", "en_route"],
    "scans": ["accepted", "en_route", "on_site", "waiting_parts", "completed"],
    "complete": ["on_site"],
    "close": ["completed"],
    "cancel": OPEN,
    "escalate": [*OPEN, "completed"],
}


@pytest.fixture
def stored(people):
    """``stored(job_id)`` → the Job row, read fresh, in the test's session (for the service functions)."""

    def read(job_id):
        db.session.expire_all()
        return db.session.get(Job, job_id)

    return read


@pytest.fixture
def reach(client, people, open_job, walk, stored, fetch):
    """``reach(state, **request_fields)`` → the JSON of a new job brought to ``state`` (see the module docstring)."""

    def make(state, **request_fields):
        job = open_job(**request_fields)
        if state == "waiting_parts":
            walk(job, "on_site")
            lifecycle.hold_for_parts(stored(job["id"]), people.tech1, note="缺主板")
            db.session.commit()
        elif state == "cancelled":
            walk(job, "accepted")
            response = client.post(
                f"/api/jobs/{job['id']}/cancel", json={"reason": "客户取消"}, headers=people.dispatcher.headers
            )
            assert response.status_code == 200, response.get_json()
        else:
            walk(job, state)
        return fetch(job["id"])

    return make


@pytest.fixture
def step(client, people):
    """``step(job, endpoint, user=None, **body)`` → the response of that step, by its usual actor unless ``user``."""

    def post(job, endpoint, user=None, **body):
        actor, make_body = STEP_CALLS[endpoint]
        user = user or getattr(people, actor)
        payload = make_body() | body
        return client.post(f"/api/jobs/{job['id']}/{endpoint}", json=payload, headers=user.headers)

    return post


# ---------------------------------------------------------------- the state machine


LEGAL = [
    ("assigned", "accept", "accepted"),
    ("assigned", "decline", "dispatched"),
    ("accepted", "decline", "dispatched"),
    ("assigned", "contact", "dispatched"),
    ("accepted", "contact", "accepted"),
    ("en_route", "contact", "en_route"),
    ("on_site", "contact", "on_site"),
    ("waiting_parts", "contact", "waiting_parts"),
    ("accepted", "depart", "en_route"),
    ("accepted", "arrive", "on_site"),
    ("en_route", "arrive", "on_site"),
    ("accepted", "scans", "accepted"),
    ("en_route", "scans", "en_route"),
    ("on_site", "scans", "on_site"),
    ("waiting_parts", "scans", "waiting_parts"),
    ("completed", "scans", "completed"),
    ("on_site", "complete", "completed"),
    ("scanned", "complete", "completed"),
    ("completed", "close", "closed"),
    ("new", "cancel", "cancelled"),
    ("dispatched", "cancel", "cancelled"),
    ("assigned", "cancel", "cancelled"),
    ("accepted", "cancel", "cancelled"),
    ("en_route", "cancel", "cancelled"),
    ("on_site", "cancel", "cancelled"),
    ("waiting_parts", "cancel", "cancelled"),
    ("new", "escalate", "new"),
    ("dispatched", "escalate", "dispatched"),
    ("accepted", "escalate", "accepted"),
    ("on_site", "escalate", "on_site"),
    ("waiting_parts", "escalate", "waiting_parts"),
    ("completed", "escalate", "completed"),
]


@pytest.mark.parametrize(("state", "endpoint", "after"), LEGAL, ids=[f"{s}-{e}" for s, e, _ in LEGAL])
def test_a_legal_step_moves_the_job_and_records_the_transition(reach, step, fetch, events, state, endpoint, after):
    job = reach(state)
    before = events(job["id"])
    response = step(job, endpoint)
    assert response.status_code in (200, 201), response.get_json()
    assert fetch(job["id"])["state"] == after
    recorded = events(job["id"])
    assert len(recorded) == len(before) + 1
    last = recorded[-1]
    assert (last["kind"], last["from_state"], last["to_state"]) == (
        EVENT_KIND[endpoint],
        ACTUAL.get(state, state),
        after,
    )


ILLEGAL = [
    # accept: only a dispatched job with its technician
    ("accepted", "accept"),
    ("en_route", "accept"),
    ("on_site", "accept"),
    ("waiting_parts", "accept"),
    ("completed", "accept"),
    ("closed", "accept"),
    # depart before accept, or twice
    ("assigned", "depart"),
    ("en_route", "depart"),
    ("on_site", "depart"),
    ("completed", "depart"),
    # arrive before accept, twice, after the work
    ("assigned", "arrive"),
    ("on_site", "arrive"),
    ("waiting_parts", "arrive"),
    ("completed", "arrive"),
    ("closed", "arrive"),
    # complete before arrival, twice
    ("assigned", "complete"),
    ("accepted", "complete"),
    ("en_route", "complete"),
    ("waiting_parts", "complete"),
    ("completed", "complete"),
    ("closed", "complete"),
    # decline once under way
    ("en_route", "decline"),
    ("on_site", "decline"),
    ("waiting_parts", "decline"),
    ("completed", "decline"),
    # contact once the work is done
    ("completed", "contact"),
    ("closed", "contact"),
    # a scan before accepting, after close-out
    ("assigned", "scans"),
    ("closed", "scans"),
    # close before completion, twice
    ("new", "close"),
    ("dispatched", "close"),
    ("assigned", "close"),
    ("accepted", "close"),
    ("en_route", "close"),
    ("on_site", "close"),
    ("scanned", "close"),
    ("waiting_parts", "close"),
    ("closed", "close"),
    # cancel a job that has ended or been worked
    ("completed", "cancel"),
    ("closed", "cancel"),
    ("cancelled", "cancel"),
    # escalate a job that has ended
    ("closed", "escalate"),
    ("cancelled", "escalate"),
    # any field step on a cancelled job (its technician still sees it)
    *[("cancelled", endpoint) for endpoint in FIELD_ENDPOINTS],
    ("cancelled", "close"),
]


@pytest.mark.parametrize(("state", "endpoint"), ILLEGAL, ids=[f"{s}-{e}" for s, e in ILLEGAL])
def test_an_illegal_step_is_409_naming_state_action_and_allowed_states_and_changes_nothing(
    reach, step, fetch, events, snapshot, state, endpoint
):
    job = reach(state)
    recorded = events(job["id"])
    before = snapshot()
    error = assert_error(step(job, endpoint), 409, "illegal_transition")
    assert error["details"] == {
        "state": ACTUAL.get(state, state),
        "action": EVENT_KIND[endpoint],
        "allowed_from": ALLOWED_FROM[endpoint],
    }
    assert snapshot() == before
    again = fetch(job["id"])
    assert (again["state"], again["version"]) == (job["state"], job["version"])
    assert events(job["id"]) == recorded


@pytest.mark.parametrize(
    ("state", "endpoint"),
    [
        ("new", "accept"),
        ("dispatched", "accept"),
        ("dispatched", "decline"),
        ("new", "arrive"),
        ("dispatched", "scans"),
    ],
)
def test_a_technician_cannot_even_see_a_job_not_yet_assigned_to_them(reach, step, snapshot, state, endpoint):
    job = reach(state)
    before = snapshot()
    assert_error(step(job, endpoint), 404, "job_not_found")
    assert snapshot() == before


def test_accepting_a_new_job_is_an_illegal_transition_in_the_service(reach, people, stored):
    job = reach("new")
    with pytest.raises(Conflict) as caught:
        lifecycle.accept(stored(job["id"]), people.tech1)
    db.session.rollback()
    assert caught.value.code == "illegal_transition"
    assert caught.value.details == {"state": "new", "action": "accept", "allowed_from": ["dispatched"]}
    assert stored(job["id"]).state == "new"


ACTIONS = [
    ("tech1", "assigned", ["accept", "decline", "contact"]),
    ("tech1", "accepted", ["decline", "contact", "depart", "arrive", "scan", "use_parts", "report_shortage"]),
    ("tech1", "on_site", ["contact", "scan", "use_parts", "report_shortage", "complete"]),
    ("tech1", "waiting_parts", ["contact", "scan", "use_parts", "report_shortage"]),
    ("tech1", "completed", ["scan", "use_parts"]),
    ("tech1", "closed", []),
    ("tech1", "cancelled", []),
    ("pm1", "assigned", ["assign", "contact"]),
    ("pm1", "completed", ["close"]),
    ("dispatcher", "new", ["dispatch", "cancel", "escalate"]),
    ("dispatcher", "on_site", ["dispatch", "assign", "cancel", "escalate"]),
    ("dispatcher", "waiting_parts", ["assign", "cancel", "escalate"]),
    ("dispatcher", "completed", ["close", "escalate"]),
    ("agent", "on_site", ["cancel", "escalate"]),
    ("agent", "closed", []),
]


@pytest.mark.parametrize(("who", "state", "actions"), ACTIONS, ids=[f"{w}-{s}" for w, s, _ in ACTIONS])
def test_the_job_offers_the_steps_the_caller_may_take_now(reach, people, fetch, who, state, actions):
    job = reach(state)
    assert sorted(fetch(job["id"], headers=getattr(people, who).headers)["actions"]) == sorted(actions)


# ---------------------------------------------------------------- the record of each step


def china_time(**delta):
    """A device clock reading in China (+08:00), with microseconds, ``delta`` from now."""
    return (datetime.now(CHINA) + timedelta(minutes=-3, **delta)).isoformat()


FIELD_STEPS = [
    ("assigned", "accept"),
    ("assigned", "decline"),
    ("accepted", "contact"),
    ("accepted", "depart"),
    ("en_route", "arrive"),
    ("on_site", "scans"),
    ("on_site", "complete"),
]


@pytest.mark.parametrize(("state", "endpoint"), FIELD_STEPS, ids=[e for _, e in FIELD_STEPS])
def test_a_field_step_keeps_the_device_time_as_the_same_instant(reach, step, events, state, endpoint):
    job = reach(state)
    sent = china_time()
    assert step(job, endpoint, device_time=sent).status_code in (200, 201)
    last = events(job["id"])[-1]
    assert last["kind"] == EVENT_KIND[endpoint]
    assert datetime.fromisoformat(last["device_time"]) == datetime.fromisoformat(sent)


@pytest.mark.parametrize(("state", "endpoint"), FIELD_STEPS, ids=[e for _, e in FIELD_STEPS])
def test_a_field_step_without_device_time_records_none(reach, step, events, state, endpoint):
    job = reach(state)
    assert step(job, endpoint).status_code in (200, 201)
    assert events(job["id"])[-1]["device_time"] is None


STEPS_BY_WHOM = [
    ("assigned", "accept", "tech1"),
    ("accepted", "depart", "tech1"),
    ("en_route", "arrive", "tech1"),
    ("on_site", "scans", "tech1"),
    ("on_site", "complete", "tech1"),
    ("completed", "close", "dispatcher"),
    ("accepted", "cancel", "dispatcher"),
    ("accepted", "escalate", "agent"),
]


@pytest.mark.parametrize(("state", "endpoint", "actor"), STEPS_BY_WHOM, ids=[e for _, e, _ in STEPS_BY_WHOM])
def test_a_step_records_who_took_it_and_the_servers_time(reach, step, events, state, endpoint, actor):
    job = reach(state)
    start = datetime.now(UTC)
    assert step(job, endpoint).status_code in (200, 201)
    end = datetime.now(UTC)
    last = events(job["id"])[-1]
    assert (last["kind"], last["actor"]) == (EVENT_KIND[endpoint], actor)
    assert start <= datetime.fromisoformat(last["at"]) <= end


def test_the_server_time_is_recorded_whatever_the_device_says(reach, step, events):
    job = reach("accepted")
    start = datetime.now(UTC)
    assert step(job, "depart", device_time=china_time(days=-2)).status_code == 200
    assert datetime.fromisoformat(events(job["id"])[-1]["at"]) >= start


@pytest.mark.parametrize(("state", "endpoint"), FIELD_STEPS, ids=[e for _, e in FIELD_STEPS])
def test_a_device_time_without_offset_is_422_and_changes_nothing(reach, step, snapshot, state, endpoint):
    job = reach(state)
    naive = datetime.now(CHINA).replace(tzinfo=None).isoformat()
    before = snapshot()
    assert_error(step(job, endpoint, device_time=naive), 422, "validation_error", fields=["device_time"])
    assert snapshot() == before


def test_the_version_increases_with_each_change(client, people, open_job):
    job = open_job()
    versions = [job["version"]]
    path = f"/api/jobs/{job['id']}"
    for suffix, body, user in [
        ("/dispatch", {"provider_code": "P01"}, people.dispatcher),
        ("/assign", {"technician_id": people.tech1.id}, people.dispatcher),
        ("/accept", {}, people.tech1),
        ("/contact", {"appointment_at": later(days=1)}, people.tech1),
        ("/depart", {}, people.tech1),
        ("/arrive", {}, people.tech1),
        ("/complete", {"summary": "换主板", "confirmed_by": "王先生"}, people.tech1),
        ("/escalate", {"reason": "客户投诉"}, people.agent),
    ]:
        response = client.post(path + suffix, json=body, headers=user.headers)
        assert response.status_code == 200, (suffix, response.get_json())
        payload = response.get_json()
        versions.append(payload["job"]["version"] if suffix == "/escalate" else payload["version"])
    assert versions == sorted(set(versions)), versions
    assert client.get(path, headers=people.admin.headers).get_json()["version"] == versions[-1]


# ---------------------------------------------------------------- who may take a step


OTHERS_JOB = [
    ("assigned", "accept"),
    ("assigned", "decline"),
    ("assigned", "contact"),
    ("accepted", "depart"),
    ("accepted", "arrive"),
    ("on_site", "scans"),
    ("on_site", "complete"),
]


@pytest.mark.parametrize("other", ["tech2", "tech3"], ids=["same-provider", "other-provider"])
@pytest.mark.parametrize(("state", "endpoint"), OTHERS_JOB, ids=[e for _, e in OTHERS_JOB])
def test_another_technician_cannot_see_the_job_and_changes_nothing(
    reach, step, people, snapshot, other, state, endpoint
):
    job = reach(state)
    before = snapshot()
    assert_error(step(job, endpoint, user=getattr(people, other)), 404, "job_not_found")
    assert snapshot() == before


FORBIDDEN = [
    ("assigned", "accept", "pm1"),
    ("assigned", "decline", "pm1"),
    ("accepted", "depart", "pm1"),
    ("on_site", "complete", "pm1"),
    ("assigned", "accept", "dispatcher"),
    ("on_site", "scans", "dispatcher"),
    ("assigned", "contact", "agent"),
    ("completed", "close", "agent"),
    ("completed", "close", "tech1"),
    ("accepted", "cancel", "tech1"),
    ("accepted", "cancel", "pm1"),
    ("accepted", "escalate", "tech1"),
    ("accepted", "escalate", "pm1"),
]


@pytest.mark.parametrize(("state", "endpoint", "who"), FORBIDDEN, ids=[f"{w}-{e}" for _, e, w in FORBIDDEN])
def test_a_role_that_may_not_take_the_step_is_403_and_changes_nothing(
    reach, step, people, snapshot, state, endpoint, who
):
    job = reach(state)
    before = snapshot()
    assert_error(step(job, endpoint, user=getattr(people, who)), 403, "role_forbidden")
    assert snapshot() == before


@pytest.mark.parametrize("state", ["dispatched", "assigned"])
def test_the_providers_manager_may_record_the_customer_contact(reach, step, people, events, state):
    job = reach(state)
    response = step(job, "contact", user=people.pm1)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["sla"]["contacted_at"] is not None
    assert events(job["id"])[-1]["actor"] == "pm1"


def test_another_providers_manager_cannot_see_the_job(reach, step, people, snapshot):
    job = reach("assigned")
    before = snapshot()
    assert_error(step(job, "contact", user=people.pm2), 404, "job_not_found")
    assert snapshot() == before


# ---------------------------------------------------------------- contact


def test_contact_sets_the_contact_time_and_the_appointment(reach, step):
    job = reach("accepted")
    appointment = later(days=2)
    start = datetime.now(UTC)
    answer = step(job, "contact", appointment_at=appointment).get_json()
    assert start <= datetime.fromisoformat(answer["sla"]["contacted_at"]) <= datetime.now(UTC)
    assert datetime.fromisoformat(answer["appointment_at"]) == datetime.fromisoformat(appointment)


def test_a_second_contact_keeps_the_first_contact_time_and_moves_the_appointment(reach, step, fetch):
    job = reach("accepted")
    first = step(job, "contact").get_json()
    moved = later(days=3)
    second = step(job, "contact", appointment_at=moved)
    assert second.status_code == 200, second.get_json()
    again = fetch(job["id"])
    assert again["sla"]["contacted_at"] == first["sla"]["contacted_at"]
    assert datetime.fromisoformat(again["appointment_at"]) == datetime.fromisoformat(moved)


def test_contact_without_an_appointment_sets_only_the_contact_time(reach, step):
    job = reach("accepted")
    answer = step(job, "contact", appointment_at=None).get_json()
    assert answer["sla"]["contacted_at"] is not None
    assert answer["appointment_at"] is None


def test_contact_records_the_appointment_and_the_note_on_the_event(reach, step, events):
    job = reach("accepted")
    appointment = later(days=2)
    step(job, "contact", appointment_at=appointment, note="下午两点")
    last = events(job["id"])[-1]
    assert last["note"] == "下午两点"
    assert datetime.fromisoformat(last["data"]["appointment_at"]) == datetime.fromisoformat(appointment)


@pytest.mark.parametrize(
    ("appointment", "code"),
    [
        pytest.param(lambda: later(minutes=-5), "appointment_in_past", id="in-the-past"),
        pytest.param(lambda: later(days=90, minutes=5), "appointment_too_far", id="more-than-90-days-ahead"),
        pytest.param(lambda: (datetime.now() + timedelta(days=1)).isoformat(), "validation_error", id="without-offset"),
    ],
)
def test_a_bad_appointment_is_422_naming_it_and_changes_nothing(reach, step, snapshot, appointment, code):
    # Each with a code of its own: the phone says which, in its user's language.
    job = reach("accepted")
    before = snapshot()
    assert_error(step(job, "contact", appointment_at=appointment()), 422, code, fields=["appointment_at"])
    assert snapshot() == before


def test_a_call_that_did_not_reach_the_customer_is_kept_and_leaves_the_contact_sla_waiting(reach, step, events):
    job = reach("accepted")
    answer = step(job, "contact", reached=False, appointment_at=None, note="无人接听")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["sla"]["contacted_at"] is None
    last = events(job["id"])[-1]
    assert (last["kind"], last["note"]) == ("contact", "无人接听")
    assert last["data"] == {"appointment_at": None, "reached": False}
    reached = step(job, "contact", appointment_at=None)
    assert reached.get_json()["sla"]["contacted_at"] is not None


def test_no_appointment_is_made_on_a_call_that_did_not_reach_the_customer(reach, step, snapshot):
    job = reach("accepted")
    before = snapshot()
    answer = step(job, "contact", reached=False, appointment_at=later(days=1))
    assert_error(answer, 422, "validation_error", fields=["appointment_at"])
    assert snapshot() == before


def test_a_call_made_on_the_phone_counts_at_the_phones_clock(reach, step, stored):
    job = reach("accepted")
    created = stored(job["id"]).created_at
    db.session.rollback()
    called = created + (datetime.now(UTC) - created) / 2  # after the job was made, before the server hears
    answer = step(job, "contact", appointment_at=None, device_time=called.isoformat()).get_json()
    assert datetime.fromisoformat(answer["sla"]["contacted_at"]) == called


@pytest.mark.parametrize(
    "phone_clock",
    [
        pytest.param(lambda: datetime.now(UTC) + timedelta(hours=2), id="ahead-of-the-server"),
        pytest.param(lambda: datetime.now(UTC) - timedelta(days=3), id="before-the-job-existed"),
    ],
)
def test_a_phone_clock_that_cannot_be_right_is_not_believed_for_the_sla(reach, step, phone_clock):
    job = reach("accepted")
    start = datetime.now(UTC)
    answer = step(job, "contact", appointment_at=None, device_time=phone_clock().isoformat()).get_json()
    assert start <= datetime.fromisoformat(answer["sla"]["contacted_at"]) <= datetime.now(UTC)


def test_an_appointment_made_offline_is_judged_at_the_time_of_the_call(reach, step, stored, fetch):
    """Called at the phone's clock, an appointment a little later that day; synced after it: still the
    appointment that was made, not one in the past."""
    job = reach("accepted")
    created = stored(job["id"]).created_at
    db.session.rollback()
    called = created + (datetime.now(UTC) - created) / 2
    appointment = called + timedelta(microseconds=1)
    assert appointment < datetime.now(UTC)  # past by the time the server hears of it
    answer = step(job, "contact", appointment_at=appointment.isoformat(), device_time=called.isoformat())
    assert answer.status_code == 200, answer.get_json()
    assert datetime.fromisoformat(fetch(job["id"])["appointment_at"]) == appointment


def test_an_appointment_just_under_90_days_ahead_is_taken(reach, step):
    job = reach("accepted")
    response = step(job, "contact", appointment_at=later(days=89, hours=23))
    assert response.status_code == 200, response.get_json()


# ---------------------------------------------------------------- arrive and complete


def test_arrive_sets_the_arrival_time(reach, step):
    job = reach("en_route")
    start = datetime.now(UTC)
    answer = step(job, "arrive").get_json()
    assert start <= datetime.fromisoformat(answer["sla"]["arrived_at"]) <= datetime.now(UTC)


def test_a_second_arrival_after_waiting_for_parts_keeps_the_first_arrival_time(reach, step, people, stored, fetch):
    job = reach("waiting_parts")
    first = job["sla"]["arrived_at"]
    assert first is not None
    lifecycle.parts_arrived(stored(job["id"]))
    db.session.commit()
    response = step(job, "arrive")
    assert response.status_code == 200, response.get_json()
    assert fetch(job["id"])["sla"]["arrived_at"] == first


def test_complete_records_the_completion(reach, step):
    job = reach("scanned")
    start = datetime.now(UTC)
    answer = step(job, "complete", summary="  换主板  ", confirmed_by=" 王先生 ").get_json()
    assert start <= datetime.fromisoformat(answer["sla"]["completed_at"]) <= datetime.now(UTC)
    assert (answer["completion_summary"], answer["confirmed_by"]) == ("换主板", "王先生")


def test_the_completion_is_on_the_jobs_record_as_entered(reach, step, events):
    job = reach("scanned")
    step(job, "complete", summary="  换主板  ", confirmed_by=" 王先生 ")
    last = events(job["id"])[-1]
    assert (last["kind"], last["data"]) == (
        "complete",
        {"summary": "换主板", "confirmed_by": "王先生", "fault_code": None, "confirmation": {"method": None}},
    )


def test_the_technician_reads_the_record_of_their_own_jobs_only(reach, client, people):
    job = reach("on_site")
    mine = client.get(f"/api/jobs/{job['id']}/events", headers=people.tech1.headers)
    assert mine.status_code == 200, mine.get_json()
    assert [event["kind"] for event in mine.get_json()][-1] == "arrive"
    assert_error(client.get(f"/api/jobs/{job['id']}/events", headers=people.tech2.headers), 404, "job_not_found")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"summary": ""}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"summary": None}, "summary"),
        ({"confirmed_by": ""}, "confirmed_by"),
        ({"confirmed_by": " \t "}, "confirmed_by"),
        ({"confirmed_by": None}, "confirmed_by"),
    ],
    ids=["empty-summary", "blank-summary", "null-summary", "empty-confirmed", "blank-confirmed", "null-confirmed"],
)
def test_a_completion_without_summary_or_confirmation_is_422_and_changes_nothing(reach, step, snapshot, body, field):
    job = reach("scanned")
    before = snapshot()
    assert_error(step(job, "complete", **body), 422, "validation_error", fields=[field])
    assert snapshot() == before


@pytest.mark.parametrize("missing", ["summary", "confirmed_by"])
def test_a_completion_missing_a_field_is_422(client, people, reach, snapshot, missing):
    job = reach("scanned")
    body = {"summary": "换主板", "confirmed_by": "王先生"}
    del body[missing]
    before = snapshot()
    response = client.post(f"/api/jobs/{job['id']}/complete", json=body, headers=people.tech1.headers)
    assert_error(response, 422, "validation_error", fields=[missing])
    assert snapshot() == before


# ---------------------------------------------------------------- decline


@pytest.mark.parametrize("state", ["assigned", "accepted"])
def test_a_declined_job_goes_back_to_its_provider_without_a_technician(reach, step, fetch, state):
    job = reach(state)
    assert step(job, "decline").status_code == 200
    again = fetch(job["id"])
    assert (again["state"], again["technician"], again["provider_code"]) == ("dispatched", None, "P01")


def test_the_declining_technician_no_longer_sees_the_job(reach, step, client, people):
    job = reach("assigned")
    step(job, "decline")
    assert_error(client.get(f"/api/jobs/{job['id']}", headers=people.tech1.headers), 404, "job_not_found")


def test_the_providers_managers_are_told_of_a_decline_with_the_reason(reach, step, client, people):
    job = reach("assigned")
    step(job, "decline", reason="太远了")
    mine = client.get("/api/notifications", headers=people.pm1.headers).get_json()["items"]
    declined = [n for n in mine if n["kind"] == "job_declined"]
    assert [(n["job_id"], n["data"]) for n in declined] == [(job["id"], {"technician_id": people.tech1.id})]
    assert "太远了" in declined[0]["message"]


def test_another_providers_manager_is_not_told_of_a_decline(reach, step, client, people):
    job = reach("assigned")
    step(job, "decline")
    theirs = client.get("/api/notifications", headers=people.pm2.headers).get_json()["items"]
    assert [n for n in theirs if n["kind"] == "job_declined"] == []


@pytest.mark.parametrize("reason", ["", "   ", None], ids=["empty", "blank", "null"])
def test_a_decline_without_a_reason_is_422_and_changes_nothing(reach, step, snapshot, reason):
    job = reach("assigned")
    before = snapshot()
    assert_error(step(job, "decline", reason=reason), 422, "validation_error", fields=["reason"])
    assert snapshot() == before


def test_a_decline_missing_the_reason_is_422(client, people, reach, snapshot):
    job = reach("assigned")
    before = snapshot()
    response = client.post(f"/api/jobs/{job['id']}/decline", json={}, headers=people.tech1.headers)
    assert_error(response, 422, "validation_error", fields=["reason"])
    assert snapshot() == before


def test_a_declined_job_may_be_assigned_to_another_technician_who_accepts_it(reach, step, client, people, fetch):
    job = reach("assigned")
    step(job, "decline")
    assigned = client.post(
        f"/api/jobs/{job['id']}/assign", json={"technician_id": people.tech2.id}, headers=people.pm1.headers
    )
    assert assigned.status_code == 200, assigned.get_json()
    assert step(job, "accept", user=people.tech2).status_code == 200
    assert (fetch(job["id"])["state"], fetch(job["id"])["technician"]["username"]) == ("accepted", "tech2")


# ---------------------------------------------------------------- waiting for parts (service only, no route yet)


@pytest.mark.parametrize("state", ["accepted", "en_route", "on_site"])
def test_a_job_under_way_can_wait_for_parts(reach, people, stored, events, state):
    job = reach(state)
    lifecycle.hold_for_parts(stored(job["id"]), people.tech1, note="缺主板")
    db.session.commit()
    assert stored(job["id"]).state == "waiting_parts"
    last = events(job["id"])[-1]
    assert (last["kind"], last["from_state"], last["to_state"], last["actor"], last["note"]) == (
        "hold_for_parts",
        state,
        "waiting_parts",
        "tech1",
        "缺主板",
    )


def test_parts_arriving_puts_the_job_back_to_accepted_by_nobody(reach, stored, events):
    job = reach("waiting_parts")
    lifecycle.parts_arrived(stored(job["id"]))
    db.session.commit()
    assert stored(job["id"]).state == "accepted"
    last = events(job["id"])[-1]
    assert (last["kind"], last["from_state"], last["to_state"], last["actor"]) == (
        "parts_arrived",
        "waiting_parts",
        "accepted",
        None,
    )


def test_the_technician_is_told_the_parts_arrived(reach, stored, client, people):
    job = reach("waiting_parts")
    lifecycle.parts_arrived(stored(job["id"]))
    db.session.commit()
    mine = client.get("/api/notifications", headers=people.tech1.headers).get_json()["items"]
    assert [n["job_id"] for n in mine if n["kind"] == "parts_arrived"] == [job["id"]]


@pytest.mark.parametrize("state", ["assigned", "accepted", "on_site", "completed", "closed", "cancelled"])
def test_parts_arriving_for_a_job_not_waiting_is_an_illegal_transition(reach, stored, snapshot, state):
    job = reach(state)
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        lifecycle.parts_arrived(stored(job["id"]))
    db.session.rollback()
    assert caught.value.code == "illegal_transition"
    assert caught.value.details == {
        "state": ACTUAL.get(state, state),
        "action": "parts_arrived",
        "allowed_from": ["waiting_parts"],
    }
    assert snapshot() == before


@pytest.mark.parametrize("state", ["assigned", "waiting_parts", "completed", "cancelled"])
def test_holding_for_parts_from_another_state_is_an_illegal_transition(reach, people, stored, snapshot, state):
    job = reach(state)
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        lifecycle.hold_for_parts(stored(job["id"]), people.tech1)
    db.session.rollback()
    assert caught.value.code == "illegal_transition"
    assert snapshot() == before


def test_only_the_jobs_technician_may_hold_it_for_parts(reach, people, stored, snapshot):
    job = reach("on_site")
    before = snapshot()
    with pytest.raises(Forbidden) as caught:
        lifecycle.hold_for_parts(stored(job["id"]), people.tech2)
    db.session.rollback()
    assert caught.value.code == "not_your_job"
    assert snapshot() == before


def test_reassigning_a_job_waiting_for_parts_keeps_it_waiting(reach, client, people, fetch):
    job = reach("waiting_parts")
    response = client.post(
        f"/api/jobs/{job['id']}/assign", json={"technician_id": people.tech2.id}, headers=people.dispatcher.headers
    )
    assert response.status_code == 200, response.get_json()
    again = fetch(job["id"])
    assert (again["state"], again["technician"]["username"]) == ("waiting_parts", "tech2")


def test_after_reassignment_the_parts_arrive_for_the_new_technician(reach, client, people, stored):
    job = reach("waiting_parts")
    client.post(
        f"/api/jobs/{job['id']}/assign", json={"technician_id": people.tech2.id}, headers=people.dispatcher.headers
    )
    lifecycle.parts_arrived(stored(job["id"]))
    db.session.commit()
    told = {
        name: [
            n["job_id"]
            for n in client.get("/api/notifications", headers=getattr(people, name).headers).json["items"]
            if n["kind"] == "parts_arrived"
        ]
        for name in ("tech1", "tech2")
    }
    assert told == {"tech1": [], "tech2": [job["id"]]}
    assert stored(job["id"]).state == "accepted"
