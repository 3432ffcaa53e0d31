"""A fleet of phones syncing at once against a live server, and the proof of what they did.

The state machine (``test_sync_machine``) explores the protocol one step at a
time in one process; here many phones talk to gunicorn over real HTTP at the
same moment, so the server's locks and transactions meet real concurrency.
Each ``Phone`` (the simulated device of tests/fixtures/device.py, worked by
the rules below) runs in its own thread, all released together by the race
harness (tests/races.py): it pulls its feed (a snapshot, then
the log), makes ops on the jobs it holds (mostly what its app would offer in
the job's state, now and then one the server must refuse), pushes its
outbox in batches, and keeps every op it made and every answer it had. The
network misbehaves on purpose: a push's answer is lost (the connection is
hung up once the request is sent, while the server carries on with it) and
the same ops go again, an answered batch is sent a second time, a pull's
answer is thrown away, and now and then the app's data is cleared and it
starts again from a snapshot (its outbox kept). A 503 or a network failure
is retried with the same ops; any other 5xx, or a request that still fails
after its retries, is an error. ``Dispatcher`` threads move jobs meanwhile
(to another technician, to another provider, or cancelled), so ops meet
jobs that left their phone (conflicts) and feeds carry removes.

``run_fleet`` starts every phone together and returns the figures;
``check_fleet`` then proves against the database that every op a phone made
is kept once with the result the phone was told, that each applied op took
effect exactly once and any other op not at all (counted by the phone clock
each op carries, one second apart across the fleet), and that every phone
holds exactly the jobs and requisitions the server lists for its technician.
"""

import statistics
import threading
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from types import SimpleNamespace

from server.jobs.models import OPEN_STATES
from server.jobs.services.dispatch import ASSIGN_STATES
from server.jobs.services.dispatch import REDISPATCH_STATES
from tests.devicesync.ledger import ServerLedger
from tests.devicesync.ledger import expected_effects
from tests.fixtures.device import Caller
from tests.fixtures.device import Device
from tests.races import start
from tests.races import together

CST = timezone(timedelta(hours=8))

# What a phone can do on a job: type and payload.
OPS = {
    "accept": ("job.accept", {}),
    "depart": ("job.depart", {}),
    "arrive": ("job.arrive", {}),
    "complete": ("job.complete", {"summary": "换主板", "confirmed_by": "王先生"}),
    "note": ("note.add", {"text": "客户不在家"}),
    "parts": ("parts.used", {"parts": [{"part_no": "BOARD", "qty": 1}]}),
    "shortage": ("parts.shortage", {"parts": [{"part_no": "BOARD", "qty": 1}]}),
    # Wrong whatever the job's state (an empty note, a part nobody stocks, a type the server does not
    # know), or wrong unless the job happens to be on site: the server keeps them, not applied.
    "empty note": ("note.add", {"text": ""}),
    "unknown part": ("parts.used", {"parts": [{"part_no": "NOPE", "qty": 1}]}),
    "unknown type": ("job.teleport", {}),
    "complete early": ("job.complete", {"summary": "换主板", "confirmed_by": "王先生"}),
}
BAD = ("empty note", "unknown part", "unknown type", "complete early")
# What the app offers in the state the phone believes a job is in, a repeat weighing the usual next step.
PLAUSIBLE = {
    "dispatched": ("accept", "accept", "accept", "note"),
    "accepted": ("depart", "depart", "arrive", "parts", "note"),
    "en_route": ("arrive", "arrive", "parts", "note"),
    "on_site": ("complete", "complete", "complete", "parts", "note", "shortage"),
    "waiting_parts": ("parts", "note"),
    "completed": ("note", "parts"),
}

# How hard a request is tried before it counts as an error (the wait between tries is the Device's).
ATTEMPTS = 8


class Clock:
    """Phone clocks for the whole fleet, one second apart: an op's effects are found by the time it carries."""

    def __init__(self, start=None):
        self.start = start or datetime.now(CST).replace(microsecond=0) - timedelta(days=2)
        self.count = 0
        self.lock = threading.Lock()

    def tick(self):
        with self.lock:
            self.count += 1
            return (self.start + timedelta(seconds=self.count)).isoformat()


@dataclass
class Faults:
    """How often the network (and the technician) misbehave, and how much a phone does at a time."""

    lost_answer: float = 0.1  # a push's answer never arrives; the phone sends the same ops again
    resend: float = 0.1  # an answered batch goes a second time (the app did not record the answer)
    dropped_pull: float = 0.1  # a pull's answer is thrown away; the phone keeps its cursor
    fresh_start: float = 0.05  # per round: the app's data is cleared; it starts again from a snapshot
    bad_op: float = 0.06  # an op the server must refuse
    batch: int = 4  # the most ops one push carries
    ops_per_round: tuple = (1, 3)
    pull_limits: tuple = (3, 20, 500)


class Phone(Device):
    """One app install of one technician (tests/fixtures/device.py), worked as the fleet works it: each round it
    catches up with its feed, makes a few ops on the jobs it holds and pushes its outbox, over a network that
    loses answers, repeats requests and drops pages as ``faults`` say."""

    def __init__(self, name, user_id, headers, clock, seed, faults=None, client_id=None):
        super().__init__(
            None,  # set by ``connect``: one server may be restarted or replaced between runs
            SimpleNamespace(id=user_id, name=name, headers=headers),
            client_id or f"fleet-{uuid.uuid4().hex[:16]}",
            name=name,
            clock=clock.tick,
            seed=seed,
            attempts=ATTEMPTS,
        )
        self.user_id = user_id
        self.faults = faults or Faults()

    # ------------------------------------------------------------ pull

    def pull_all(self):
        """Pull pages until the feed has no more; False when the server could not be reached."""
        for _ in range(10_000):
            limit = self.rng.choice(self.faults.pull_limits)
            dropped = self.rng.random() < self.faults.dropped_pull  # the answer never reaches the phone
            answer = self.pull(limit, dropped=dropped)
            if answer is None:
                return False
            status, body = answer
            if status != 200:
                self.problem(f"pull → {status} {body}")
                return False
            if not dropped and not body["has_more"]:
                return True
        self.problem("the feed never ran out")
        return False

    # ------------------------------------------------------------ ops

    def make_ops(self):
        """A few ops on jobs the phone holds, each with its own phone clock, into the outbox."""
        jobs = sorted(self.jobs())
        if not jobs:
            return
        for _ in range(self.rng.randint(*self.faults.ops_per_round)):
            job_id = self.rng.choice(jobs)
            if self.rng.random() < self.faults.bad_op:
                kind = self.rng.choice(BAD)
            else:
                kind = self.rng.choice(PLAUSIBLE.get(self.local_state(job_id), ("note",)))
            op_type, payload = OPS[kind]
            self.queue(op_type, job_id, payload)

    # ------------------------------------------------------------ push

    def push_ops(self, ops, hang_up=False):
        """The body of a push of ``ops`` answered 200; None (a problem) otherwise."""
        answer = self.push(ops, hang_up=hang_up)
        if answer is None:
            return None
        status, body = answer
        if status != 200:
            self.problem(f"push → {status} {body}")
            return None
        return body

    def push_outbox(self):
        """Push the outbox in batches; False when the server could not be reached."""
        for _ in range(10_000):
            outbox = self.outbox
            if not outbox:
                return True
            ops = outbox[: self.rng.randint(1, self.faults.batch)]
            body = self.push_ops(ops, hang_up=self.rng.random() < self.faults.lost_answer)
            if body is None:
                return False
            self.take(ops, body)
            if self.acked < ops[0]["seq"]:
                self.problem(f"a batch from seq {ops[0]['seq']} was not taken: {body}")
                return False
            if self.rng.random() < self.faults.resend:
                again = self.push_ops(ops)
                if again is None:
                    return False
                self.take(ops, again, resent=True)
        self.problem("the outbox never emptied")
        return False

    # ------------------------------------------------------------ a round, and the end

    def round(self):
        """What a phone does when it has signal: catch up, work a little, send what it did."""
        if self.rng.random() < self.faults.fresh_start:
            self.cursor = None  # the outbox survives: it is what the technician did
        if self.pull_all():
            self.make_ops()
        self.push_outbox()

    def settle(self):
        """On a good network at last: everything pushed, the feed drained."""
        self.push_outbox()
        if not self.pull_all():
            return
        if self.acked != self.seq:
            self.problem(f"made {self.seq} ops, the server acknowledged {self.acked}")


class Dispatcher(Caller):
    """The dispatch desk moving open jobs while the phones work: mostly to another technician of the same
    provider, sometimes to another provider (dispatched there, then assigned: in between the job has no
    technician at all), now and then cancelled."""

    def __init__(
        self, headers, technicians, jobs, seed, pause=(0.02, 0.1), cancel=0.05, elsewhere=0.2, name="dispatcher"
    ):
        super().__init__(None, headers, name, seed=seed, attempts=ATTEMPTS)
        self.technicians = technicians  # provider code → [technician id]
        self.jobs = dict(jobs)  # job id → provider code
        self.open = set(jobs)  # jobs not seen ended yet: the only ones worth moving
        self.pause = pause
        self.cancel = cancel
        self.elsewhere = elsewhere
        self.outcomes = Counter()

    def step(self, kind, job_id, action, body):
        """POST one dispatch action; whether it was done (a 409 is a desk's everyday race with a phone)."""
        answer = self.call("other", "POST", f"/api/jobs/{job_id}/{action}", json=body)
        if answer is None:
            return False
        status, reply = answer
        if status == 200:
            self.outcomes[kind] += 1
            return True
        if status == 409:
            self.outcomes[f"{kind} refused ({reply['error']['code']})"] += 1
        else:
            self.errors.append(f"{self.name}: {kind} job {job_id} → {status} {reply}")
        return False

    def move_one(self):
        job_id = self.rng.choice(sorted(self.open))
        answer = self.call("other", "GET", f"/api/jobs/{job_id}")
        if answer is None:
            return
        status, job = answer
        if status != 200:
            self.errors.append(f"{self.name}: job {job_id} → {status} {job}")
            return
        state, provider = job["state"], self.jobs[job_id]
        elsewhere = [code for code in sorted(self.technicians) if code != provider]
        if state not in OPEN_STATES:
            self.open.discard(job_id)
        elif self.rng.random() < self.cancel:
            self.step("cancel", job_id, "cancel", {"reason": "客户取消"})
        elif state in REDISPATCH_STATES and elsewhere and self.rng.random() < self.elsewhere:
            provider = self.rng.choice(elsewhere)
            if self.step("to another provider", job_id, "dispatch", {"provider_code": provider}):
                self.jobs[job_id] = provider
                technician = self.rng.choice(self.technicians[provider])
                self.step("assign", job_id, "assign", {"technician_id": technician})
        elif state in ASSIGN_STATES:
            holder = job["technician"]["id"] if job["technician"] else None
            others = [tech for tech in self.technicians[provider] if tech != holder]
            self.step("reassign", job_id, "assign", {"technician_id": self.rng.choice(others)})

    def run(self, stop):
        while self.open and not stop.is_set():
            self.move_one()
            stop.wait(self.rng.uniform(*self.pause))


@dataclass
class FleetStats:
    devices: int
    rounds: int
    ops: int
    results: Counter  # per op, the result it was told (applied, rejected, conflict), and duplicate answers
    retries: Counter
    moves: Counter
    pulls: int
    resets: int
    removes: int
    push_ms: list
    pull_ms: list
    wall_s: float
    errors: list = field(default_factory=list)

    def lines(self):
        pushes, pulls = percentiles(self.push_ms), percentiles(self.pull_ms)
        throughput = self.ops / self.wall_s if self.wall_s else 0
        return [
            f"devices {self.devices}, rounds {self.rounds}, ops {self.ops}, wall {self.wall_s:.1f} s, "
            f"{throughput:.0f} ops/s",
            "results: " + ", ".join(f"{kind} {n}" for kind, n in sorted(self.results.items())),
            "retries: " + (", ".join(f"{kind} {n}" for kind, n in sorted(self.retries.items())) or "none"),
            "dispatch: " + (", ".join(f"{kind} {n}" for kind, n in sorted(self.moves.items())) or "none"),
            f"push {len(self.push_ms)} requests: {pushes}",
            f"pull {len(self.pull_ms)} requests ({self.pulls} pages taken, {self.resets} snapshots, "
            f"{self.removes} removes): {pulls}",
            f"errors {len(self.errors)}",
        ]


def percentiles(samples):
    if len(samples) < 2:
        return "too few to tell"
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return f"p50 {cuts[49]:.0f} ms, p95 {cuts[94]:.0f} ms, p99 {cuts[98]:.0f} ms"


def _guarded(caller, work):
    """``work(caller)`` with a crash kept among the caller's errors, and its connection closed after."""

    def run():
        try:
            work(caller)
        except BaseException:  # a crash is an error of the run, beside the others
            caller.errors.append(f"{caller.name}: {traceback.format_exc()}")
        finally:
            caller.close()

    return run


def run_fleet(server, phones, rounds, dispatchers=(), timeout=600):
    """Every phone works ``rounds`` rounds at once (the dispatchers moving jobs meanwhile), then all settle.

    Each dispatcher should own its own jobs: two desks moving one job would
    race each other, not the phones. They stop before the phones settle, so
    that what the phones hold at the end can be compared with the server's lists.
    """
    for caller in [*phones, *dispatchers]:
        caller.connect(server)
    deadline = time.monotonic() + timeout

    def left():
        return max(0.0, deadline - time.monotonic())

    def work(phone):
        for _ in range(rounds):
            phone.round()

    stop = threading.Event()
    desks = [start(_guarded(desk, lambda desk: desk.run(stop)), name=desk.name) for desk in dispatchers]
    began = time.perf_counter()
    try:
        together([_guarded(phone, work) for phone in phones], timeout=left(), names=[p.name for p in phones])
    finally:
        stop.set()
        for desk in desks:
            desk.result(left())
    together([_guarded(phone, Phone.settle) for phone in phones], timeout=left(), names=[p.name for p in phones])
    wall = time.perf_counter() - began

    results = Counter(result for phone in phones for result in phone.answers.values())
    results["duplicate"] = sum(phone.duplicates for phone in phones)
    retries = sum((phone.retries for phone in phones), Counter())
    errors = [error for phone in phones for error in phone.errors]
    for desk in dispatchers:
        retries += Counter({f"dispatcher {kind}": n for kind, n in desk.retries.items()})
        errors += desk.errors
    return FleetStats(
        devices=len(phones),
        rounds=rounds,
        ops=sum(len(phone.made) for phone in phones),
        results=results,
        retries=retries,
        moves=sum((desk.outcomes for desk in dispatchers), Counter()),
        pulls=sum(phone.pulls for phone in phones),
        resets=sum(phone.resets for phone in phones),
        removes=sum(phone.removes for phone in phones),
        push_ms=[ms for phone in phones for ms in phone.latencies["push"]],
        pull_ms=[ms for phone in phones for ms in phone.latencies["pull"]],
        wall_s=wall,
        errors=errors,
    )


@dataclass
class FleetCheck:
    ops: int = 0
    lost: int = 0  # made, never kept by the server
    stray: int = 0  # kept for a phone of the fleet, never made by it
    wrong_result: int = 0  # kept with another result than the phone was told
    duplicated: int = 0  # took effect more often than its result allows
    missing: int = 0  # applied, yet an effect is missing
    held_wrong: int = 0  # phones whose jobs or requisitions differ from the server's lists
    problems: list = field(default_factory=list)

    def line(self):
        return (
            f"ops {self.ops}: lost {self.lost}, stray {self.stray}, wrong result {self.wrong_result}, "
            f"duplicated effects {self.duplicated}, missing effects {self.missing}, "
            f"phones holding other than the server lists {self.held_wrong}"
        )


def check_fleet(phones):
    """Against the database (inside an app context) and the server's lists: what the fleet did, exactly once."""
    check = FleetCheck()
    ledger = ServerLedger.read([phone.client_id for phone in phones])
    kept, flagged_ops = ledger.kept, ledger.flagged_ops
    if ledger.told_twice:
        check.problems.append(f"dispatch told twice of one op: {ledger.told_twice[:5]}")

    made = {op["op_id"] for phone in phones for op in phone.made}
    stray = set(kept) - made
    check.stray = len(stray)
    if stray:
        check.problems.append(f"ops kept for the fleet's phones that none made: {sorted(stray)[:5]}")
    for phone in phones:
        if ledger.last_seqs.get(phone.client_id, 0) != phone.seq:
            seq = ledger.last_seqs.get(phone.client_id)
            check.problems.append(f"{phone.name}: server's last seq {seq}, made {phone.seq}")
        for op in phone.made:
            check.ops += 1
            where = f"{phone.name} op {op['seq']} {op['type']} on job {op['entity_id']}"
            row = kept.get(op["op_id"])
            told = phone.answers.get(op["op_id"])
            if row is None:
                check.lost += 1
                check.problems.append(f"{where}: not kept by the server (told {told})")
            else:
                if (row.client_id, row.seq, row.type) != (phone.client_id, op["seq"], op["type"]):
                    check.problems.append(f"{where}: kept as {row.client_id} seq {row.seq} {row.type}")
                if told != row.result:
                    check.wrong_result += 1
                    check.problems.append(f"{where}: kept as {row.result} {row.code}, the phone was told {told}")
                if (row.result == "applied") != (row.code == ""):
                    check.problems.append(f"{where}: {row.result} with code {row.code!r}")
                if row.result != "applied" and row.job_id is not None and op["op_id"] not in flagged_ops:
                    check.problems.append(f"{where}: {row.result}, and dispatch was not told")
            expected, found = expected_effects(op, row), ledger.found_effects(op)
            if found != expected:
                if any(found[name] > expected[name] for name in expected):
                    check.duplicated += 1
                if any(found[name] < expected[name] for name in expected):
                    check.missing += 1
                check.problems.append(f"{where}, kept as {row and row.result}: effects {found}, expected {expected}")
    for name, unclaimed in ledger.unclaimed(op for phone in phones for op in phone.made).items():
        check.problems.append(f"{name} at phone times no op carried: {unclaimed[:5]}")

    for phone in phones:
        try:
            for entity, found in phone.against_server(per_page=500).items():
                check.held_wrong += 1
                check.problems.append(f"{phone.name}'s {entity}s: {found}")
        except AssertionError as error:  # a list that failed: a problem beside the others
            check.problems.append(str(error))
        finally:
            phone.close()
    return check
