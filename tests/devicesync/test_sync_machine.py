"""The sync protocol as a state machine: phones working offline over a faulty network while dispatch moves jobs.

Hypothesis drives four phones (tech1 with two, tech2 and tech3) and the
dispatch desk. Each phone is the simulated device of tests/fixtures/device.py,
strict (a wrong answer fails the step). Each keeps an outbox of ops (seq 1, 2, 3… of its own,
each a fresh op_id) and what it holds from its pulls. A push may lose its
request or its answer, arrive twice, or lose an op from the middle of the
batch; a pull may lose its answer; the server may restart. After every step:
no op took effect twice, and every op a phone made is either kept by the
server with its result or still in the phone's outbox. At the end of each
example every outbox is pushed and every phone drained, and each phone then
holds exactly the jobs and requisitions the server lists for its technician,
none of those taken away from them.

Each op carries a client_time of its own (one second apart), so its effects
are counted by it: the job events, part usages and requisitions whose
device_time it is.

The autouse fixture empties the tables after the test function, not after
each example, so every example empties them and builds its small world again.
``SYNC_MACHINE_EXAMPLES`` and ``SYNC_MACHINE_STEPS`` run more and longer examples.
"""

import os
import sys
import tempfile
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import precondition
from hypothesis.stateful import rule
from hypothesis.stateful import run_state_machine_as_test
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import OPEN_STATES
from server.jobs.models import Job
from server.jobs.services.dispatch import ASSIGN_STATES
from server.jobs.services.dispatch import REDISPATCH_STATES
from tests.conftest import app_config
from tests.conftest import empty_tables
from tests.devicesync.ledger import ServerLedger
from tests.devicesync.ledger import expected_effects
from tests.fixtures.device import KEPT
from tests.fixtures.device import Device
from tests.fixtures.jobs import request_body
from tests.live import LiveClient
from tests.live import LiveServer

pytestmark = pytest.mark.commits

# Hypothesis keeps its files in .hypothesis/ of the working directory by default, and setup.cfg's
# norecursedirs (bench only) replaces pytest's default ignores: the plugin's warning about collecting
# .hypothesis/ then fails every later run under filterwarnings = error. Keep them outside the repository.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "sanbao-hypothesis"))

EXAMPLES = int(os.environ.get("SYNC_MACHINE_EXAMPLES", "15"))
LIVE_EXAMPLES = int(os.environ.get("SYNC_MACHINE_EXAMPLES", "6"))
STEPS = int(os.environ.get("SYNC_MACHINE_STEPS", "25"))
MAX_JOBS = 5

CST = timezone(timedelta(hours=8))

# (person, provider) of each technician, and the phones: tech1 carries two.
TECHNICIANS = {"tech1": "P01", "tech2": "P01", "tech3": "P02"}
PHONES = {"tech1-a": "tech1", "tech1-b": "tech1", "tech2": "tech2", "tech3": "tech3"}

# What a phone can do on a job: type and payload. The last three are wrong whatever the job's
# state (an empty note, a part nobody stocks, a type the server does not know): kept as rejected.
OPS = {
    "accept": ("job.accept", {}),
    "depart": ("job.depart", {}),
    "arrive": ("job.arrive", {}),
    "note": ("note.add", {"text": "客户不在家"}),
    "parts": ("parts.used", {"parts": [{"part_no": "BOARD", "qty": 1}]}),
    "complete": ("job.complete", {"summary": "换主板", "confirmed_by": "王先生"}),
    "shortage": ("parts.shortage", {"parts": [{"part_no": "BOARD", "qty": 1}]}),
    "empty note": ("note.add", {"text": ""}),
    "unknown part": ("parts.used", {"parts": [{"part_no": "NOPE", "qty": 1}]}),
    "unknown type": ("job.teleport", {}),
}
# What the app offers in each state the phone believes the job is in.
PLAUSIBLE = {
    "dispatched": ("accept", "note"),
    "accepted": ("depart", "arrive", "parts", "shortage", "note"),
    "en_route": ("arrive", "parts", "shortage", "note"),
    "on_site": ("complete", "parts", "shortage", "note"),
    "waiting_parts": ("parts", "shortage", "note"),
    "completed": ("parts", "note"),
}

PUSH_FAULTS = ("delivered", "request_dropped", "response_dropped", "duplicated", "op_lost_in_batch")


def sent(phone, ops):
    """The body of ``phone``'s push of ``ops`` (200 asserted)."""
    status, body = phone.push(ops)
    assert status == 200, body
    return body


def build_world(factories):
    """Province 370000 with P01 and P02 covering city 370100; the people of the flow; part BOARD in stock."""
    f = factories
    f.make_geography()
    f.make_provider("P01", region_codes=["370100"])
    f.make_provider("P02", region_codes=["370100"])
    f.make_policy("tv", whole_unit_months=12, main_part_months=36)
    f.make_product("TV55", category="tv")
    f.make_part("BOARD", name="Main board", price_cents=12_000, key_part=True)
    f.make_stock("PROV-P01", "BOARD", 1)
    people = {}
    for name, role, fields in [
        ("agent", "agent", {}),
        ("dispatcher", "dispatcher", {}),
        ("admin", "admin", {}),
        ("pm1", "provider_manager", {"provider_code": "P01"}),
        ("pm2", "provider_manager", {"provider_code": "P02"}),
        *((name, "technician", {"provider_code": code}) for name, code in TECHNICIANS.items()),
    ]:
        user = f.make_user(role, username=name, **fields)
        people[name] = SimpleNamespace(
            name=name, id=user.id, headers=f.auth(user), provider=fields.get("provider_code")
        )
    db.session.commit()
    return people


class InProcess:
    """The app in the test's own process; a restart drops every session, pooled connection and cookie."""

    # A restart here costs nothing: as many per example as Hypothesis draws.
    restarts = STEPS

    def __init__(self, app):
        self.app = app

    def client(self):
        return self.app.test_client()

    def restart(self):
        db.session.remove()
        db.engine.dispose()


class Gunicorn:
    """The app under gunicorn, in worker processes of its own; a restart stops and starts it for real."""

    # A real restart costs about 3 s (the workers stop, then import the app again); Hypothesis drew seven
    # per example, which was nearly all of this test's two minutes. Two per example still put a restart
    # between a push and the retry of its lost answer, and between two pulls of one cursor.
    restarts = 2

    def __init__(self, server):
        self.server = server

    def client(self):
        return LiveClient(self.server)

    def restart(self):
        self.server.restart()


class SyncMachine(RuleBasedStateMachine):
    """Phones, dispatch and a flaky network; ``factories`` and ``server`` are set by the test per backend."""

    factories = None
    server = None

    def __init__(self):
        super().__init__()
        db.session.rollback()
        db.session.remove()
        empty_tables()
        self.people = build_world(self.factories)
        self.client = self.server.client()
        self.phones = {
            name: Device(self.client, self.people[person], name=name, strict=True) for name, person in PHONES.items()
        }
        self.jobs = []
        self.lost = {name: set() for name in TECHNICIANS}  # jobs taken away from each technician
        self.restarts = 0
        self.clock = datetime.now(CST).replace(microsecond=0) - timedelta(days=1)

    # ------------------------------------------------------------ helpers

    def call(self, method, path, who, json=None, **query):
        response = getattr(self.client, method)(path, json=json, query_string=query, headers=self.people[who].headers)
        return response.status_code, response.get_json()

    def server_job(self, job_id):
        status, job = self.call("get", f"/api/jobs/{job_id}", "admin")
        assert status == 200, job
        return job

    def technician_named(self, user_id):
        return next((name for name in TECHNICIANS if self.people[name].id == user_id), None)

    def tick(self):
        """The next op's phone clock: one second after the last, so each op's effects are its own."""
        self.clock += timedelta(seconds=1)
        return self.clock.isoformat()

    # ------------------------------------------------------------ dispatch

    @initialize(data=st.data(), technicians=st.lists(st.sampled_from(sorted(TECHNICIANS)), min_size=1, max_size=3))
    def a_morning_of_work(self, data, technicians):
        """The day starts with jobs assigned, every phone synced, and the first ops made offline."""
        for technician in technicians:
            self.open_a_job_for(technician)
        for phone in self.phones.values():
            phone.drain()
        for name, phone in self.phones.items():
            if phone.jobs():
                self.make_ops(phone, data, data.draw(st.integers(0, 3), label=f"ops on {name}"))

    @precondition(lambda self: len(self.jobs) < MAX_JOBS)
    @rule(technician=st.sampled_from(sorted(TECHNICIANS)))
    def open_a_job_for(self, technician):
        person = self.people[technician]
        status, job = self.call("post", "/api/requests", "agent", request_body(serial=None, model="TV55"))
        assert status == 201, job
        status, body = self.call(
            "post", f"/api/jobs/{job['id']}/dispatch", "dispatcher", {"provider_code": person.provider}
        )
        assert status == 200, body
        status, body = self.call("post", f"/api/jobs/{job['id']}/assign", "dispatcher", {"technician_id": person.id})
        assert status == 200, body
        self.jobs.append(job["id"])

    @precondition(lambda self: self.jobs)
    @rule(data=st.data(), technician=st.sampled_from(sorted(TECHNICIANS)))
    def hand_a_job_to(self, data, technician):
        """Another technician of the provider takes the job; one of another provider after moving it there."""
        job_id = data.draw(st.sampled_from(self.jobs), label="job")
        job = self.server_job(job_id)
        person = self.people[technician]
        holder = self.technician_named(job["technician"]["id"]) if job["technician"] else None
        if person.provider != job["provider_code"]:
            status, body = self.call(
                "post", f"/api/jobs/{job_id}/dispatch", "dispatcher", {"provider_code": person.provider}
            )
            if job["state"] not in REDISPATCH_STATES:
                assert status == 409, body
                assert body["error"]["code"] == "illegal_transition", body
                return
            assert status == 200, body
            job = body
        status, body = self.call("post", f"/api/jobs/{job_id}/assign", "dispatcher", {"technician_id": person.id})
        refused = None
        if job["state"] not in ASSIGN_STATES:
            refused = "illegal_transition"
        elif technician == holder:
            refused = "already_assigned"
        if refused:
            assert status == 409, body
            assert body["error"]["code"] == refused, body
            return
        assert status == 200, body
        if holder is not None and holder != technician:
            self.lost[holder].add(job_id)
        self.lost[technician].discard(job_id)

    @precondition(lambda self: self.jobs)
    @rule(data=st.data())
    def cancel_a_job(self, data):
        job_id = data.draw(st.sampled_from(self.jobs), label="job")
        state = self.server_job(job_id)["state"]
        status, body = self.call("post", f"/api/jobs/{job_id}/cancel", "dispatcher", {"reason": "客户取消"})
        if state in OPEN_STATES:
            assert status == 200, body
        else:
            assert status == 409, body
            assert body["error"]["code"] == "illegal_transition", body

    # ------------------------------------------------------------ phones

    @precondition(lambda self: any(phone.jobs() for phone in self.phones.values()))
    @rule(data=st.data(), count=st.integers(1, 3))
    def work_offline(self, data, count):
        """A phone makes ops on jobs it holds: mostly what its app offers in the job's state, sometimes anything."""
        phone = self.phones[data.draw(st.sampled_from([n for n, p in self.phones.items() if p.jobs()]), label="phone")]
        self.make_ops(phone, data, count)

    def make_ops(self, phone, data, count):
        """``count`` ops of ``phone`` on jobs it holds, each with its own phone clock, into its outbox."""
        for _ in range(count):
            job_id = data.draw(st.sampled_from(sorted(phone.jobs())), label="job")
            offered = PLAUSIBLE.get(phone.local_state(job_id), ("note",))
            kind = data.draw(st.sampled_from(offered) | st.sampled_from(sorted(OPS)), label="op")
            op_type, payload = OPS[kind]
            phone.queue(op_type, job_id, payload, client_time=self.tick())

    @precondition(lambda self: any(phone.outbox for phone in self.phones.values()))
    @rule(data=st.data(), fault=st.sampled_from(PUSH_FAULTS))
    def push(self, data, fault):
        phone = self.phones[data.draw(st.sampled_from([n for n, p in self.phones.items() if p.outbox]), label="phone")]
        outbox = phone.outbox
        ops = outbox[: data.draw(st.integers(1, len(outbox)), label="ops")]
        if fault == "request_dropped":
            return
        if fault == "op_lost_in_batch":
            if len(ops) < 2:
                return
            # The server takes the ops before the hole and stops there (past it only if it had the lost one).
            lost = data.draw(st.integers(0, len(ops) - 2), label="lost")
            ops = ops[:lost] + ops[lost + 1 :]
            phone.take(ops, sent(phone, ops))
            return
        body = sent(phone, ops)
        if fault == "response_dropped":
            return
        phone.take(ops, body)
        # A batch that starts right after the phone's acknowledgement has no hole: it is taken whole.
        assert len(body["results"]) == len(ops), body
        assert body["acked_seq"] >= ops[-1]["seq"], body
        if fault == "duplicated":
            again = sent(phone, ops)
            assert [(a["op_id"], a["result"], a.get("stored_result")) for a in again["results"]] == [
                (a["op_id"], "duplicate", a.get("stored_result", a["result"])) for a in body["results"]
            ], again
            phone.take(ops, again, resent=True)

    @rule(phone=st.sampled_from(sorted(PHONES)), limit=st.sampled_from((1, 2, 500)), dropped=st.booleans())
    def pull(self, phone, limit, dropped):
        """One page of the feed; when its answer is ``dropped`` the phone keeps its cursor and what it held."""
        status, body = self.phones[phone].pull(limit, dropped=dropped)
        assert status == 200, body

    @precondition(lambda self: self.restarts < self.server.restarts)
    @rule()
    def restart_the_server(self):
        """Nothing in the server's memory survives: sessions, pooled connections, the client's cookies."""
        self.restarts += 1
        self.server.restart()
        self.client = self.server.client()
        for phone in self.phones.values():
            phone.client = self.client

    @rule()
    def settle(self):
        """Every phone back on a good network: all outboxes pushed, then every phone drained."""
        for phone in self.phones.values():
            ops = phone.outbox
            if ops:
                body = sent(phone, ops)
                phone.take(ops, body)
                assert body["acked_seq"] == phone.seq, body
        for phone in self.phones.values():
            phone.drain()
            assert phone.outbox == []
        self.check_ops()
        for phone in self.phones.values():
            found = phone.against_server(per_page=1000)
            assert found == {}, f"{phone.name} holds other than the server lists: {found}"
            lost = {str(job_id) for job_id in self.lost[phone.user.name]}
            assert not lost & {i for e, i in phone.held if e == "job"}, f"{phone.name} holds jobs it lost"

    def teardown(self):
        # Settle at the end of every example, unless a step failed already (teardown runs in a finally).
        if sys.exc_info()[1] is None:
            self.settle()

    # ------------------------------------------------------------ invariants

    @invariant()
    def every_op_once_and_none_lost(self):
        self.check_ops()

    @invariant()
    def no_phone_ahead_of_the_server(self):
        versions = dict(db.session.execute(select(Job.id, Job.version)).all())
        db.session.rollback()
        for phone in self.phones.values():
            for job_id, job in phone.jobs().items():
                assert job["version"] <= versions[job_id], f"{phone.name} holds a version of job {job_id} never made"

    def check_ops(self):
        """Each op the phones made is kept once with its result, or still in its phone's outbox; an applied
        op took effect exactly once, any other not at all; dispatch heard once of each op not applied."""
        ops = [(phone, op) for phone in self.phones.values() for op in phone.made]
        ledger = ServerLedger.read()
        kept, last_seqs, flagged_ops = ledger.kept, ledger.last_seqs, ledger.flagged_ops
        assert not ledger.told_twice, "somebody was told twice of one op"
        for phone, op in ops:
            row = kept.get(op["op_id"])
            where = f"{phone.name} op {op['seq']} {op['type']} on job {op['entity_id']}"
            if row is None:
                assert op["seq"] > phone.acked, f"{where}: acknowledged but not kept by the server"
                assert op["seq"] > last_seqs.get(phone.client_id, 0), (
                    f"{where}: within the server's acked_seq, not kept"
                )
            else:
                assert (row.client_id, row.seq, row.type) == (phone.client_id, op["seq"], op["type"]), where
                assert row.result in KEPT, f"{where}: kept as {row.result}"
                assert (row.result == "applied") == (row.code == ""), f"{where}: {row.result} with code {row.code!r}"
                assert phone.answers.get(op["op_id"], row.result) == row.result, f"{where}: answered otherwise"
                if row.result != "applied" and row.job_id is not None:
                    assert op["op_id"] in flagged_ops, f"{where}: {row.result}, and dispatch was not told"
            found = ledger.found_effects(op)
            assert found == expected_effects(op, row), f"{where}, kept as {row and row.result}: {found}"
        assert not ledger.unclaimed(op for _, op in ops), "effects with a phone's clock that no op carried"


def run_machine(server, factories):
    """Run the state machine with phones talking to ``server``."""
    machine = type("SyncMachine", (SyncMachine,), {"factories": factories, "server": server})
    run_state_machine_as_test(
        machine,
        settings=settings(
            # A real server costs a few milliseconds per request and a second per restart: fewer examples.
            max_examples=EXAMPLES if isinstance(server, InProcess) else LIVE_EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            # The suite runs the same examples every time, so a red run is always reproducible;
            # SYNC_MACHINE_EXAMPLES (a longer hunt) draws new ones.
            derandomize="SYNC_MACHINE_EXAMPLES" not in os.environ,
            print_blob=True,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


def test_phones_on_a_flaky_network_lose_no_op_apply_none_twice_and_converge(app, factories):
    """The app in this process: many examples, fast."""
    run_machine(InProcess(app), factories)


@pytest.mark.postgres_only
@pytest.mark.live
def test_phones_talking_to_gunicorn_lose_no_op_apply_none_twice_and_converge(app, database_url, factories):
    """gunicorn with two workers of its own on PostgreSQL: real processes, connections and restarts."""
    with LiveServer(app_config(database_url), workers=2) as live:
        run_machine(Gunicorn(live), factories)
