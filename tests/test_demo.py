"""seed-demo: a realistic data set for every role, made through the domains' rules and dated back from the
moment it is loaded, so that every role's home and every report's default range have something in them; a
second run adds nothing and lists the same sign-ins.

The clock is frozen as the services take it (their ``now``): the data is seeded as of a fixed moment of
today (so the API's own clock, which picks a report's default range, sees it as recent), or of a moment long
past, to show it follows the clock given.
"""

from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.care.models import CALLBACK_OPEN
from server.care.models import Callback
from server.claims.models import Claim
from server.core.clock import local_today
from server.demo import HISTORY_DAYS
from server.demo import seed
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.jobs.models import ServiceRequest
from server.jobs.services.dispatch import ASSIGN_STATES
from server.jobs.services.dispatch import REDISPATCH_STATES
from server.network.models import Provider
from server.parts.models import StockLevel
from server.parts.models import StockMovement
from server.products.models import Product
from server.supply.models import Requisition
from server.users.models import User

TABLES = (User, Provider, Product, SaleRecord, ServiceRequest, Job, JobEvent, StockLevel, StockMovement, Requisition)
STATES = {"new", "dispatched", "accepted", "en_route", "on_site", "waiting_parts", "completed", "closed", "cancelled"}
# The steps that are not the phone's or the desk's buttons but dispatch's: the states each may start from.
DISPATCH_STEPS = {"dispatched": REDISPATCH_STATES, "assigned": ASSIGN_STATES}
# Facts recorded on a job's history that move no state: the receipt of its parts (supply's, not a lifecycle step)
# and its charges (a quote, its approval, a payment).
RECORDS = {"parts_received", "quote", "quote_approved", "payment"}
# Requests come in during the call centre's hours; a few are moved to the evening before: a day and a bit.
OLDEST = timedelta(days=HISTORY_DAYS + 1)


def counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def frozen_today():
    """10:00 in China today (02:00 UTC), or yesterday's when that is still to come: recent, never ahead."""
    now = datetime.now(UTC)
    at = datetime.combine(now.date(), time(2, 0), tzinfo=UTC)
    return at if at <= now else at - timedelta(days=1)


def local_day(moment):
    return local_today(moment)


# The demo as each role finds it is tested on one seeding in tests/test_demo_seeded.py.


@pytest.mark.both_backends
def test_a_second_run_adds_nothing_and_lists_the_same_sign_ins(runner, client, snapshot):
    first = runner.invoke(args=["seed-demo", "--sales", "1000", "--jobs", "42"])
    assert first.exit_code == 0, first.output
    listed = first.output[first.output.index("Demo sign-ins") :].splitlines()[2:]
    assert [line.split()[0] for line in listed] == [
        "admin", "agent", "supervisor", "dispatcher", "hq_planner", "auditor", "parts_clerk", "provider_manager",
        "technician"
    ]  # fmt: skip
    # Each line signs in as its role.
    for line in listed[-2:]:
        role, username, password = line.split()
        response = client.post("/api/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, line
        assert response.json["user"]["role"] == role
    before = counts()
    rows = snapshot()

    again = runner.invoke(args=["seed-demo", "--sales", "1000", "--jobs", "42"])
    assert again.exit_code == 0, again.output
    assert "service requests added: 0" in again.output
    assert "sale records added: 0" in again.output
    db.session.expire_all()
    assert counts() == before
    assert snapshot() == rows
    if_empty = runner.invoke(args=["seed-demo", "--if-empty"])
    assert if_empty.exit_code == 0
    assert "nothing to load" in if_empty.output
    printed = runner.invoke(args=["demo-sign-ins", "--url", "http://127.0.0.1:8080/"])
    # Printed every time, the same each time: make run lists them whether it loaded the demo or not.
    for output in (again.output, if_empty.output, printed.output):
        assert output[output.index("Demo sign-ins") :].splitlines()[2:] == listed
    assert "http://127.0.0.1:8080/" in printed.output
    assert counts() == before


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
        (r.job.request.serial, r.raised_at, r.status, tuple(line.part.part_no for line in r.lines))
        for r in db.session.scalars(select(Requisition))
    )
    claims = sorted(
        (claim.serial, claim.repair_date, claim.status, tuple(flag.code for flag in claim.flags))
        for claim in db.session.scalars(select(Claim))
    )
    return jobs, sales, parts, claims


FROZEN = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # 10:00 on a Monday in China


def test_the_same_data_on_every_fresh_database(app):
    made = []
    for _ in range(2):
        fresh = db.session.begin_nested()
        seed(sales=500, jobs=25, echo=lambda line: None, now=FROZEN)
        made.append(fingerprint())
        fresh.rollback()
        db.session.expire_all()
    assert made[0] == made[1]
    assert len(made[0][0]) == 25


def test_the_history_ends_at_the_moment_it_is_loaded(app):
    """Loaded as of a moment long past, the demo is that moment's recent past: nothing after it, its last weeks
    full, its callbacks falling due that day and its requisitions each as far along as its age."""
    now = datetime(2025, 11, 3, 2, 0, tzinfo=UTC)
    seed(sales=800, jobs=63, echo=lambda line: None, now=now)
    today = local_day(now)

    created = db.session.scalars(select(Job.created_at)).all()
    assert all(now - OLDEST <= moment <= now for moment in created)
    assert max(created) > now - timedelta(hours=12)
    assert min(created) < now - timedelta(days=HISTORY_DAYS - 7)
    assert max(db.session.scalars(select(JobEvent.at))) <= now
    assert max(db.session.scalars(select(SaleRecord.sale_date))) <= today
    assert max(db.session.scalars(select(Claim.repair_date))) <= today
    # Callbacks are opened as they fall due: the open ones fell due by then, the latest in its last days.
    due = db.session.scalars(select(Callback.due_at).where(Callback.status == CALLBACK_OPEN)).all()
    assert all(moment <= now for moment in due)
    assert max(due) > now - timedelta(days=3)
    for requisition in db.session.scalars(select(Requisition)):
        stamps = [requisition.raised_at, requisition.approved_at, requisition.shipped_at, requisition.received_at]
        reached = [stamp for stamp in stamps if stamp is not None]
        assert reached == sorted(reached)
        assert reached[-1] <= now
    # The youngest wait for their clerk, the older ones got further (or wait in the headquarters plan).
    by_age = db.session.scalars(select(Requisition.status).order_by(Requisition.raised_at.desc())).all()
    waiting = by_age.count("pending")
    assert waiting >= 1
    assert by_age[:waiting] == ["pending"] * waiting
