"""seed-demo: a realistic data set for every role, made through the domains' rules, and a second run adds nothing."""

from collections import Counter
from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.core.roles import ROLES
from server.demo import seed
from server.devicesync import feed
from server.devicesync.models import Change
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.jobs.models import Scan
from server.jobs.models import ServiceRequest
from server.jobs.services.dispatch import ASSIGN_STATES
from server.jobs.services.dispatch import REDISPATCH_STATES
from server.jobs.services.lifecycle import STEPS
from server.knowledge.services import fault_codes
from server.network.models import Provider
from server.parts.models import StockLevel
from server.parts.models import StockMovement
from server.products.models import Product
from server.supply.models import Requisition
from server.users.models import User

TABLES = (User, Provider, Product, SaleRecord, ServiceRequest, Job, JobEvent, StockLevel, StockMovement, Requisition)
STATES = {"new", "dispatched", "accepted", "en_route", "on_site", "waiting_parts", "completed", "closed", "cancelled"}
# The demo's month of work, and the few days its last jobs and callbacks run over.
MONTH = (datetime(2026, 6, 1, tzinfo=UTC), datetime(2026, 7, 15, tzinfo=UTC))
# The steps that are not the phone's or the desk's buttons but dispatch's: the states each may start from.
DISPATCH_STEPS = {"dispatched": REDISPATCH_STATES, "assigned": ASSIGN_STATES}


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed-demo", "--sales", "1000", "--jobs", "42"])
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
    assert set(db.session.scalars(select(Job.state))) == STATES
    jobs = db.session.scalars(select(Job)).all()
    assert all(job.contact_due_at < job.arrive_due_at < job.complete_due_at for job in jobs)
    assert all(job.province_id == job.region.province().id for job in jobs)
    assert all(MONTH[0] <= job.created_at < MONTH[1] for job in jobs)
    closed = [job for job in jobs if job.state == "closed"]
    assert all(job.completed_at and job.closed_at and job.completion_summary for job in closed)
    barcode_scanned = set(db.session.scalars(select(Scan.job_id).where(Scan.source == "camera")))
    assert {job.id for job in closed if job.job_type == "warranty"} <= barcode_scanned
    open_serials = [job.request.open_serial for job in jobs if job.state not in ("closed", "cancelled")]
    assert None not in open_serials
    assert len(open_serials) == len(set(open_serials))
    serials = set(db.session.scalars(select(ServiceRequest.serial)))
    assert serials == set(db.session.scalars(select(SaleRecord.serial).where(SaleRecord.serial.in_(serials))))
    # The rules chose the job type from each unit's warranty on the day of the request: most are in it.
    types = Counter(job.job_type for job in jobs)
    assert types["warranty"] > types["paid"] > 0
    line = next(line for line in seeded.output.splitlines() if line.strip().startswith("technician"))
    _, username, password = line.split()
    response = client.post("/api/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200
    assert response.json["user"]["role"] == "technician"


@pytest.mark.both_backends
def test_second_run_adds_and_changes_nothing_and_prints_no_password(seeded, runner, snapshot):
    before = counts()
    hashes = dict(db.session.execute(select(User.username, User.password_hash)).all())
    rows = snapshot()
    result = runner.invoke(args=["seed-demo", "--sales", "1000", "--jobs", "42"])
    assert result.exit_code == 0, result.output
    assert "passwords are unchanged" in result.output
    assert "service requests added: 0" in result.output
    db.session.expire_all()
    assert counts() == before
    assert dict(db.session.execute(select(User.username, User.password_hash)).all()) == hashes
    assert snapshot() == rows
    if_empty = runner.invoke(args=["seed-demo", "--if-empty"])
    assert if_empty.exit_code == 0
    assert "nothing to load" in if_empty.output
    assert counts() == before


def test_the_demo_went_through_the_rules_the_api_and_the_phones_use(seeded):
    """Each of these holds only if the services did the work: a raw insert leaves no history, no feed."""
    every_history_walks_the_state_machine_from_created_to_the_jobs_state()
    finished_jobs_record_fault_codes_of_their_units_a_few_codes_most_often()
    the_feeds_devices_pull_carry_the_jobs_and_requisitions()


def every_history_walks_the_state_machine_from_created_to_the_jobs_state():
    roles = dict(db.session.execute(select(User.id, User.role)).all())
    events = {}
    for event in db.session.scalars(select(JobEvent).order_by(JobEvent.at, JobEvent.id)):
        events.setdefault(event.job_id, []).append(event)
    jobs = db.session.scalars(select(Job)).all()
    for job in jobs:
        history = events[job.id]
        first, *steps = history
        assert (first.kind, first.to_state, first.at) == ("created", "new", job.created_at)
        assert roles[first.actor_id] == "agent"
        state = "new"
        for event in steps:
            assert event.from_state == state, (job.number, event.kind)
            if event.kind in DISPATCH_STEPS:
                assert state in DISPATCH_STEPS[event.kind]
                assert event.to_state == "dispatched"
            else:
                step = STEPS[event.kind]
                assert state in step.from_states, (job.number, event.kind, state)
                assert event.to_state == (step.to_state or state)
                assert roles[event.actor_id] in step.roles
                assert (event.device_time is not None) == step.field
            state = event.to_state
        assert state == job.state, job.number
        assert all(MONTH[0] <= event.at < MONTH[1] for event in history)
        moments = {event.kind: event.at for event in history}
        # The call counts at the phone's clock (lifecycle.phone_moment); the other stages at the server's.
        phoned = {event.kind: event.device_time for event in history}
        assert job.contacted_at == phoned.get("contact")
        assert job.arrived_at == moments.get("arrive")
        assert job.completed_at == moments.get("complete")
        assert job.closed_at == moments.get("close")


def test_every_demo_job_waiting_for_parts_has_a_pending_requisition_of_a_part_that_fits(seeded):
    waiting = {job.id: job for job in db.session.scalars(select(Job).where(Job.state == "waiting_parts"))}
    requisitions = db.session.scalars(select(Requisition)).all()
    assert waiting
    assert {r.job_id for r in requisitions} == set(waiting)
    for requisition in requisitions:
        job = waiting[requisition.job_id]
        assert requisition.status == "pending"
        assert [line.qty for line in requisition.lines] == [1]
        assert job.request.product in requisition.lines[0].part.products
        assert requisition.raised_by_id == job.technician_id
        held = db.session.scalar(select(JobEvent).where(JobEvent.job_id == job.id, JobEvent.kind == "hold_for_parts"))
        assert held.at == requisition.raised_at
        assert held.data["requisition"] == requisition.number


def finished_jobs_record_fault_codes_of_their_units_a_few_codes_most_often():
    finished = db.session.scalars(select(Job).where(Job.state.in_(("completed", "closed")))).all()
    for job in finished:
        assert job.fault_code in {entry.fault_code for entry in fault_codes(job.request.product.model)["items"]}
    codes = Counter(job.fault_code for job in finished)
    assert sum(n for _, n in codes.most_common(3)) > len(finished) / 2


def the_feeds_devices_pull_carry_the_jobs_and_requisitions():
    fed = set(db.session.execute(select(Change.audience, Change.entity, Change.entity_id)).all())
    for job in db.session.scalars(select(Job).where(Job.provider_id.is_not(None))):
        assert (feed.provider(job.provider_id), "job", str(job.id)) in fed
        if job.technician_id:
            assert (feed.technician(job.technician_id), "job", str(job.id)) in fed
    for requisition in db.session.scalars(select(Requisition)):
        assert (feed.province(requisition.province_id), "requisition", str(requisition.id)) in fed


def fingerprint():
    """What the demo made, by natural keys (ids and password hashes aside)."""
    usernames = dict(db.session.execute(select(User.id, User.username)).all())
    jobs = sorted(
        (
            job.request.serial,
            job.created_at,
            job.state,
            job.job_type,
            job.provider.code if job.provider else None,
            usernames.get(job.technician_id),
            job.fault_code,
            job.appointment_at,
            job.completed_at,
            job.closed_at,
            tuple(
                (event.kind, event.to_state, event.at, event.device_time, usernames.get(event.actor_id))
                for event in db.session.scalars(select(JobEvent).where(JobEvent.job_id == job.id).order_by(JobEvent.id))
            ),
        )
        for job in db.session.scalars(select(Job))
    )
    sales = db.session.execute(
        select(SaleRecord.serial, SaleRecord.sale_date, SaleRecord.store, SaleRecord.customer_phone).order_by(
            SaleRecord.serial
        )
    ).all()
    parts = sorted(
        (r.job.request.serial, r.raised_at, tuple(line.part.part_no for line in r.lines))
        for r in db.session.scalars(select(Requisition))
    )
    return jobs, sales, parts


def test_the_same_data_on_every_fresh_database(app):
    made = []
    for _ in range(2):
        fresh = db.session.begin_nested()
        seed(sales=500, jobs=25, echo=lambda line: None)
        made.append(fingerprint())
        fresh.rollback()
        db.session.expire_all()
    assert made[0] == made[1]
    assert len(made[0][0]) == 25
