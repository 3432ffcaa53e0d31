"""The demo data set as each role finds it: seeded once for this module's tests (each rolled back on top of it,
on one worker), emptied after. Seeding takes seconds; each test checks the whole promise it is about."""

from collections import Counter
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.care.models import CALLBACK_OPEN
from server.care.models import COMPLAINT_OPEN
from server.care.models import TASK_OPEN
from server.care.models import Callback
from server.care.models import CareTask
from server.care.models import Complaint
from server.charges.models import Quote
from server.claims.drafts import unclaimed_jobs
from server.claims.models import Claim
from server.claims.models import Settlement
from server.core import geo
from server.core.roles import ROLES
from server.demo import seed
from server.demo import sign_ins
from server.devicesync import feed
from server.devicesync.models import Change
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import OPEN_STATES
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.jobs.models import Scan
from server.jobs.models import ServiceRequest
from server.jobs.services.lifecycle import STEPS
from server.knowledge.services import fault_codes
from server.network.models import Deduction
from server.network.models import Provider
from server.products.models import Product
from server.supply.models import PartReturn
from server.supply.models import Requisition
from server.supply.models import SalesOrder
from server.supply.services.plan import plan_summary
from server.users.models import User
from tests.conftest import empty_tables
from tests.test_demo import DISPATCH_STEPS
from tests.test_demo import OLDEST
from tests.test_demo import RECORDS
from tests.test_demo import STATES
from tests.test_demo import frozen_today
from tests.test_demo import local_day

# One worker seeds it once for every test here.
pytestmark = pytest.mark.xdist_group("demo_seeded")


@pytest.fixture(scope="module")
def seeded(app):
    """The demo as of ``frozen_today()``, committed: ``.now`` and ``.output`` (the lines it said)."""
    lines = []
    now = frozen_today()
    with app.app_context():
        # As in a rolled-back test (tests/conftest.py _BoundSession): what its many commits wrote is not reloaded.
        db.session.remove()
        db.session.configure(expire_on_commit=False)
        try:
            seed(sales=1000, jobs=147, echo=lines.append, now=now)
            db.session.commit()
        finally:
            db.session.remove()
            db.session.configure(expire_on_commit=True)
    yield SimpleNamespace(now=now, output=lines)
    with app.app_context():
        empty_tables()
        db.session.remove()


def test_demo_builds_a_network_catalogue_install_base_and_jobs_of_the_last_weeks(seeded):
    roles = Counter(db.session.scalars(select(User.role)))
    assert set(roles) == set(ROLES)
    assert roles["technician"] >= 100
    assert db.session.scalar(select(func.count()).select_from(Provider)) >= 20
    assert 35 <= db.session.scalar(select(func.count()).select_from(Product)) <= 45
    records = db.session.scalars(select(SaleRecord).limit(200)).all()
    assert all(record.product.serial_matches(record.serial) for record in records)
    assert max(db.session.scalars(select(SaleRecord.sale_date))) <= local_day(seeded.now)
    assert set(db.session.scalars(select(Job.state))) == STATES
    jobs = db.session.scalars(select(Job)).all()
    assert all(job.contact_due_at < job.arrive_due_at < job.complete_due_at for job in jobs)
    assert all(job.province_id == job.region.province().id for job in jobs)
    assert all(seeded.now - OLDEST <= job.created_at <= seeded.now for job in jobs)
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
    # Paid repairs at the door have a quote from the fee guide waiting for the customer's approval.
    at_the_door = {job.id for job in jobs if job.job_type == "paid" and job.state in ("on_site", "waiting_parts")}
    assert set(db.session.scalars(select(Quote.job_id).where(Quote.status == "pending_approval"))) == at_the_door
    # Today's work: requests of the last hours still new, technicians on their way or at the door now.
    fresh = [job for job in jobs if job.state == "new" and seeded.now - job.created_at < timedelta(hours=12)]
    assert fresh
    live = [job for job in jobs if job.state in ("en_route", "on_site")]
    assert live
    last_steps = dict(
        db.session.execute(
            select(JobEvent.job_id, func.max(JobEvent.at))
            .where(JobEvent.job_id.in_([job.id for job in live]), JobEvent.kind != "overdue")
            .group_by(JobEvent.job_id)
        ).all()
    )
    assert all(seeded.now - moment < timedelta(hours=2) for moment in last_steps.values())
    # Proof of visit: addresses in both a Chinese map's datum and GPS's, and the phones' fixes at the door (a
    # few dozen metres, within their accuracy) but for the few jobs meant to raise the auditor's eyebrows.
    systems = Counter(db.session.scalars(select(ServiceRequest.coord_system)))
    assert systems["gcj02"]
    assert systems["wgs84"]
    distances = []
    for job in closed:
        home = geo.to_wgs84(job.request.lat, job.request.lng, job.request.coord_system)
        distances += [geo.distance_m(fix.lat, fix.lng, *home) for fix in job.fixes]
    assert sum(metres < 100 for metres in distances) > 0.9 * len(distances)
    assert any(metres > 1000 for metres in distances)
    arrived_without_fix = [job for job in closed if not any(fix.step == "arrive" for fix in job.fixes)]
    assert 0 < len(arrived_without_fix) <= 2


def test_the_demo_went_through_the_rules_the_api_and_the_phones_use(seeded):
    """Each of these holds only if the services did the work: a raw insert leaves no history, no feed."""
    every_history_walks_the_state_machine_from_created_to_the_jobs_state(seeded.now)
    finished_jobs_record_fault_codes_of_their_units_a_few_codes_most_often()
    the_feeds_devices_pull_carry_the_jobs_and_requisitions()


def every_history_walks_the_state_machine_from_created_to_the_jobs_state(now):
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
            if event.kind == "overdue":
                assert event.at == now  # marked by the SLA check as the demo ends
                continue
            assert event.from_state == state, (job.number, event.kind)
            if event.kind in RECORDS:
                assert event.to_state in (None, state), (job.number, event.kind)
                continue
            if event.kind in DISPATCH_STEPS:
                assert state in DISPATCH_STEPS[event.kind]
                assert event.to_state == "dispatched"
            else:
                step = STEPS[event.kind]
                assert state in step.from_states, (job.number, event.kind, state)
                assert event.to_state == (step.to_state or state)
                assert event.actor_id is None or roles[event.actor_id] in step.roles
                assert (event.device_time is not None) == step.field
            state = event.to_state
        assert state == job.state, job.number
        assert all(now - OLDEST <= event.at <= now for event in history)
        moments = {event.kind: event.at for event in history}
        # The call counts at the phone's clock (lifecycle.phone_moment); the other stages at the server's.
        phoned = {event.kind: event.device_time for event in history}
        assert job.contacted_at == phoned.get("contact")
        assert job.arrived_at == moments.get("arrive")
        assert job.completed_at == moments.get("complete")
        assert job.closed_at == moments.get("close")


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


def test_every_role_finds_work_waiting_and_every_report_shows_its_default_range(seeded, client, auth):
    today = local_day(seeded.now)
    featured = {each.role: db.session.scalar(select(User).where(User.username == each.username)) for each in sign_ins()}
    assert set(featured) == set(ROLES)

    # The technician listed has jobs to work today.
    technician = featured["technician"]
    assert db.session.scalar(select(func.count()).where(Job.technician_id == technician.id, Job.state.in_(OPEN_STATES)))
    # The call centre: callbacks due today and overdue ones, open complaints, and today's care tasks.
    due = db.session.scalars(select(Callback.due_at).where(Callback.status == CALLBACK_OPEN)).all()
    assert any(local_day(moment) == today for moment in due)
    assert any(local_day(moment) < today - timedelta(days=2) for moment in due)
    assert db.session.scalar(select(func.count()).where(Complaint.status == COMPLAINT_OPEN))
    assert db.session.scalar(select(func.count()).where(Complaint.channel == "phone"))
    assert db.session.scalar(select(func.count()).where(CareTask.status == TASK_OPEN, CareTask.due_on == today))
    # Dispatch: new requests, some overdue and escalated.
    assert db.session.scalar(select(func.count()).where(Job.state == "new"))
    assert db.session.scalar(
        select(func.count()).where(Job.state.in_(OPEN_STATES), Job.contact_overdue_at.is_not(None))
    )
    # The provider's manager listed: jobs to assign or close out, and finished warranty jobs to claim.
    provider_id = featured["provider_manager"].provider_id
    waiting = select(func.count()).where(
        Job.provider_id == provider_id,
        ((Job.state == "dispatched") & Job.technician_id.is_(None)) | (Job.state == "completed"),
    )
    assert db.session.scalar(waiting)
    assert db.session.scalars(unclaimed_jobs(featured["provider_manager"])).first() is not None
    # Parts: a clerk's requisitions to decide, orders to ship and to receive, parts received, the plan to order.
    clerk = featured["parts_clerk"]
    assert db.session.scalar(
        select(func.count()).where(Requisition.province_id == clerk.region_id, Requisition.status == "pending")
    )
    orders = Counter(db.session.scalars(select(SalesOrder.status)))
    assert orders["created"]
    assert orders["shipped"]
    assert orders["received"]
    assert any(row["to_order"] > 0 for row in plan_summary())
    # The audit: flagged claims waiting, others decided, and last month settled for some providers.
    statuses = Counter(db.session.scalars(select(Claim.status)))
    assert statuses["pending_review"]
    assert statuses["approved"]
    assert statuses["rejected"]
    assert db.session.scalar(select(func.count()).select_from(Settlement))
    assert {"open", "final"} <= set(db.session.scalars(select(Settlement.status)))
    # Old parts: the featured provider's owed (some overdue), every later state at its RDC, and penalties.
    returns = Counter(db.session.scalars(select(PartReturn.status).where(PartReturn.provider_id == provider_id)))
    assert returns["owed"]
    assert set(db.session.scalars(select(PartReturn.status))) == {"owed", "shipped", "received", "accepted", "rejected"}
    assert db.session.scalar(select(func.count()).where(PartReturn.overdue_at.is_not(None)))
    assert db.session.scalar(select(func.count()).where(PartReturn.province_id == clerk.region_id))
    assert db.session.scalar(select(func.count()).where(Deduction.rule == "RETURN_PENALTY"))

    admin = auth(featured["admin"])
    for name, total in (
        ("complaints", lambda r: r["total"]["complaints"]),
        ("satisfaction", lambda r: r["total"]["reached"]),
        ("sla", lambda r: r["total"]["jobs"]),
        ("workload", lambda r: r["total"]["jobs"]),
        ("parts-cycle", lambda r: r["overall"]["requisitions"]),
    ):
        report = client.get(f"/api/reports/{name}", headers=admin)
        assert report.status_code == 200, name
        assert total(report.json) > 0, name
        trend = client.get(f"/api/reports/{name}/trend", headers=admin)
        assert trend.status_code == 200, name
        assert any(
            point.get("jobs") or point.get("reached") or point.get("requisitions") for point in trend.json["points"]
        ), name
    returned = client.get("/api/reports/part-returns", headers=admin).json
    assert returned["overall"]["on_time"] > 0
    assert returned["overall"]["late"] > 0
    first = today - timedelta(days=29)
    claims = client.get(f"/api/reports/claims?from={first}&to={today}", headers=admin).json
    assert claims["held_back_claims"] > 0
    assert sum(point["claims"] for point in client.get("/api/reports/claims/trend", headers=admin).json["points"]) > 0


def test_a_password_changed_since_is_not_listed(seeded, client, auth):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    changed = client.patch("/api/admin/users/agent1", json={"password": "a new one of my own"}, headers=auth(admin))
    assert changed.status_code == 200, changed.json

    listed = {each.role: each.password for each in sign_ins()}

    assert listed["agent"] is None
    assert all(listed[role] for role in ROLES if role != "agent")


def test_the_demo_has_service_cards_one_extending_a_units_finished_factory_warranty(seeded):
    from server.cards.models import ServiceCard
    from server.products.warranty import warranty_status

    today = local_day(seeded.now)
    cards = {card.number: card for card in db.session.scalars(select(ServiceCard))}
    assert len(cards) == 4
    extended = cards["EW-DEMO-0001"]
    sale = db.session.scalar(select(SaleRecord).where(SaleRecord.serial == extended.serials[0]))
    assert warranty_status(sale.product, sale.sale_date, today)["whole_unit"]["active"] is False
    assert extended.starts_on <= today <= extended.ends_on
    assert cards["EW-DEMO-0004"].ends_on < today
    assert len(cards["EW-DEMO-0002"].serials) == 2
    assert "service cards added: 4" in seeded.output
