"""The request is the transaction, committed as the view answers: a commit that fails because of a
concurrent writer is a 409 in the error envelope, and the request keeps nothing."""

import pytest
from sqlalchemy import select
from sqlalchemy import update

from server.extensions import db
from server.jobs.models import Job
from server.network.models import Region
from server.users.models import User

pytestmark = pytest.mark.both_backends


@pytest.fixture
def dispatcher(make_user, auth):
    user = make_user("dispatcher", username="desk")
    user.headers = auth(user)
    return user


def set_duty_and(also):
    """A stand-in for the duty service that also leaves ``also`` pending for the commit to write."""

    def set_duty(user, on_duty):
        user.on_duty = on_duty
        also()
        return {"on_duty": user.on_duty}

    return set_duty


def test_a_constraint_broken_only_at_commit_is_a_409_and_keeps_nothing(client, dispatcher, make_region, monkeypatch):
    make_region("370000")
    # Added, never flushed: the unique region code is broken when the request commits.
    duplicate = set_duty_and(
        lambda: db.session.add(Region(code="370000", name="again", level="province", area_class="city"))
    )
    monkeypatch.setattr("server.jobs.services.dispatch.set_duty", duplicate)

    response = client.put("/api/dispatch/duty", json={"on_duty": True}, headers=dispatcher.headers)

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    db.session.expire_all()
    assert db.session.get(User, dispatcher.id).on_duty is False
    assert db.session.scalars(select(Region.code)).all() == ["370000"]


def test_a_row_changed_by_someone_else_before_the_commit_is_a_409_and_keeps_nothing(
    client, dispatcher, open_job, monkeypatch
):
    job_id = open_job()["id"]

    def edit_behind_the_back():
        job = db.session.get(Job, job_id)
        # Another writer bumps the row's version; this request's change to it then matches no row.
        db.session.execute(
            update(Job).where(Job.id == job_id).values(version=Job.version + 1),
            execution_options={"synchronize_session": False},
        )
        job.cancel_reason = "written over"

    monkeypatch.setattr("server.jobs.services.dispatch.set_duty", set_duty_and(edit_behind_the_back))

    response = client.put("/api/dispatch/duty", json={"on_duty": True}, headers=dispatcher.headers)

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "concurrent_change"
    db.session.expire_all()
    assert db.session.get(User, dispatcher.id).on_duty is False
    assert db.session.get(Job, job_id).cancel_reason == ""
