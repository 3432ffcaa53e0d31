"""Races on requests and jobs: two API calls fired at the same moment, each from its own thread and client.

(Named apart from tests/claims/test_concurrency.py: test modules here are not packages, so basenames must differ.)

On PostgreSQL the calls really run side by side, and a job's row lock queues
the second change behind the first; on SQLite the second writer waits for
the first and finds its read stale (409 ``concurrent_change``). Either way a
unit gets one open request, a job one technician, and a job's events agree
with its state.
"""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.jobs.models import ServiceRequest
from server.jobs.services import sla
from tests.fixtures.jobs import PHONE
from tests.fixtures.jobs import later
from tests.fixtures.jobs import request_body
from tests.races import send_together

pytestmark = [pytest.mark.both_backends, pytest.mark.commits]

ROUNDS = 5


def stored_job(job_id):
    db.session.expire_all()
    return db.session.get(Job, job_id)


def stored_events(job_id, after_id=0):
    db.session.expire_all()
    return db.session.scalars(
        select(JobEvent).where(JobEvent.job_id == job_id, JobEvent.id > after_id).order_by(JobEvent.id)
    ).all()


def last_event_id(job_id):
    db.session.expire_all()
    return db.session.scalar(select(func.max(JobEvent.id)).where(JobEvent.job_id == job_id))


def post(path, json, user):
    return ("POST", path, json, user.headers)


# ---------------------------------------------------------------- two agents, one unit


@pytest.fixture(params=["known_customer", "new_customer"])
def unit_race(request, app, people, make_user, auth, open_job):
    """``unit_race(round_)`` → the answers to two agents recording unit ``RACE-<round>`` at once.

    With ``known_customer`` the customer's phone has a request already (on another unit); with
    ``new_customer`` each round's phone is new, so both agents also record the customer for the first time.
    """
    second_agent = make_user("agent", username="agent2")
    second_agent.headers = auth(second_agent)
    if request.param == "known_customer":
        open_job(serial="SN-OLD")

    def race(round_):
        phone = PHONE if request.param == "known_customer" else f"1390000000{round_}"
        body = request_body(serial=f"RACE-{round_}", customer_phone=phone)
        return send_together(
            app, [post("/api/requests", body, people.agent), post("/api/requests", body, second_agent)]
        )

    return race


def test_two_agents_recording_one_unit_at_the_same_moment_get_one_request_and_one_refusal(unit_race):
    for round_ in range(ROUNDS):
        answers = unit_race(round_)

        assert sorted(status for status, _ in answers) == [201, 409], (round_, answers)
        (created,) = [answer for status, answer in answers if status == 201]
        (refused,) = [answer for status, answer in answers if status == 409]
        assert refused["error"]["code"] == "open_request_exists", (round_, answers)
        assert refused["error"]["details"]["job_id"] == created["id"], (round_, answers)
        assert refused["error"]["details"]["request_number"] == created["request"]["number"], (round_, answers)


def test_two_agents_recording_one_unit_at_the_same_moment_leave_one_request_and_one_job(unit_race):
    for round_ in range(ROUNDS):
        unit_race(round_)

    db.session.expire_all()
    racing = ServiceRequest.serial.like("RACE-%")
    requests = db.session.execute(
        select(ServiceRequest.serial, func.count())
        .where(racing)
        .group_by(ServiceRequest.serial)
        .order_by(ServiceRequest.serial)
    ).all()
    assert requests == [(f"RACE-{round_}", 1) for round_ in range(ROUNDS)]
    jobs = db.session.scalar(select(func.count()).select_from(Job).join(ServiceRequest).where(racing))
    assert jobs == ROUNDS


def test_a_request_whose_job_cannot_be_made_leaves_nothing_behind(client, people, monkeypatch):
    """The request and its job are one transaction: a failure after the request's row is written keeps neither.

    (The deterministic form of what the race above shows on SQLite: the other agent is refused by a request
    still numbered ``tmp-...`` and without a job, because it was committed before its job was made.)
    """

    def fail(*args, **kwargs):
        raise RuntimeError("no deadlines today")

    client.post("/api/requests", json=request_body(serial="SN-OLD"), headers=people.agent.headers)  # a known customer
    monkeypatch.setattr(sla, "deadlines", fail)
    with pytest.raises(RuntimeError, match="no deadlines today"):
        client.post("/api/requests", json=request_body(serial="ORPHAN"), headers=people.agent.headers)
    db.session.rollback()  # what the failed request's end does (the test client shares the test's session)

    db.session.expire_all()
    assert db.session.scalars(select(ServiceRequest.number).where(ServiceRequest.serial == "ORPHAN")).all() == []


# ---------------------------------------------------------------- two dispatchers, one job


def assign_race(app, people, open_job, walk, round_):
    """The national dispatcher gives a job on unit ``AS-<round>`` to tech1 while P01's manager gives it to tech2."""
    job = walk(open_job(serial=f"AS-{round_}"), "dispatched")
    answers = send_together(
        app,
        [
            post(f"/api/jobs/{job['id']}/assign", {"technician_id": people.tech1.id}, people.dispatcher),
            post(f"/api/jobs/{job['id']}/assign", {"technician_id": people.tech2.id}, people.pm1),
        ],
    )
    return job, answers


def test_two_assignments_at_the_same_moment_both_pass_or_one_is_refused_as_a_concurrent_change(
    app, people, open_job, walk
):
    for round_ in range(ROUNDS):
        _, answers = assign_race(app, people, open_job, walk, round_)

        statuses = sorted(status for status, _ in answers)
        assert statuses in ([200, 200], [200, 409]), (round_, answers)
        refusals = [answer["error"]["code"] for status, answer in answers if status == 409]
        assert refusals in ([], ["concurrent_change"]), (round_, answers)


def test_two_assignments_at_the_same_moment_leave_the_job_with_the_technician_of_the_last_event(
    app, people, open_job, walk
):
    for round_ in range(ROUNDS):
        job, answers = assign_race(app, people, open_job, walk, round_)

        handovers = [e for e in stored_events(job["id"]) if e.kind in ("assigned", "reassigned")]
        assert handovers, (round_, answers)
        assert stored_job(job["id"]).technician_id == handovers[-1].data["technician_id"], (round_, answers)


def test_two_assignments_at_the_same_moment_record_one_handover_per_success(app, people, open_job, walk):
    for round_ in range(ROUNDS):
        job, answers = assign_race(app, people, open_job, walk, round_)

        handovers = [e for e in stored_events(job["id"]) if e.kind in ("assigned", "reassigned")]
        assert len(handovers) == [status for status, _ in answers].count(200), (round_, answers)


def test_two_assignments_at_the_same_moment_lose_no_update(app, people, open_job, walk):
    """The second handover names the first's technician as the one it took the job from."""
    for round_ in range(ROUNDS):
        job, answers = assign_race(app, people, open_job, walk, round_)

        handovers = [e for e in stored_events(job["id"]) if e.kind in ("assigned", "reassigned")]
        chain = [(e.kind, e.data["previous_technician_id"]) for e in handovers]
        expected = [("assigned", None)] + [("reassigned", before.data["technician_id"]) for before in handovers[:-1]]
        assert chain == expected, (round_, answers)


def test_two_assignments_at_the_same_moment_answer_what_the_job_became(app, people, open_job, walk):
    """Each success answers the job as its own change left it: the later success names the final technician."""
    for round_ in range(ROUNDS):
        job, answers = assign_race(app, people, open_job, walk, round_)

        final = stored_job(job["id"])
        successes = [answer for status, answer in answers if status == 200]
        assert final.technician_id in [answer["technician"]["id"] for answer in successes], (round_, answers)
        assert max(answer["version"] for answer in successes) == final.version, (round_, answers)


# ---------------------------------------------------------------- accept and cancel, one job

CANCEL = {"reason": "customer fixed it"}
# Who wins, what each is answered, and what the job's history shows after the assignment.
OUTCOMES = {
    # The cancel came first: the technician is refused, there is nothing to accept.
    (("accept", 409, "illegal_transition"), ("cancel", 200, None)): (["cancel"], "cancelled"),
    # The accept came first: the cancel found it accepted and cancelled it.
    (("accept", 200, None), ("cancel", 200, None)): (["accept", "cancel"], "cancelled"),
    # SQLite only: both read the job before either wrote; the second writer is refused, nothing of it kept.
    (("accept", 409, "concurrent_change"), ("cancel", 200, None)): (["cancel"], "cancelled"),
    (("accept", 200, None), ("cancel", 409, "concurrent_change")): (["accept"], "accepted"),
}


def accept_cancel_race(app, people, open_job, walk, round_):
    """tech1 accepts an assigned job on unit ``AC-<round>`` while the national dispatcher cancels it."""
    job = walk(open_job(serial=f"AC-{round_}"), "assigned")
    before = last_event_id(job["id"])
    answers = send_together(
        app,
        [
            post(f"/api/jobs/{job['id']}/accept", {"device_time": later(minutes=-1)}, people.tech1),
            post(f"/api/jobs/{job['id']}/cancel", CANCEL, people.dispatcher),
        ],
    )
    outcome = tuple(
        (action, status, answer["error"]["code"] if status >= 400 else None)
        for action, (status, answer) in zip(("accept", "cancel"), answers, strict=True)
    )
    return job, before, outcome


def test_accept_and_cancel_at_the_same_moment_end_in_an_allowed_outcome(app, people, open_job, walk, backend):
    allowed = dict(OUTCOMES)
    if backend == "postgresql":  # the row lock queues the second change: no stale read there
        allowed = {o: result for o, result in OUTCOMES.items() if "concurrent_change" not in str(o)}
    for round_ in range(ROUNDS):
        _, _, outcome = accept_cancel_race(app, people, open_job, walk, round_)

        assert outcome in allowed, (round_, outcome)


def test_accept_and_cancel_at_the_same_moment_leave_events_that_agree_with_the_state(app, people, open_job, walk):
    for round_ in range(ROUNDS):
        job, before, outcome = accept_cancel_race(app, people, open_job, walk, round_)

        kinds, state = OUTCOMES[outcome]
        events = stored_events(job["id"], after_id=before)
        assert [event.kind for event in events] == kinds, (round_, outcome)
        assert stored_job(job["id"]).state == state == events[-1].to_state, (round_, outcome)


def test_accept_and_cancel_at_the_same_moment_chain_their_states(app, people, open_job, walk):
    """Each recorded step starts from the state the one before it left: nothing happened unrecorded between."""
    for round_ in range(ROUNDS):
        job, before, outcome = accept_cancel_race(app, people, open_job, walk, round_)

        events = stored_events(job["id"], after_id=before)
        states = ["dispatched"] + [event.to_state for event in events]
        assert [event.from_state for event in events] == states[:-1], (round_, outcome)


def test_a_cancelled_job_frees_its_unit_whoever_won_the_race(app, people, open_job, walk):
    for round_ in range(ROUNDS):
        job, _, outcome = accept_cancel_race(app, people, open_job, walk, round_)

        db.session.expire_all()
        request = db.session.get(ServiceRequest, job["request"]["id"])
        expected = None if OUTCOMES[outcome][1] == "cancelled" else f"AC-{round_}"
        assert request.open_serial == expected, (round_, outcome)
