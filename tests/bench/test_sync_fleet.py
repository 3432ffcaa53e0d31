"""Benchmark: 200 phones syncing at once against gunicorn while dispatch moves their jobs.

160 technicians of 8 providers, 40 of them with a second phone, three jobs
each. Every phone works ``BENCH_FLEET_ROUNDS`` rounds (pull, a few ops,
push in batches) over a network that loses answers and repeats requests,
then all settle; eight dispatch desks move jobs meanwhile. The benchmark prints
the results by kind, retries, push and pull latency (p50/p95/p99), ops per
second and wall time, and then proves what ``tests.devicesync.fleet`` proves in
the suite: no request failed, no op was lost, none took effect twice, and
every phone holds what the server lists for its technician. Timings are
printed, never asserted: they depend on the machine.

PostgreSQL (``TEST_DATABASE_URL``) in a private database, and SQLite.
"""

import os
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import flask_migrate
from sqlalchemy import insert
from sqlalchemy import select

from server import create_app
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.network.models import Provider
from server.network.models import Region
from server.network.models import provider_regions
from server.notifications.models import Notification
from server.parts.services import import_stock_row
from server.parts.services import parts
from server.products.services import products
from server.users.models import User
from server.users.tokens import issue_token
from tests.conftest import app_config
from tests.devicesync.fleet import Clock
from tests.devicesync.fleet import Dispatcher
from tests.devicesync.fleet import Phone
from tests.devicesync.fleet import check_fleet
from tests.devicesync.fleet import run_fleet
from tests.live import LiveServer

PROVIDERS = 8
TECHNICIANS = 160
SECOND_PHONES = 40  # the first technicians of the list carry two phones: 200 phones in all
JOBS_EACH = 3
ROUNDS = int(os.environ.get("BENCH_FLEET_ROUNDS", "5"))
WORKERS = 4
DESKS = 8


def fill(app):
    """The network, technicians, jobs already assigned (and the technicians told), BOARD in every stock room.

    Rows go in by bulk insert, as a migration from an older system would: the
    first snapshot reads them from the tables, and every change from then on
    goes through the app and into the feeds.
    """
    with app.app_context():
        flask_migrate.upgrade()
        db.session.execute(
            insert(Region), [{"code": "370000", "name": "山东省", "level": "province", "area_class": "city"}]
        )
        province = db.session.scalar(select(Region.id))
        db.session.execute(
            insert(Region),
            [{"code": "370100", "name": "济南市", "level": "city", "area_class": "city", "parent_id": province}],
        )
        city = db.session.scalar(select(Region.id).where(Region.code == "370100"))
        codes = [f"P{n:02d}" for n in range(PROVIDERS)]
        db.session.execute(insert(Provider), [{"code": code, "name": f"服务商 {code}"} for code in codes])
        provider_ids = dict(db.session.execute(select(Provider.code, Provider.id)).all())
        db.session.execute(
            insert(provider_regions), [{"provider_id": provider_ids[code], "region_id": city} for code in codes]
        )
        db.session.execute(
            insert(User),
            [{"username": "dispatcher", "password_hash": "-", "role": "dispatcher"}]
            + [
                {
                    "username": f"tech{n:03d}",
                    "password_hash": "-",
                    "role": "technician",
                    "provider_id": provider_ids[codes[n % PROVIDERS]],
                }
                for n in range(TECHNICIANS)
            ],
        )
        technicians = db.session.execute(
            select(User.id, User.provider_id).where(User.role == "technician").order_by(User.username)
        ).all()
        code_of = {provider_id: code for code, provider_id in provider_ids.items()}
        now = datetime.now(UTC)
        db.session.execute(
            insert(ServiceRequest),
            [
                {
                    "number": f"SR{n:06d}",
                    "customer_phone": f"138{n:08d}",
                    "customer_name": "顾客",
                    "address": "幸福路 8 号",
                    "region_id": city,
                    "fault_description": "不开机",
                    "created_at": now,
                }
                for n in range(TECHNICIANS * JOBS_EACH)
            ],
        )
        requests = list(db.session.scalars(select(ServiceRequest.id).order_by(ServiceRequest.number)))
        db.session.execute(
            insert(Job),
            [
                {
                    "number": f"J{n:06d}",
                    "request_id": request_id,
                    "state": "dispatched",
                    "region_id": city,
                    "province_id": province,
                    "provider_id": technicians[n // JOBS_EACH].provider_id,
                    "technician_id": technicians[n // JOBS_EACH].id,
                    "created_at": now,
                    "updated_at": now,
                    "contact_due_at": now + timedelta(hours=2),
                    "arrive_due_at": now + timedelta(hours=24),
                    "complete_due_at": now + timedelta(hours=48),
                }
                for n, request_id in enumerate(requests)
            ],
        )
        jobs = db.session.execute(select(Job.id, Job.technician_id, Job.provider_id)).all()
        db.session.execute(
            insert(Notification),
            [
                {"user_id": tech, "kind": "job_assigned", "message": "A job is yours.", "job_id": job_id}
                for job_id, tech, _ in jobs
            ],
        )
        db.session.commit()
        products.create({"model": "TV55", "category": "tv", "name": "TV55", "serial_pattern": "", "serial_check": ""})
        parts.create(
            {
                "part_no": "BOARD",
                "name": "Main board",
                "price": 12_000,
                "models": ["TV55"],
                "claimable": True,
                "key_part": True,
                "main_part": False,
            }
        )
        for code in codes:
            import_stock_row({"warehouse": f"PROV-{code}", "part_no": "BOARD", "qty": 100})
        db.session.commit()

        users = db.session.scalars(select(User).order_by(User.username)).all()
        headers = {
            user.id: {"Authorization": f"Bearer {issue_token(user, now=datetime.now(UTC))[0]}"} for user in users
        }
        dispatcher = next(user.id for user in users if user.role == "dispatcher")
        staff = {code: [] for code in codes}
        for tech, provider_id in technicians:
            staff[code_of[provider_id]].append(tech)
        world = {
            "dispatcher": headers[dispatcher],
            "technicians": [(tech, headers[tech]) for tech, _ in technicians],
            "staff": staff,
            "jobs": {job_id: code_of[provider_id] for job_id, _, provider_id in jobs},
        }
        db.session.remove()
        db.engine.dispose()
        return world


def measure(label, database_url, machine):
    config = app_config(database_url, SECRET_KEY="bench-secret-" + "x" * 40)
    app = create_app(config)
    world = fill(app)
    clock = Clock()
    with LiveServer(config, workers=WORKERS) as server:
        phones = []
        for n, (tech, headers) in enumerate(world["technicians"]):
            for phone in "ab" if n < SECOND_PHONES else "a":
                name = f"tech{n:03d}-{phone}"
                phones.append(Phone(name, tech, headers, clock, seed=name))
        # Several desks, each with its own jobs: one would get a request in edgeways among 200 phones.
        jobs = sorted(world["jobs"])
        dispatchers = [
            Dispatcher(
                world["dispatcher"],
                world["staff"],
                {job_id: world["jobs"][job_id] for job_id in jobs[n::DESKS]},
                seed=f"bench-desk-{n}",
                pause=(0.01, 0.05),
                name=f"desk-{n}",
            )
            for n in range(DESKS)
        ]
        stats = run_fleet(server, phones, ROUNDS, dispatchers, timeout=1800)
        with app.app_context():
            check = check_fleet(phones)
            db.session.remove()
            db.engine.dispose()
    lines = [
        f"[{label}] {len(phones)} phones of {TECHNICIANS} technicians, gunicorn {WORKERS} workers, on {machine}",
        *(f"[{label}] {line}" for line in stats.lines()),
        f"[{label}] {check.line()}",
    ]
    print("\n" + "\n".join(lines))
    for error in stats.errors[:20]:
        print(f"[{label}] error: {error}")
    for problem in check.problems[:20]:
        print(f"[{label}] problem: {problem}")
    assert stats.errors == [], f"{len(stats.errors)} errors"
    assert check.problems == [], f"{len(check.problems)} problems"


def test_a_fleet_of_200_phones_on_postgresql(machine, postgres_url):
    measure("PostgreSQL", postgres_url, machine)


def test_a_fleet_of_200_phones_on_sqlite(tmp_path, machine):
    measure("SQLite", f"sqlite:///{tmp_path / 'fleet.db'}", machine)
