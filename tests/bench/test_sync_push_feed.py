"""Benchmark: one push of 500 field steps on 125 jobs, in process, and the feed changes it writes.

A technician's phone back in signal sends its day at once: on each of 125
jobs (dispatched to them) ``job.accept``, ``job.depart``, ``job.arrive`` and
``job.contact``, job after job, 500 ops in one push, committed
``SYNC_OPS_PER_COMMIT`` at a time. Every op changes its job, so what the feed
should hold afterwards is known: one change per job in each feed that sees it
(the technician's and the provider's) for each commit that touched the job.

The push is timed in process through Flask's test client (no HTTP, no other
client): ``WARMUP`` runs and then ``REPEATS``, each on fresh jobs; the median,
every run and the feed changes each push wrote are printed. PostgreSQL when
``TEST_DATABASE_URL`` is set (a private database), and SQLite in a temporary file.
"""

import os
import statistics
import time
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace

import flask_migrate
from flask import current_app
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select

from server import create_app
from server.devicesync.models import Change
from server.extensions import db
from server.jobs.models import Job
from server.users.models import User
from server.users.tokens import issue_token
from tests.bench.worlds import customer_requests
from tests.bench.worlds import one_technician
from tests.conftest import app_config
from tests.fixtures.device import Device

JOBS = 125
STEPS = ("job.accept", "job.depart", "job.arrive", "job.contact")
WARMUP = 1
REPEATS = int(os.environ.get("BENCH_PUSH_REPEATS", "5"))
AUDIENCES = 2  # a job shows in its technician's feed and its provider's


def seed(app, rounds):
    """One technician of one provider, and ``JOBS`` dispatched jobs for each round."""
    with app.app_context():
        flask_migrate.upgrade()
        province, city, provider, technician = one_technician()
        count = JOBS * rounds
        now = datetime.now(UTC)
        customer_requests(count, city, lambda n: now - timedelta(hours=2))
        db.session.execute(
            insert(Job),
            [
                {
                    "id": n + 1,
                    "number": f"J{n + 1:08d}",
                    "request_id": n + 1,
                    "state": "dispatched",
                    "region_id": city,
                    "province_id": province,
                    "provider_id": provider,
                    "technician_id": technician,
                    "created_at": now - timedelta(hours=2),
                    "updated_at": now - timedelta(hours=2),
                    "contact_due_at": now + timedelta(hours=2),
                    "arrive_due_at": now + timedelta(hours=24),
                    "complete_due_at": now + timedelta(hours=48),
                }
                for n in range(count)
            ],
        )
        db.session.commit()
        token = issue_token(db.session.get(User, technician))[0]
        db.session.remove()
        return token


def day_of_work(device, job_ids):
    """Each job's four steps, job after job."""
    when = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    payloads = {"job.contact": {"appointment_at": when, "note": "约好明天上午"}}
    return [device.op(step, job_id, payloads.get(step, {})) for job_id in job_ids for step in STEPS]


def changes():
    found = db.session.scalar(select(func.count()).select_from(Change))
    db.session.commit()
    return found


def measure(label, url, machine):
    app = create_app(app_config(url))
    rounds = WARMUP + REPEATS
    token = seed(app, rounds)
    client = app.test_client()
    device = Device(client, SimpleNamespace(headers={"Authorization": f"Bearer {token}"}), f"bench-{uuid.uuid4().hex}")
    times, written = [], []
    with app.app_context():
        per_commit = current_app.config["SYNC_OPS_PER_COMMIT"]
        for round_ in range(rounds):
            ops = day_of_work(device, range(round_ * JOBS + 1, (round_ + 1) * JOBS + 1))
            before = changes()
            began = time.perf_counter()
            status, body = device.push(ops)
            elapsed = (time.perf_counter() - began) * 1000
            assert status == 200, body
            refused = [result for result in body["results"] if result["result"] != "applied"]
            assert not refused, refused[:3]
            if round_ >= WARMUP:
                times.append(elapsed)
                written.append(changes() - before)
        db.session.remove()
        db.engine.dispose()
    # Job after job, a job's steps fall in one commit unless a chunk's edge splits them.
    steps = len(STEPS)
    commits_per_job = [len({(n * steps + k) // per_commit for k in range(steps)}) for n in range(JOBS)]
    print(
        f"\n[{label}] push of {JOBS * len(STEPS)} ops ({', '.join(STEPS)} on each of {JOBS} jobs), in process, "
        f"{per_commit} ops per commit; median of {REPEATS} runs after {WARMUP} warm-up, on {machine}, "
        f"load average (1 min) {os.getloadavg()[0]:.1f}"
    )
    print(f"[{label}] push ms: median {statistics.median(times):.0f}; runs {', '.join(f'{t:.0f}' for t in times)}")
    print(
        f"[{label}] feed changes per push: {', '.join(str(n) for n in written)} "
        f"(one per job, commit and audience: {sum(commits_per_job) * AUDIENCES}; "
        f"one per op and audience: {JOBS * steps * AUDIENCES})"
    )


def test_push_feed_on_postgresql(machine, postgres_url):
    measure("PostgreSQL", postgres_url, machine)


def test_push_feed_on_sqlite(machine, tmp_path):
    measure("SQLite", f"sqlite:///{tmp_path / 'push.db'}", machine)
