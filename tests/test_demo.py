"""seed-demo: a realistic data set for every role, and a second run adds nothing."""

from collections import Counter

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.core.roles import ROLES
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Job
from server.jobs.models import Scan
from server.jobs.models import ServiceRequest
from server.network.models import Provider
from server.parts.models import StockLevel
from server.parts.models import StockMovement
from server.products.models import Product
from server.supply.models import Requisition
from server.users.models import User

TABLES = (User, Provider, Product, SaleRecord, ServiceRequest, Job, StockLevel, StockMovement, Requisition)


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed-demo", "--sales", "3000", "--jobs", "60"])
    assert result.exit_code == 0, result.output
    return result


# Seeding takes seconds, so each test seeds once and checks the whole promise it is about.


def test_demo_builds_a_network_catalogue_install_base_and_jobs(seeded, client):
    roles = Counter(db.session.scalars(select(User.role)))
    assert set(roles) == set(ROLES)
    assert roles["technician"] >= 100
    assert db.session.scalar(select(func.count()).select_from(Provider)) >= 20
    assert 35 <= db.session.scalar(select(func.count()).select_from(Product)) <= 45
    records = db.session.scalars(select(SaleRecord).limit(200)).all()
    assert all(record.product.serial_matches(record.serial) for record in records)
    assert {"new", "closed"} <= set(db.session.scalars(select(Job.state)))
    jobs = db.session.scalars(select(Job)).all()
    assert all(job.contact_due_at < job.arrive_due_at < job.complete_due_at for job in jobs)
    assert all(job.province_id == job.region.province().id for job in jobs)
    closed = [job for job in jobs if job.state == "closed"]
    assert all(job.completed_at and job.closed_at and job.completion_summary for job in closed)
    scanned = set(db.session.scalars(select(Scan.job_id)))
    assert {job.id for job in closed} <= scanned
    open_serials = [job.request.open_serial for job in jobs if job.state not in ("closed", "cancelled")]
    assert None not in open_serials
    assert len(open_serials) == len(set(open_serials))
    serials = set(db.session.scalars(select(ServiceRequest.serial)))
    assert serials == set(db.session.scalars(select(SaleRecord.serial).where(SaleRecord.serial.in_(serials))))
    line = next(line for line in seeded.output.splitlines() if line.strip().startswith("technician"))
    _, username, password = line.split()
    response = client.post("/api/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200
    assert response.json["user"]["role"] == "technician"


def test_second_run_adds_and_changes_nothing_and_prints_no_password(seeded, runner):
    before = counts()
    hashes = dict(db.session.execute(select(User.username, User.password_hash)).all())
    result = runner.invoke(args=["seed-demo", "--sales", "3000", "--jobs", "60"])
    assert result.exit_code == 0, result.output
    assert "passwords are unchanged" in result.output
    db.session.expire_all()
    assert counts() == before
    assert dict(db.session.execute(select(User.username, User.password_hash)).all()) == hashes
    if_empty = runner.invoke(args=["seed-demo", "--if-empty"])
    assert if_empty.exit_code == 0
    assert "nothing to load" in if_empty.output
    assert counts() == before


def test_every_demo_job_waiting_for_parts_has_a_pending_requisition_of_a_part(seeded):
    waiting = set(db.session.scalars(select(Job.id).where(Job.state == "waiting_parts")))
    requisitions = db.session.scalars(select(Requisition)).all()
    assert waiting
    assert {r.job_id for r in requisitions} == waiting
    assert all(r.status == "pending" and r.lines and r.lines[0].qty == 1 for r in requisitions)
