"""Fixtures of the customer-care tests: the dispatch world, completed jobs made to measure, and readers.

Jobs are made through the request service and then given the state and times a
test needs, so each test says exactly when a job was completed and by whom.
"""

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.care.models import Callback
from server.core.clock import utcnow
from server.extensions import db
from server.jobs.services.requests import create_request
from tests.jobs.conftest import PHONE
from tests.jobs.conftest import make_policy  # noqa: F401  (a fixture of the jobs world)
from tests.jobs.conftest import make_product  # noqa: F401  (a fixture of the jobs world)
from tests.jobs.conftest import open_job  # noqa: F401  (a fixture of the jobs world)
from tests.jobs.conftest import people  # noqa: F401  (a fixture of the jobs world)
from tests.jobs.conftest import walk  # noqa: F401  (a fixture of the jobs world)
from tests.jobs.conftest import world  # noqa: F401  (a fixture of the jobs world)


@pytest.fixture
def done_job(people):  # noqa: F811
    """``done_job(days_ago=4, job_type="warranty", state="completed", technician="tech1", phone=PHONE)`` → a Job.

    A job of model TV55 in county 370112, completed ``days_ago`` days ago by the
    technician (a name in ``people``), for the customer of ``phone``; each on a unit of its own.
    """
    serials = itertools.count(1)

    def make(days_ago=4, job_type="warranty", state="completed", technician="tech1", phone=PHONE, completed_at=None):
        serial = f"CARE-{next(serials):04d}"
        job = create_request(
            people.agent,
            {
                "customer_phone": phone,
                "customer_name": "王先生",
                "address": "幸福路 8 号",
                "region_code": "370112",
                "serial": serial,
                "model": "TV55",
                "fault_description": "不开机",
                "job_type": job_type,
            },
        )
        tech = getattr(people, technician)
        job.provider_id, job.technician_id, job.state = tech.provider_id, tech.id, state
        if state in ("completed", "closed"):
            job.completed_at = completed_at or utcnow() - timedelta(days=days_ago)
            job.completion_summary, job.confirmed_by = "换主板", "王先生"
        if state in ("closed", "cancelled"):
            job.request.open_serial = None
        db.session.commit()
        return job

    return make


@pytest.fixture
def as_agent(people):  # noqa: F811
    return people.agent.headers


def count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def callbacks_of(job):
    return count(Callback, Callback.job_id == job.id)


def stored(model, row_id):
    """The row as the database holds it now."""
    db.session.expire_all()
    return db.session.get(model, row_id)
