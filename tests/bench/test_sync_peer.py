"""Benchmark: offline sync beside a peer, pouchdb-server replicating with PouchDB.

Four scenarios, each timed wall-clock from a client on the same machine over
loopback. The two sides take turns in ``BLOCKS`` blocks: in each, our server runs
every scenario ``WARMUP`` times to warm up and then ``REPEATS`` times, then the
peer does the same (Node's JIT takes a couple of runs); the median of all of a
side's runs is printed beside the other's. Taking turns puts both sides in the
same minutes of a machine whose speed drifts (a fifth from one minute to the
next on a shared 2-core machine), where one side's runs all before the other's
measured the drift as much as the code:

- **push** of 500 ops in pushes of 200 (the phone's batch: a phone back in
  signal with a full outbox sends it so): 450 ``note.add`` and 50
  ``parts.used`` spread over the technician's jobs, every one ``applied``. The
  peer: 500 new documents (the same op JSON) replicated from a local PouchDB
  to the server, in batches of 200.
- **initial pull** of a technician with 5,000 open jobs and the 20-part
  catalogue: pages of 500 (the phone's page) until ``has_more`` is false. The
  peer: a fresh local PouchDB replicates a server database holding the same
  5,020 documents (the very JSON our pull sent), in batches of 500.
- **incremental pull** of 100 changes: another device of the technician pushes
  ``job.contact`` with a new appointment on 100 jobs (not timed), then the
  device pulls from the cursor it held. The peer: the same 100 documents are
  changed on the server, and the device replicates from its checkpoint.
- **no-op pull** from an up-to-date cursor; the peer replicates with nothing new.

What is equivalent: the machine, the loopback, the document counts and the
documents themselves (job and part JSON as our pull serves it, op JSON as a
phone pushes it), the page sizes (PouchDB's default ``batch_size`` is 100; it
is given ours), and one client at a time. Our side times the requests, JSON
decoding and keeping the changes in a dict; the peer's times replication
into a local in-memory PouchDB, checkpoints included. Both clients ask for
keep-alive; the peer's connections are kept, while gunicorn's sync workers
answer ``Connection: close``, so each of our requests opens a loopback
connection, as it would in production with that worker class.

What is not: our push runs every op through the domain rules in a savepoint
of its own (the job locked, the op, its result and the device's seq
recorded, an audit event written, stock issued for parts), and commits them
durably to a database, ``SYNC_OPS_PER_COMMIT`` ops at a time; pouchdb-server stores documents in memory, with no
rules, no durability and no authentication. Our pull reads per-user feeds
filtered by what the technician may see and signs its cursor; the peer serves
one database's changes. gunicorn runs 2 worker processes; pouchdb-server one
Node process.

PostgreSQL when ``TEST_DATABASE_URL`` is set, and SQLite in a temporary file.
The peer's packages are installed by ``npm ci`` in ``tests/bench/peer`` on
first use (needs node and npm; no native build: both sides are in memory).
"""

import collections
import json
import os
import shutil
import statistics
import subprocess
import time
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import flask_migrate
import pytest
from sqlalchemy import insert
from sqlalchemy import select

from server import create_app
from server.extensions import db
from server.jobs.models import Job
from server.parts.models import Part
from server.parts.models import StockLevel
from server.parts.models import Warehouse
from server.users.models import User
from server.users.tokens import issue_token
from tests.bench.worlds import customer_requests
from tests.bench.worlds import one_technician
from tests.conftest import app_config
from tests.fixtures.device import Device
from tests.live import LiveClient
from tests.live import LiveServer

JOBS = 5000
PARTS = 20
PUSH_OPS = 500
PUSH_BATCH = 200  # the phone's (pwa/js/sync.js batchSize)
PARTS_USED_EVERY = 10  # one op in ten records parts used; the rest are notes
CHANGES = 100
PAGE = 500
WARMUP = 2
REPEATS = int(os.environ.get("BENCH_SYNC_REPEATS", "2"))
BLOCKS = int(os.environ.get("BENCH_SYNC_BLOCKS", "3"))
WORKERS = 2
SECRET = "bench-sync-secret-" + "x" * 40
PEER = Path(__file__).resolve().with_name("peer")

SCENARIOS = (
    ("push", f"push of {PUSH_OPS:,} ops"),
    ("initial_pull", f"initial pull, {JOBS} jobs + {PARTS} parts"),
    ("incremental_pull", f"incremental pull of {CHANGES} changes"),
    ("noop_pull", "no-op pull"),
)


def seed(app):
    """A province and city, a provider, one technician with ``JOBS`` open jobs, ``PARTS`` parts in stock."""
    with app.app_context():
        flask_migrate.upgrade()
        province, city, provider, technician = one_technician()
        now = datetime.now(UTC)
        customer_requests(JOBS, city, lambda n: now - timedelta(hours=JOBS - n))
        # Accepted or on site: the states where notes and parts used apply, and a contact too.
        db.session.execute(
            insert(Job),
            [
                {
                    "id": n + 1,
                    "number": f"J{n + 1:08d}",
                    "request_id": n + 1,
                    "state": ("accepted", "on_site")[n % 2],
                    "region_id": city,
                    "province_id": province,
                    "provider_id": provider,
                    "technician_id": technician,
                    "created_at": now - timedelta(hours=JOBS - n),
                    "updated_at": now - timedelta(hours=JOBS - n),
                    "contact_due_at": now - timedelta(hours=JOBS - n - 2),
                    "arrive_due_at": now + timedelta(hours=24),
                    "complete_due_at": now + timedelta(hours=48),
                }
                for n in range(JOBS)
            ],
        )
        db.session.execute(
            insert(Part),
            [
                {"part_no": f"PT-{n + 1:04d}", "name": f"主板组件 {n + 1}", "price_cents": 1000 * (n + 1)}
                for n in range(PARTS)
            ],
        )
        # Stock enough that no use falls short (a shortfall would notify the provider's managers).
        db.session.execute(insert(Warehouse), [{"code": "PROV-P001", "kind": "provider", "provider_id": provider}])
        warehouse = db.session.scalar(select(Warehouse.id))
        db.session.execute(
            insert(StockLevel),
            [
                {"warehouse_id": warehouse, "part_id": part, "on_hand": 10_000_000, "reserved": 0}
                for part in db.session.scalars(select(Part.id))
            ],
        )
        db.session.commit()
        token = issue_token(db.session.get(User, technician))[0]
        parts = list(db.session.scalars(select(Part.part_no).order_by(Part.id)))
        db.session.remove()
        db.engine.dispose()
        return token, parts


def phone(client, token):
    """A device of the technician (the simulated phone of tests/fixtures/device.py)."""
    user = SimpleNamespace(headers={"Authorization": f"Bearer {token}"})
    return Device(client, user, f"bench-{uuid.uuid4().hex[:12]}", name="tech-bench")


def pushed(device, ops, batch=PUSH_BATCH):
    """Push ``ops`` in requests of ``batch``, as the phone does: every one applied (asserted)."""
    for start in range(0, len(ops), batch):
        status, body = device.push(ops[start : start + batch])
        assert status == 200, body
        results = body["results"]
        assert len(results) == len(ops[start : start + batch]), results[-3:]
        refused = [result for result in results if result["result"] != "applied"]
        assert not refused, refused[:3]


def pulled(device):
    """Pull until ``has_more`` is false, as the phone does; every change received."""
    received = []
    while True:
        status, body = device.pull(PAGE)
        assert status == 200, body
        received.extend(body["changes"])
        if not body["has_more"]:
            return received


def timed(work):
    began = time.perf_counter()
    result = work()
    return (time.perf_counter() - began) * 1000, result


def push_ops(device, job_ids, parts, round_):
    """One push's ops: notes spread over the jobs, one in ten the use of a part."""
    ops = []
    for n in range(PUSH_OPS):
        job_id = job_ids[(round_ * PUSH_OPS + n) % len(job_ids)]
        if n % PARTS_USED_EVERY == PARTS_USED_EVERY - 1:
            ops.append(device.op("parts.used", job_id, {"parts": [{"part_no": parts[n % len(parts)], "qty": 1}]}))
        else:
            note = f"已联系用户，上门检查电源板与主板，第 {n + 1} 条记录。"
            ops.append(device.op("note.add", job_id, {"text": note}))
    return ops


def measure_ours(url, token, parts):
    """Median ms of each scenario on our server, every run; the job and part JSON and one push's ops."""
    server = LiveServer(app_config(url, SECRET_KEY=SECRET), workers=WORKERS)
    server.start()
    client = LiveClient(server)
    try:
        return run_scenarios(client, token, parts)
    finally:
        client.forget_connection()
        server.stop()


def run_scenarios(client, token, parts):
    times = {name: [] for name, _ in SCENARIOS}
    rounds = WARMUP + REPEATS
    job_ids = list(range(1, JOBS + 1))

    device = phone(client, token)
    sample_ops = None
    for round_ in range(rounds):
        ops = push_ops(device, job_ids, parts, round_)
        sample_ops = sample_ops or ops
        ms, _ = timed(lambda ops=ops: pushed(device, ops))
        if round_ >= WARMUP:
            times["push"].append(ms)

    for round_ in range(rounds):
        device = phone(client, token)
        ms, changes = timed(lambda device=device: pulled(device))
        kinds = collections.Counter(change["entity"] for change in changes)
        assert kinds == {"job": JOBS, "part": PARTS}, kinds
        if round_ >= WARMUP:
            times["initial_pull"].append(ms)
    pull_requests = len(device.latencies["pull"])
    jobs = [data for (entity, _), data in sorted(device.held.items()) if entity == "job"]
    catalogue = [data for (entity, _), data in sorted(device.held.items()) if entity == "part"]

    # Another device of the same technician changes the jobs, so the changes reach the pulling device's feed.
    other = phone(client, token)
    for round_ in range(rounds):
        first = (round_ * CHANGES) % JOBS
        when = datetime.now(UTC) + timedelta(days=1, minutes=round_)
        pushed(
            other,
            [
                other.op("job.contact", job_id, {"appointment_at": (when + timedelta(seconds=n)).isoformat()})
                for n, job_id in enumerate(job_ids[first : first + CHANGES])
            ],
        )
        ms, changes = timed(lambda: pulled(device))
        kinds = collections.Counter(change["entity"] for change in changes)
        assert kinds == {"job": CHANGES}, kinds
        if round_ >= WARMUP:
            times["incremental_pull"].append(ms)

    for round_ in range(rounds):
        ms, changes = timed(lambda: pulled(device))
        assert changes == []
        if round_ >= WARMUP:
            times["noop_pull"].append(ms)

    medians = {name: statistics.median(values) for name, values in times.items()}
    return medians, times, {"jobs": jobs, "parts": catalogue, "ops": sample_ops, "pull_requests": pull_requests}


def install_peer():
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("node and npm are needed to run the peer (pouchdb-server)")
    if not (PEER / "node_modules").is_dir():
        # No install scripts: they would build or download leveldown and sqlite3 binaries, which the
        # in-memory adapters never load (and GitHub, where sqlite3 fetches its binary, may be out of reach).
        subprocess.run(["npm", "ci", "--prefix", str(PEER), "--ignore-scripts", "--no-audit", "--no-fund"], check=True)


def measure_peer(sample, tmp_path):
    """Median ms of each scenario with PouchDB and pouchdb-server, replicating ``sample``'s documents."""
    job_docs = sample["jobs"]
    # The peer changes an appointment as our devices did; every job document carries one.
    assert all("appointment_at" in data and "version" in data for data in job_docs)
    request = tmp_path / "peer-input.json"
    request.write_text(
        json.dumps(
            {
                "jobs": job_docs,
                "parts": sample["parts"],
                "ops": sample["ops"],
                "changes": CHANGES,
                "pull_batch": PAGE,
                "push_batch": PUSH_BATCH,
                "warmup": WARMUP,
                "repeats": REPEATS,
            }
        )
    )
    done = subprocess.run(
        ["node", str(PEER / "peer_bench.mjs"), str(request)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def mean_bytes(items):
    return sum(len(json.dumps(item, ensure_ascii=False).encode()) for item in items) / len(items)


def report(label, ours, runs, sample, peer, machine, load):
    theirs = peer["median_ms"]
    print(
        f"\n[{label}] sync against pouchdb-server {peer['versions']['server']} (in memory) replicated with PouchDB "
        f"{peer['versions']['pouchdb']} (in memory, Node "
        f"{peer['versions']['node']}), gunicorn {WORKERS} workers; median of {BLOCKS * REPEATS} runs a side, "
        f"taking turns in {BLOCKS} blocks of {REPEATS} after {WARMUP} warm-up runs, one client, loopback, on "
        f"{machine}; load average (1 min) {'/'.join(f'{x:.1f}' for x in load[0])} when Sanbao's blocks began, "
        f"{'/'.join(f'{x:.1f}' for x in load[1])} when the peer's did"
    )
    print(
        f"[{label}] documents: job {mean_bytes(sample['jobs']):.0f} B, part {mean_bytes(sample['parts']):.0f} B, "
        f"op {mean_bytes(sample['ops']):.0f} B on average (JSON); {PUSH_OPS} ops pushed in requests of {PUSH_BATCH}; "
        f"pulls in pages "
        f"of {PAGE} (initial pull: {sample['pull_requests']} requests); the peer in batches of the same sizes"
    )
    rows = [("scenario", "Sanbao ms", "PouchDB ms", "Sanbao / PouchDB")]
    for name, title in SCENARIOS:
        rows.append((title, f"{ours[name]:.1f}", f"{theirs[name]:.1f}", f"{ours[name] / theirs[name]:.2f}x"))
    widths = [max(len(row[col]) for row in rows) for col in range(4)]
    for row in rows:
        print(f"[{label}] " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    for name, title in SCENARIOS:
        ours_runs = ", ".join(f"{ms:.0f}" for ms in runs[name])
        peer_runs = ", ".join(f"{ms:.0f}" for ms in peer["runs_ms"][name])
        print(f"[{label}] runs, {title}: Sanbao {ours_runs}; PouchDB {peer_runs}")


def measure(label, url, machine, tmp_path):
    install_peer()
    app = create_app(app_config(url, SECRET_KEY=SECRET))
    token, parts = seed(app)
    runs = {name: [] for name, _ in SCENARIOS}
    peer = None
    # The machine may be shared: the load each side started under is printed with the figures.
    load = [[], []]
    for _ in range(BLOCKS):
        load[0].append(os.getloadavg()[0])
        _, block_runs, sample = measure_ours(url, token, parts)
        # Our server has stopped: the peer has the machine to itself, as ours had.
        load[1].append(os.getloadavg()[0])
        block_peer = measure_peer(sample, tmp_path)
        for name, _ in SCENARIOS:
            runs[name].extend(block_runs[name])
        if peer is None:
            peer = block_peer
        else:
            for name, _ in SCENARIOS:
                peer["runs_ms"][name].extend(block_peer["runs_ms"][name])
    ours = {name: statistics.median(values) for name, values in runs.items()}
    peer["median_ms"] = {name: statistics.median(values) for name, values in peer["runs_ms"].items()}
    report(label, ours, runs, sample, peer, machine, load)


def test_sync_against_peer_on_postgresql(machine, tmp_path, postgres_url):
    measure("PostgreSQL", postgres_url, machine, tmp_path)


def test_sync_against_peer_on_sqlite(machine, tmp_path):
    measure("SQLite", f"sqlite:///{tmp_path / 'sync.db'}", machine, tmp_path)
