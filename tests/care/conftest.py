"""Fixtures of the customer-care tests: completed jobs made to measure on the dispatch world (tests/fixtures/jobs.py).

Jobs are made through the request service and then given the state and times a
test needs, so each test says exactly when a job was completed and by whom.
"""

import itertools
from datetime import timedelta

import pytest

from server.core.clock import utcnow
from server.extensions import db
from server.jobs.services.requests import create_request
from tests.fixtures.jobs import PHONE


@pytest.fixture
def done_job(people):
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
def as_agent(people):
    return people.agent.headers
