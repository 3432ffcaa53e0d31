"""The phone's position at arrival and completion: REST and sync take it through one schema each, keep it as
a fix of the visit (the technician's), show it in the job's visit, and refuse a bad one naming its field with
nothing stored."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import PositionFix
from tests.helpers import assert_error

CST = timezone(timedelta(hours=8))


def position(**overrides):
    """A good fix, taken a minute ago in Jinan's Lixia district, as the phone sends it."""
    fix = {
        "lat": 36.6683,
        "lng": 117.0204,
        "accuracy_m": 12.5,
        "fix_time": (datetime.now(CST) - timedelta(minutes=1)).replace(microsecond=0).isoformat(),
    }
    fix.update(overrides)
    return fix


def fixes(job_id=None):
    db.session.expire_all()
    statement = select(PositionFix).order_by(PositionFix.id)
    if job_id is not None:
        statement = statement.where(PositionFix.job_id == job_id)
    return db.session.scalars(statement).all()


def post(client, people, job, step, body):
    return client.post(f"/api/jobs/{job['id']}/{step}", json=body, headers=people.tech1.headers)


COMPLETION = {"summary": "换主板", "confirmed_by": "王先生"}


@pytest.mark.parametrize(("state", "step", "body"), [("en_route", "arrive", {}), ("on_site", "complete", COMPLETION)])
def test_a_step_keeps_the_phones_position_as_a_fix_of_the_technician(client, people, open_job, walk, state, step, body):
    job = walk(open_job(), state)
    sent = position()

    response = post(client, people, job, step, {**body, "position": sent})

    assert response.status_code == 200, response.get_json()
    [fix] = fixes(job["id"])
    assert (fix.step, fix.technician_id, fix.lat, fix.lng, fix.accuracy_m) == (
        step,
        people.tech1.id,
        36.6683,
        117.0204,
        12.5,
    )
    assert fix.fix_time == datetime.fromisoformat(sent["fix_time"])
    [shown] = response.get_json()["visit"]["fixes"]
    assert shown["step"] == step
    assert (shown["lat"], shown["lng"], shown["accuracy_m"]) == (36.6683, 117.0204, 12.5)
    assert datetime.fromisoformat(shown["fix_time"]) == datetime.fromisoformat(sent["fix_time"])


def test_a_visit_shows_both_fixes_and_a_step_without_position_keeps_none(client, people, open_job, walk, fetch):
    job = walk(open_job(), "en_route")
    assert post(client, people, job, "arrive", {}).status_code == 200
    assert fixes(job["id"]) == []
    response = post(client, people, job, "complete", {**COMPLETION, "position": position(lat=36.6690)})
    assert response.status_code == 200, response.get_json()
    assert [(f["step"], f["lat"]) for f in fetch(job["id"])["visit"]["fixes"]] == [("complete", 36.669)]


def test_a_fix_up_to_five_minutes_ahead_of_the_server_is_taken(client, people, open_job, walk):
    job = walk(open_job(), "en_route")
    ahead = (datetime.now(UTC) + timedelta(minutes=4)).isoformat()
    response = post(client, people, job, "arrive", {"position": position(fix_time=ahead)})
    assert response.status_code == 200, response.get_json()


BAD = [
    ({"lat": 90.0001}, "position.lat"),
    ({"lat": -91}, "position.lat"),
    ({"lat": "36.6"}, "position.lat"),
    ({"lat": True}, "position.lat"),
    ({"lat": None}, "position.lat"),
    ({"lng": 180.5}, "position.lng"),
    ({"lng": -181}, "position.lng"),
    ({"accuracy_m": 0}, "position.accuracy_m"),
    ({"accuracy_m": -5}, "position.accuracy_m"),
    ({"accuracy_m": 100_001}, "position.accuracy_m"),
    ({"fix_time": "2026-06-01T09:00:00"}, "position.fix_time"),  # no offset
    ({"fix_time": "yesterday"}, "position.fix_time"),
    ({"fix_time": "AHEAD"}, "position.fix_time"),  # six minutes ahead of the server, when the test runs
    ({"extra": 1}, "position.extra"),
]


@pytest.mark.parametrize(("step", "state", "body"), [("arrive", "en_route", {}), ("complete", "on_site", COMPLETION)])
@pytest.mark.parametrize(("change", "field"), BAD)
def test_a_bad_position_is_a_422_naming_its_field_and_nothing_is_stored(
    client, people, open_job, walk, fetch, step, state, body, change, field
):
    job = walk(open_job(), state)
    if change.get("fix_time") == "AHEAD":
        change = {"fix_time": (datetime.now(UTC) + timedelta(minutes=6)).isoformat()}
    response = post(client, people, job, step, {**body, "position": position(**change)})
    assert_error(response, 422, "validation_error", fields=[field])
    assert fixes() == []
    assert fetch(job["id"])["state"] == state


@pytest.mark.parametrize("missing", ["lat", "lng", "accuracy_m", "fix_time"])
def test_a_position_lacking_a_value_names_it(client, people, open_job, walk, missing):
    job = walk(open_job(), "en_route")
    sent = position()
    del sent[missing]
    assert_error(
        post(client, people, job, "arrive", {"position": sent}), 422, "validation_error", [f"position.{missing}"]
    )
    assert fixes() == []


def test_a_position_that_is_not_an_object_is_refused(client, people, open_job, walk):
    job = walk(open_job(), "en_route")
    assert_error(
        post(client, people, job, "arrive", {"position": [36.6, 117.0]}), 422, "validation_error", ["position"]
    )


# ---------------------------------------------------------------- through sync


def test_sync_ops_keep_one_fix_each_and_a_replay_keeps_no_second(device, open_job, walk, fetch):
    job = walk(open_job(), "en_route")
    phone = device("tech1")
    offline = (datetime.now(CST) - timedelta(hours=3)).replace(microsecond=0)
    ops = [
        phone.op("job.arrive", job["id"], {"position": position(fix_time=offline.isoformat())}),
        phone.op(
            "job.complete",
            job["id"],
            {**COMPLETION, "position": position(lat=36.6684, fix_time=(offline + timedelta(hours=1)).isoformat())},
        ),
    ]

    status, body = phone.push(ops)
    assert status == 200, body
    assert [r["result"] for r in body["results"]] == ["applied", "applied"], body
    status, body = phone.push(ops)
    assert [r["result"] for r in body["results"]] == ["duplicate", "duplicate"], body

    assert [(f.step, f.lat, f.fix_time, f.technician_id) for f in fixes(job["id"])] == [
        ("arrive", 36.6683, offline, phone.user.id),
        ("complete", 36.6684, offline + timedelta(hours=1), phone.user.id),
    ]
    assert [f["step"] for f in fetch(job["id"])["visit"]["fixes"]] == ["arrive", "complete"]


def test_a_sync_op_with_a_bad_position_is_rejected_naming_it_and_stores_nothing(device, open_job, walk, fetch):
    job = walk(open_job(), "en_route")
    phone = device("tech1")
    status, body = phone.push([phone.op("job.arrive", job["id"], {"position": position(lng=200)})])
    assert status == 200, body
    [answer] = body["results"]
    assert (answer["result"], answer["code"]) == ("rejected", "validation_error")
    assert "position.lng" in answer["message"]
    assert fixes() == []
    assert fetch(job["id"])["state"] == "en_route"


def test_fixes_are_counted_once_per_step_taken(client, people, open_job, walk):
    job = walk(open_job(), "en_route")
    post(client, people, job, "arrive", {"position": position()})
    post(client, people, job, "arrive", {"position": position()})  # already on site: 409, no second fix
    assert db.session.scalar(select(func.count()).select_from(PositionFix)) == 1
