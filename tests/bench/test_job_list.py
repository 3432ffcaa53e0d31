"""Benchmark: a technician's job list under gunicorn, in a database of 1,000,000 jobs.

The technician has 200 jobs among 1,000,000 (5,000 technicians of 50
providers). gunicorn serves the app from its own processes; client threads
on the same machine ask for the first page of ``GET /api/jobs`` and the
benchmark prints p50/p95/p99 latency and requests per second. It also
prints the query plan, which must use the (technician_id, created_at) index.

``BENCH_JOBS`` changes the number of jobs; PostgreSQL is measured too when
``TEST_DATABASE_URL`` is set.
"""

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import flask_migrate
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text

from server import create_app
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.network.models import Provider
from server.network.models import Region
from server.network.models import provider_regions
from server.users.models import User
from server.users.tokens import issue_token
from tests.conftest import app_config

JOBS = int(os.environ.get("BENCH_JOBS", "1000000"))
PER_TECHNICIAN = 200
PROVIDERS = 50
WORKERS = 4
CLIENTS = 8
REQUESTS = 4000
CHUNK = 20_000
STATES = ("new", "dispatched", "accepted", "on_site", "completed", "closed", "closed", "closed")


def fill(app):
    """Regions, providers, technicians and ``JOBS`` requests with their jobs; return the measured technician."""
    with app.app_context():
        flask_migrate.upgrade()
        db.session.execute(
            insert(Region),
            [
                {"code": "370000", "name": "山东省", "level": "province", "area_class": "city", "parent_id": None},
            ],
        )
        province = db.session.scalar(select(Region.id))
        db.session.execute(
            insert(Region),
            [{"code": "370100", "name": "济南市", "level": "city", "area_class": "city", "parent_id": province}],
        )
        city = db.session.scalar(select(Region.id).where(Region.code == "370100"))
        db.session.execute(insert(Provider), [{"code": f"P{n:03d}", "name": f"服务商 {n}"} for n in range(PROVIDERS)])
        provider_ids = list(db.session.scalars(select(Provider.id).order_by(Provider.id)))
        db.session.execute(insert(provider_regions), [{"provider_id": p, "region_id": city} for p in provider_ids])
        technicians = max(1, JOBS // PER_TECHNICIAN)
        db.session.execute(
            insert(User),
            [
                {
                    "username": f"tech{n:05d}",
                    "password_hash": "-",
                    "role": "technician",
                    "provider_id": provider_ids[n % PROVIDERS],
                }
                for n in range(technicians)
            ],
        )
        tech_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
        provider_of = dict(db.session.execute(select(User.id, User.provider_id)).all())
        db.session.commit()

        start = datetime(2026, 1, 1, tzinfo=UTC)
        for first in range(0, JOBS, CHUNK):
            numbers = range(first, min(first + CHUNK, JOBS))
            db.session.execute(
                insert(ServiceRequest),
                [
                    {
                        "id": n + 1,
                        "number": f"SR{n + 1:08d}",
                        "serial": f"SN{n:09d}",
                        "customer_phone": f"138{n:08d}",
                        "customer_name": "顾客",
                        "address": "幸福路 8 号",
                        "region_id": city,
                        "fault_description": "不开机",
                        "created_at": start + timedelta(minutes=n),
                    }
                    for n in numbers
                ],
            )
            rows = []
            for n in numbers:
                # Job n goes to technician n % technicians: each has PER_TECHNICIAN jobs spread over the year.
                tech = tech_ids[n % technicians]
                created = start + timedelta(minutes=n)
                rows.append(
                    {
                        "id": n + 1,
                        "number": f"J{n + 1:08d}",
                        "request_id": n + 1,
                        "state": STATES[n % len(STATES)],
                        "region_id": city,
                        "province_id": province,
                        "provider_id": provider_of[tech],
                        "technician_id": tech,
                        "created_at": created,
                        "updated_at": created,
                        "contact_due_at": created + timedelta(hours=2),
                        "arrive_due_at": created + timedelta(hours=24),
                        "complete_due_at": created + timedelta(hours=48),
                    }
                )
            db.session.execute(insert(Job), rows)
            db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('jobs', 'id'), :n)"), {"n": JOBS})
            db.session.commit()
        return tech_ids[0]


def query_plan(app, technician_id):
    from server.jobs.services.queries import list_jobs

    with app.app_context():
        user = db.session.get(User, technician_id)
        statement = list_jobs(user, {}).limit(50)
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        rows = db.session.execute(text(explain + str(compiled))).all()
        db.session.remove()
        db.engine.dispose()
        return "\n".join(" ".join(str(col) for col in row) for row in rows)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url, secret, port):
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=secret, LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "server:create_app()",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not answer within 60 s")


def hammer(port, token, clients=CLIENTS, requests=REQUESTS):
    """``clients`` threads with keep-alive connections send ``requests`` requests in all; latencies in ms."""
    latencies = []
    errors = []
    lock = threading.Lock()
    per_client = requests // clients
    headers = {"Authorization": f"Bearer {token}"}

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_client):
            began = time.perf_counter()
            connection.request("GET", "/api/jobs", headers=headers)
            response = connection.getresponse()
            body = response.read()
            mine.append((time.perf_counter() - began) * 1000)
            if response.status != 200 or json.loads(body)["total"] != PER_TECHNICIAN:
                errors.append((response.status, body[:200]))
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    assert not errors, errors[:3]
    return latencies, elapsed


def measure(label, database_url, machine):
    config = app_config(database_url, SECRET_KEY="bench-secret-" + "x" * 40)
    app = create_app(config)
    began = time.perf_counter()
    technician_id = fill(app)
    print(f"\n[{label}] {JOBS:,} jobs loaded in {time.perf_counter() - began:.1f} s")
    plan = query_plan(app, technician_id)
    print(f"[{label}] query plan:\n{plan}")
    assert "ix_jobs_technician_created" in plan
    with app.app_context():
        token = issue_token(db.session.get(User, technician_id), now=datetime.now(UTC))[0]
        db.session.remove()
        db.engine.dispose()
    port = free_port()
    server = start_gunicorn(database_url, config["SECRET_KEY"], port)
    try:
        hammer(port, token)  # warm the workers and the page cache
        # One client alone: the latency of the request itself. Then CLIENTS at once: throughput,
        # and the latency when the two cores are shared by the workers and the clients.
        for clients, requests in ((1, REQUESTS // 4), (CLIENTS, REQUESTS)):
            latencies, elapsed = hammer(port, token, clients, requests)
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"[{label}] GET /api/jobs (technician with {PER_TECHNICIAN} jobs, page of 50), "
                f"gunicorn {WORKERS} workers, {clients} client thread(s), {len(latencies)} requests: "
                f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, p99 {cuts[98]:.1f} ms, "
                f"{len(latencies) / elapsed:.0f} requests/s on {machine}"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_technician_job_list_on_sqlite(tmp_path, machine):
    measure("SQLite", f"sqlite:///{tmp_path / 'jobs.db'}", machine)


def test_technician_job_list_on_postgresql(machine, postgres_url):
    measure("PostgreSQL", postgres_url, machine)
