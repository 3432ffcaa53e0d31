"""A job's history as the services record it: each event its own row, in the order recorded, written with the
session's flush or, inside ``written_together`` (a push's ops), all at once as it ends, and never when it
ends by an error."""

import pytest
from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.jobs.services import events


def history(job_id):
    return db.session.execute(
        select(JobEvent.kind, JobEvent.note, JobEvent.actor_id).where(JobEvent.job_id == job_id).order_by(JobEvent.id)
    ).all()


def test_events_recorded_together_are_written_as_it_ends_in_their_order(open_job, people):
    job = db.session.get(Job, open_job()["id"])
    before = history(job.id)
    tech = people.tech1
    with events.written_together():
        events.record(job, "note", tech, note="第一条")
        events.record(job, "note", tech, note="second")
        # Not yet: they wait for the end.
        assert history(job.id) == before
        with events.written_together():
            events.record(job, "note", None, note="third, from within")
        assert history(job.id) == before
    assert history(job.id) == [
        *before,
        ("note", "第一条", tech.id),
        ("note", "second", tech.id),
        ("note", "third, from within", None),
    ]


def test_events_recorded_together_are_not_written_when_it_ends_by_an_error(open_job, people):
    job = db.session.get(Job, open_job()["id"])
    before = history(job.id)

    def refused_op():
        with events.written_together():
            events.record(job, "note", people.tech1, note="lost with the op")
            raise DomainError("refused", code="refused")

    with pytest.raises(DomainError):
        refused_op()
    events.record(job, "note", people.tech1, note="recorded alone")
    db.session.flush()
    assert history(job.id) == [*before, ("note", "recorded alone", people.tech1.id)]
