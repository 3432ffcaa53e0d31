"""Escalation to the duty manager: the dispatchers on duty for the job's province, else all of its dispatchers.

Three dispatchers: ``dispatcher`` (national, no region), ``shandong`` (province
370000, the job's) and ``guangdong`` (province 440000, never in scope).
Duty is set by each dispatcher through PUT /api/dispatch/duty.
"""

from datetime import UTC
from datetime import datetime

import pytest

from server.extensions import db
from server.users.models import User
from tests.helpers import assert_error

IN_SCOPE = ["dispatcher", "shandong"]


@pytest.fixture
def desk(people, make_user, make_region, auth):
    """The three dispatchers by username, each with ``.headers``."""
    make_region("440000", level="province")
    crowd = {"dispatcher": people.dispatcher}
    for name, region in [("shandong", "370000"), ("guangdong", "440000")]:
        user = make_user("dispatcher", username=name, region_code=region)
        user.headers = auth(user)
        crowd[name] = user
    return crowd


@pytest.fixture
def duty(client, desk):
    """``duty("shandong", ..., on=True)``: those dispatchers go on (or off) duty themselves."""

    def put(*names, on=True):
        for name in names:
            response = client.put("/api/dispatch/duty", json={"on_duty": on}, headers=desk[name].headers)
            assert response.status_code == 200, response.get_json()
            assert response.get_json() == {"on_duty": on}

    return put


@pytest.fixture
def escalate(client, people):
    """``escalate(job, reason="...", user=agent)`` → the response."""

    def post(job, reason="客户投诉三次", user=None):
        user = user or people.agent
        return client.post(f"/api/jobs/{job['id']}/escalate", json={"reason": reason}, headers=user.headers)

    return post


@pytest.fixture
def escalated_notices(client, desk):
    """``escalated_notices()`` → {dispatcher: [job ids of their job_escalated notifications]}."""

    def read():
        told = {}
        for name, user in desk.items():
            items = client.get("/api/notifications", headers=user.headers).get_json()["items"]
            told[name] = [n["job_id"] for n in items if n["kind"] == "job_escalated"]
        return told

    return read


DUTY = [
    ((), IN_SCOPE),
    (("dispatcher",), ["dispatcher"]),
    (("shandong",), ["shandong"]),
    (("dispatcher", "shandong"), ["shandong"]),
    (("guangdong",), IN_SCOPE),
    (("guangdong", "dispatcher"), ["dispatcher"]),
    (("guangdong", "shandong"), ["shandong"]),
    (("guangdong", "dispatcher", "shandong"), ["shandong"]),
]
DUTY_IDS = ["nobody", "national", "provincial", "both", "other-province", "other+national", "other+provincial", "all"]


@pytest.mark.parametrize(("on_duty", "expected"), DUTY, ids=DUTY_IDS)
def test_the_escalation_goes_to_the_closest_dispatchers_on_duty(open_job, duty, escalate, on_duty, expected):
    job = open_job()
    duty(*on_duty)
    response = escalate(job)
    assert response.status_code == 200, response.get_json()
    assert sorted(user["username"] for user in response.get_json()["escalated_to"]) == sorted(expected)


@pytest.mark.parametrize(("on_duty", "expected"), DUTY, ids=DUTY_IDS)
def test_the_dispatchers_escalated_to_are_notified_and_no_one_else(
    open_job, duty, escalate, escalated_notices, on_duty, expected
):
    job = open_job()
    duty(*on_duty)
    escalate(job)
    assert escalated_notices() == {name: [job["id"]] if name in expected else [] for name in [*IN_SCOPE, "guangdong"]}


def test_a_dispatcher_going_off_duty_no_longer_takes_escalations(open_job, duty, escalate):
    job = open_job()
    duty("shandong")
    duty("shandong", on=False)
    names = [user["username"] for user in escalate(job).get_json()["escalated_to"]]
    assert sorted(names) == IN_SCOPE


def test_a_disabled_dispatcher_is_never_escalated_to(open_job, make_user, escalate):
    make_user("dispatcher", username="retired", active=False)
    job = open_job()
    names = [user["username"] for user in escalate(job).get_json()["escalated_to"]]
    assert sorted(names) == ["dispatcher"]


def test_the_notification_says_who_escalated_and_why(open_job, client, people, escalate):
    job = open_job()
    escalate(job, reason="客户投诉三次")
    items = client.get("/api/notifications", headers=people.dispatcher.headers).get_json()["items"]
    (notice,) = [n for n in items if n["kind"] == "job_escalated"]
    assert notice["data"] == {"by": people.agent.id, "reason": "客户投诉三次"}
    assert notice["job_id"] == job["id"]
    assert "客户投诉三次" in notice["message"]


def test_escalation_sets_the_escalation_time(open_job, client, people, escalate):
    job = open_job()
    start = datetime.now(UTC)
    answer = escalate(job).get_json()
    end = datetime.now(UTC)
    assert start <= datetime.fromisoformat(answer["job"]["escalated_at"]) <= end
    stored = client.get(f"/api/jobs/{job['id']}", headers=people.admin.headers).get_json()
    assert stored["escalated_at"] == answer["job"]["escalated_at"]


def test_escalation_leaves_the_state_and_is_recorded_with_its_recipients(
    open_job, walk, client, people, desk, escalate
):
    job = walk(open_job(), "on_site")
    escalate(job, reason="客户投诉三次")
    last = client.get(f"/api/jobs/{job['id']}/events", headers=people.admin.headers).get_json()[-1]
    assert (last["kind"], last["from_state"], last["to_state"], last["actor"], last["note"]) == (
        "escalate",
        "on_site",
        "on_site",
        "agent",
        "客户投诉三次",
    )
    assert sorted(last["data"]["to"]) == sorted(desk[name].id for name in IN_SCOPE)


@pytest.mark.parametrize("who", ["agent", "dispatcher", "admin"])
def test_the_call_centre_may_escalate(open_job, people, escalate, desk, who):
    job = open_job()
    response = escalate(job, user=getattr(people, who))
    assert response.status_code == 200, response.get_json()


def test_a_dispatcher_of_another_province_cannot_see_the_job_to_escalate_it(open_job, desk, escalate, snapshot):
    job = open_job()
    before = snapshot()
    assert_error(escalate(job, user=desk["guangdong"]), 404, "job_not_found")
    assert snapshot() == before


@pytest.mark.parametrize("end", ["closed", "cancelled"])
def test_escalating_a_job_that_has_ended_is_409_and_changes_nothing(
    open_job, walk, client, people, desk, escalate, snapshot, end
):
    job = open_job()
    if end == "closed":
        walk(job, "closed")
    else:
        client.post(f"/api/jobs/{job['id']}/cancel", json={"reason": "客户取消"}, headers=people.agent.headers)
    before = snapshot()
    error = assert_error(escalate(job), 409, "illegal_transition")
    assert (error["details"]["state"], error["details"]["action"]) == (end, "escalate")
    assert snapshot() == before


@pytest.mark.parametrize("reason", ["", "   ", None], ids=["empty", "blank", "null"])
def test_an_escalation_without_a_reason_is_422_and_changes_nothing(open_job, desk, escalate, snapshot, reason):
    job = open_job()
    before = snapshot()
    assert_error(escalate(job, reason=reason), 422, "validation_error", fields=["reason"])
    assert snapshot() == before


def test_an_escalation_missing_the_reason_is_422(open_job, client, people, desk, snapshot):
    job = open_job()
    before = snapshot()
    response = client.post(f"/api/jobs/{job['id']}/escalate", json={}, headers=people.agent.headers)
    assert_error(response, 422, "validation_error", fields=["reason"])
    assert snapshot() == before


# ---------------------------------------------------------------- duty


def test_going_on_duty_is_kept(client, desk, duty):
    duty("shandong")
    db.session.expire_all()
    assert db.session.get(User, desk["shandong"].id).on_duty is True
    assert db.session.get(User, desk["dispatcher"].id).on_duty is False


@pytest.mark.parametrize("who", ["agent", "admin", "pm1", "tech1"])
def test_only_a_dispatcher_goes_on_duty(client, people, snapshot, who):
    before = snapshot()
    response = client.put("/api/dispatch/duty", json={"on_duty": True}, headers=getattr(people, who).headers)
    assert_error(response, 403, "role_forbidden")
    assert snapshot() == before


@pytest.mark.parametrize("body", [{}, {"on_duty": "maybe"}, {"on_duty": None}], ids=["missing", "not-boolean", "null"])
def test_a_duty_change_without_a_boolean_is_422(client, people, snapshot, body):
    before = snapshot()
    response = client.put("/api/dispatch/duty", json=body, headers=people.dispatcher.headers)
    assert_error(response, 422, "validation_error", fields=["on_duty"])
    assert snapshot() == before


def test_with_no_dispatcher_for_the_area_the_admins_take_the_escalation(open_job, client, people, escalate):
    people.dispatcher.active = False
    db.session.commit()
    job = open_job()
    response = escalate(job)
    assert response.status_code == 200, response.get_json()
    assert [user["username"] for user in response.get_json()["escalated_to"]] == ["admin"]
    items = client.get("/api/notifications", headers=people.admin.headers).get_json()["items"]
    assert [(n["kind"], n["job_id"]) for n in items] == [("job_escalated", job["id"])]
