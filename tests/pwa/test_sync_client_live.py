"""The app's sync library (pwa/js/) against the real server: gunicorn with two workers, on PostgreSQL.

The unit tests of the library run it against a double of the server; here ``live_device.mjs`` runs the
same library in Node, over real HTTP, as a technician's phone: it syncs, works offline, loses a push's
answer, is reloaded, and prints what it holds. The test then checks that against the database and the API:
every op kept once with the result the phone recorded, each applied op's effects there exactly once, and
the phone holding exactly what the server lists for its technician.

One server for the module, on PostgreSQL alone as in production (tests/e2e/conftest.py).
"""

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from server.devicesync.models import Client
from server.devicesync.models import PushedOp
from server.extensions import db
from server.jobs.models import JobEvent
from server.parts.models import Part
from server.parts.schemas import PartSchema
from server.supply.models import PartUsage
from server.supply.models import Requisition
from tests.fixtures.device import seen

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

HERE = Path(__file__).parent
PWA = HERE.parents[1] / "pwa"
DRIVER = HERE / "live_device.mjs"
NEEDED = ("idb", "fake-indexeddb")
# A scenario takes a second or two; this only bounds a hang (a request nobody answers).
DRIVER_TIMEOUT = 25


def node():
    found = shutil.which("node")
    if found is None:
        pytest.fail("node is not on PATH: the app's tests need Node.js 20 or later")
    missing = [name for name in NEEDED if not (PWA / "node_modules" / name).is_dir()]
    if missing:
        pytest.fail(f"pwa/node_modules lacks {', '.join(missing)}: run `make setup` (npm ci --prefix pwa)")
    return found


class Driver:
    """``live_device.mjs`` as a subprocess: each stdout line is a JSON document, the last its report.

    A line ``{"pause": name}`` waits for the test: ``on_pause[name](line)`` runs, then the driver goes on.
    """

    def __init__(self, server, user, plan, on_pause=None):
        self.on_pause = on_pause or {}
        env = dict(os.environ, SANBAO_URL=server.url, SANBAO_TOKEN=user.headers["Authorization"].split()[1])
        self.process = subprocess.Popen(
            [node(), "--import", "fake-indexeddb/auto", str(DRIVER), json.dumps(plan)],
            cwd=PWA,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines = queue.Queue()
        self.stderr = []
        # Both pipes drained all along: a driver blocked on a full stderr would look like a hang.
        self.readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.lines.put), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self.stderr.append), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(pipe, put):
        for line in pipe:
            put(line)
        put(None)

    def run(self, timeout=DRIVER_TIMEOUT):
        deadline = time.monotonic() + timeout
        try:
            documents = []
            while True:
                try:
                    line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
                except queue.Empty:
                    pytest.fail(f"live_device.mjs did not finish within {timeout} s\n{''.join(self.stderr)}")
                if line is None:
                    break
                document = json.loads(line)
                documents.append(document)
                if "pause" in document:
                    self.on_pause[document["pause"]](document)
                    self.process.stdin.write("go\n")
                    self.process.stdin.flush()
            code = self.process.wait(timeout=max(deadline - time.monotonic(), 1))
            for reader in self.readers:
                reader.join(timeout=5)
            assert code == 0, f"live_device.mjs exited {code}\n{''.join(self.stderr)}"
            assert documents, f"live_device.mjs printed nothing\n{''.join(self.stderr)}"
            return documents[-1]
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for reader in self.readers:
                reader.join(timeout=5)
            for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
                pipe.close()


@pytest.fixture
def job_ids(catalogue, open_job, walk):
    """``job_ids(n)`` → the ids of ``n`` new jobs dispatched to P01 and assigned to tech1, not yet accepted."""

    def make(count):
        # No serial: one unit can have only one open request, and these are separate visits.
        return [str(walk(open_job(serial=None, model="TV55"), "assigned", catalogue.tech1)["id"]) for _ in range(count)]

    return make


def held(report, entity):
    return {item["id"]: item for item in report["held"] if item["entity"] == entity}


def listed(client, path, user):
    response = client.get(path, query_string={"per_page": 1000}, headers=user.headers)
    assert response.status_code == 200, response.get_json()
    return {str(item["id"]): item for item in response.get_json()["items"]}


def moment(client_time):
    return datetime.fromisoformat(client_time).astimezone(UTC)


def effects():
    """What ops did, counted by the phone's clock each carried (nothing else here has a device_time)."""
    found = {
        name: Counter(at.astimezone(UTC) for at in db.session.scalars(select(column).where(column.is_not(None))))
        for name, column in (
            ("job events", JobEvent.device_time),
            ("part usages", PartUsage.device_time),
            ("requisitions", Requisition.device_time),
        )
    }
    db.session.rollback()
    return found


def kept_ops():
    rows = db.session.execute(
        select(PushedOp.op_id, PushedOp.client_id, PushedOp.seq, PushedOp.type, PushedOp.result, PushedOp.code)
    ).all()
    db.session.rollback()
    return {row.op_id: row for row in rows}


def answered(report):
    """op_id → every result the server's answers gave it over the wire (a duplicate's stored result)."""
    results = {}
    for exchange in report["wire"]:
        if exchange["path"] == "/api/sync/push":
            assert exchange["status"] == 200, exchange
            for answer in exchange["answer"]["results"]:
                result = answer["stored_result"] if answer["result"] == "duplicate" else answer["result"]
                results.setdefault(answer["op_id"], []).append((answer["result"], result))
    return results


def check_ops(report, expected_results):
    """Each op the phone made is kept once, as the phone recorded it; its effects happened that many times."""
    ops = report["made"]
    assert [op["seq"] for op in ops] == list(range(1, len(ops) + 1)), "the phone's seqs have a hole"
    assert [op["type"] for op in ops] == [kind for kind, _ in expected_results]
    kept = kept_ops()
    client_id = report["meta"]["client_id"]
    assert {row.op_id for row in kept.values() if row.client_id == client_id} == {op["op_id"] for op in ops}
    rejected = {op["op_id"]: op for op in report["rejected"]}
    wire = answered(report)
    counted = effects()
    for op, (_, expected) in zip(ops, expected_results, strict=True):
        where = f"op {op['seq']} {op['type']} on job {op['entity_id']}"
        row = kept[op["op_id"]]
        assert (row.client_id, row.seq, row.type) == (client_id, op["seq"], op["type"]), where
        assert row.result == expected, f"{where}: kept as {row.result} ({row.code})"
        assert (row.result == "applied") == (row.code == ""), where
        # What the phone recorded: listed when not applied, with the server's code; gone from the outbox either way.
        if row.result == "applied":
            assert op["op_id"] not in rejected, where
        else:
            assert (rejected[op["op_id"]]["result"], rejected[op["op_id"]]["code"]) == (row.result, row.code), where
        assert {result for _, result in wire[op["op_id"]]} == {row.result}, f"{where}: answered {wire[op['op_id']]}"
        applied = row.result == "applied"
        want = {
            "job events": int(applied),
            "part usages": int(applied and op["type"] == "parts.used"),
            "requisitions": int(applied and op["type"] == "parts.shortage"),
        }
        when = moment(op["client_time"])
        assert {name: counted[name][when] for name in want} == want, where
    assert set(rejected) <= {op["op_id"] for op in ops}
    times = {moment(op["client_time"]) for op in ops}
    for name, found in counted.items():
        assert set(found) <= times, f"{name} with a phone's clock that no op carried"
    last_seq = db.session.scalar(select(Client.last_seq).where(Client.client_id == client_id))
    db.session.rollback()
    assert last_seq == len(ops) == report["meta"]["acked_seq"]
    return ops


def check_holds_what_the_server_lists(report, client, technician):
    for entity, path in (("job", "/api/jobs"), ("requisition", "/api/requisitions")):
        server = {key: seen(item) for key, item in listed(client, path, technician).items()}
        phone = {key: seen(item["data"]) for key, item in held(report, entity).items()}
        assert phone == server, f"{entity}s held and listed differ"
    parts = {str(part.id): PartSchema().dump(part) for part in db.session.scalars(select(Part))}
    db.session.rollback()
    assert {key: item["data"] for key, item in held(report, "part").items()} == parts
    # Nothing of the phone's own is laid over the server's copies any more.
    assert [item for item in report["held"] if "pending" in item] == []


def test_a_day_offline_with_a_lost_answer_and_a_reload(live, api, catalogue, job_ids, stock_books):
    full, short, spare = job_ids(3)
    tech1 = catalogue.tech1

    report = Driver(
        live, tech1, {"scenario": "dayOfWork", "jobs": {"full": full, "short": short, "spare": spare}}
    ).run()
    phases = {phase["name"]: phase for phase in report["phases"]}

    # The first sync is a snapshot holding the technician's jobs, as dispatched.
    first = phases["first sync"]
    assert first["result"] == {"ok": True, "problem": None, "retryIn": None}
    first_jobs = {item["id"]: item["data"] for item in first["held"] if item["entity"] == "job"}
    assert set(first_jobs) == {full, short, spare}
    assert {job["state"] for job in first_jobs.values()} == {"dispatched"}
    assert report["wire"][0] == {
        "path": "/api/sync/pull",
        "status": 200,
        "cursor": False,
        "changes": 3 + 3,  # the three jobs and the catalogue's three parts
        "reset": True,
        "has_more": False,  # one page: the snapshot, and the (empty) log since it began
        "acked_seq": 0,
    }
    assert [call["path"] for call in report["wire"][:2]] == ["/api/sync/pull", "/api/sync/push"]

    # Offline: every op waits in the outbox, and the phone shows what its ops did.
    offline = phases["offline"]
    assert [(op["seq"], op["state"]) for op in offline["outbox"]] == [(seq, "queued") for seq in range(1, 10)]
    assert [op["op_id"] for op in offline["outbox"]] == [op["op_id"] for op in report["made"][:9]]
    shown = {item["id"]: item for item in offline["held"] if item["entity"] == "job"}
    assert (shown[full]["data"]["state"], shown[full]["pending"], shown[full]["server"]["state"]) == (
        "completed",
        4,
        "dispatched",
    )
    assert shown[full]["data"]["completion_summary"] == "换主板"
    assert (shown[short]["data"]["state"], shown[short]["pending"]) == ("waiting_parts", 2)
    assert "pending" not in shown[spare]

    # The first push reached the server, which took all nine; its answer never came back.
    lost = phases["push answer lost"]
    assert lost["result"]["ok"] is False
    assert lost["result"]["problem"] == {"kind": "retry", "status": 0, "code": "network"}
    assert [(op["seq"], op["state"]) for op in lost["outbox"]] == [(seq, "sent") for seq in range(1, 10)]
    pushes = [exchange for exchange in report["wire"] if exchange["path"] == "/api/sync/push"]
    assert pushes[0]["lost"] is True
    assert pushes[0]["answer"]["acked_seq"] == 9
    assert report["retries"], "no retry was scheduled after the network failure"

    # The next sync sends them again: all duplicates, none applied twice, the outbox empties.
    again = phases["sync again"]
    assert again["result"] == {"ok": True, "problem": None, "retryIn": None}
    assert again["outbox"] == []
    assert pushes[1]["seqs"] == list(range(1, 10))
    assert {answer["result"] for answer in pushes[1]["answer"]["results"]} == {"duplicate"}

    # An op made just before the app was reloaded is still there afterwards, and goes with the next sync.
    before = phases["before reload"]["outbox"]
    assert [(op["seq"], op["type"], op["state"]) for op in before] == [(10, "note.add", "queued")]
    assert phases["reopened"]["outbox"] == before
    after = phases["sync after reload"]
    assert after["result"] == {"ok": True, "problem": None, "retryIn": None}
    assert pushes[2]["seqs"] == [10]
    assert [answer["result"] for answer in pushes[2]["answer"]["results"]] == ["applied"]
    # The reload kept the cursor: no snapshot again.
    assert [exchange["reset"] for exchange in report["wire"] if exchange["path"] == "/api/sync/pull"].count(True) == 1

    ops = check_ops(
        report,
        [
            ("job.accept", "applied"),
            ("job.depart", "applied"),
            ("job.arrive", "applied"),
            ("note.add", "applied"),
            ("parts.used", "applied"),
            ("job.complete", "applied"),
            ("job.accept", "applied"),
            ("parts.shortage", "applied"),
            ("note.add", "rejected"),
            ("note.add", "applied"),
        ],
    )

    # The empty note is listed for the technician with the server's code, and in the status the app shows.
    assert [(op["seq"], op["result"], op["code"]) for op in report["rejected"]] == [(9, "rejected", "validation_error")]
    assert report["rejected"][0]["payload"] == {"text": ""}
    assert report["events"][-1]["rejected"] == [ops[8]["op_id"]]
    assert report["events"][-1]["pending"] == 0
    assert report["events"][-1]["problem"] is None
    assert report["outbox"] == []

    check_holds_what_the_server_lists(report, api, tech1)
    jobs = held(report, "job")
    assert (jobs[full]["data"]["state"], jobs[short]["data"]["state"], jobs[spare]["data"]["state"]) == (
        "completed",
        "waiting_parts",
        "dispatched",
    )

    # One board fitted, issued once from the provider's stock of one.
    assert stock_books("PROV-P01", "BOARD") == (0, 0)

    # The shortage's requisition is on the phone.
    requisition_id = db.session.scalar(
        select(Requisition.id).where(Requisition.device_time == moment(ops[7]["client_time"]))
    )
    db.session.rollback()
    requisitions = held(report, "requisition")
    assert set(requisitions) == {str(requisition_id)}
    assert requisitions[str(requisition_id)]["data"]["job_id"] == int(short)

    # The sync bar was told of the network failure, and of three rounds that reached the pull (the one
    # whose answer was lost stopped at the push); it says when the last one succeeded.
    problems = [event["problem"] for event in report["events"] if event["problem"]]
    assert {problem["code"] for problem in problems} == {"network"}
    assert [event["phase"] for event in report["events"]].count("pull") == 3
    assert report["meta"]["last_success"] is not None


def test_a_job_reassigned_between_syncs_leaves_the_phone_and_its_ops_are_conflicts(
    live,
    api,
    catalogue,
    job_ids,
):
    kept, taken = job_ids(2)
    tech1, tech2 = catalogue.tech1, catalogue.tech2

    def reassign(pause):
        response = api.post(
            f"/api/jobs/{pause['job']}/assign", json={"technician_id": tech2.id}, headers=catalogue.dispatcher.headers
        )
        assert response.status_code == 200, response.get_json()

    report = Driver(
        live, tech1, {"scenario": "reassigned", "jobs": {"kept": kept, "taken": taken}}, {"reassign": reassign}
    ).run()
    phases = {phase["name"]: phase for phase in report["phases"]}

    assert set(held(phases["first sync"], "job")) == {kept, taken}
    before = phases["shortage synced"]
    assert before["result"] == {"ok": True, "problem": None, "retryIn": None}
    assert held(before, "job")[taken]["data"]["state"] == "waiting_parts"
    [requisition] = held(before, "requisition").values()
    assert requisition["data"]["job_id"] == int(taken)
    offline = held(phases["offline"], "job")
    assert (offline[kept]["data"]["state"], offline[taken]["data"]["state"]) == ("accepted", "waiting_parts")

    synced = phases["sync after reassignment"]
    assert synced["result"] == {"ok": True, "problem": None, "retryIn": None}
    assert synced["outbox"] == []
    # The job and its requisition left the phone with the reassignment.
    assert set(held(report, "job")) == {kept}
    assert held(report, "requisition") == {}
    ops = check_ops(
        report,
        [
            ("job.accept", "applied"),
            ("parts.shortage", "applied"),
            ("note.add", "conflict"),
            ("parts.used", "conflict"),
            ("job.accept", "applied"),
        ],
    )
    assert [(op["op_id"], op["entity_id"], op["result"], op["code"]) for op in report["rejected"]] == [
        (ops[2]["op_id"], taken, "conflict", "job_reassigned"),
        (ops[3]["op_id"], taken, "conflict", "job_reassigned"),
    ]
    check_holds_what_the_server_lists(report, api, tech1)
    assert held(report, "job")[kept]["data"]["state"] == "accepted"
    # The job is tech2's, waiting for its parts, without tech1's note or the remote they meant to fit.
    job = api.get(f"/api/jobs/{taken}", headers=tech2.headers).get_json()
    assert (job["technician"]["id"], job["state"]) == (tech2.id, "waiting_parts")
