"""What the server kept of the phones' ops, read once, for the fleet and the state machine to check against.

Each op carries a client_time of its own (one second apart), so its effects are counted by it: the job
events, part usages and requisitions whose device_time it is.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from sqlalchemy import select

from server.devicesync.models import Client
from server.devicesync.models import PushedOp
from server.extensions import db
from server.jobs.models import JobEvent
from server.notifications.models import Notification
from server.supply.models import PartUsage
from server.supply.models import Requisition

# The rows an op can leave, each stamped with the phone's clock the op carried.
EFFECTS = (
    ("job events", JobEvent.device_time),
    ("part usages", PartUsage.device_time),
    ("requisitions", Requisition.device_time),
)


def _utc(at):
    return at.astimezone(UTC)


def op_time(op):
    """The phone's clock an op carried, in UTC: the key its effects are counted by."""
    return datetime.fromisoformat(op["client_time"]).astimezone(UTC)


def expected_effects(op, row):
    """What an op should have left: an applied op one job event (and, for its one BOARD line, one usage or
    one requisition); any other op, or one the server never kept, nothing."""
    applied = row is not None and row.result == "applied"
    return {
        "job events": int(applied),
        "part usages": int(applied and op["type"] == "parts.used"),
        "requisitions": int(applied and op["type"] == "parts.shortage"),
    }


@dataclass
class ServerLedger:
    """The pushed ops kept (by op_id), the effects by phone clock, each client's last seq, and how many
    times dispatch was told of each op (by user and op_id)."""

    kept: dict
    effects: dict
    last_seqs: dict
    flagged: Counter

    @classmethod
    def read(cls, client_ids=None):
        """Read it inside an app context (``client_ids`` narrows ops and seqs to those phones), then roll
        back so the session holds nothing."""
        ops = select(
            PushedOp.op_id,
            PushedOp.client_id,
            PushedOp.seq,
            PushedOp.type,
            PushedOp.result,
            PushedOp.code,
            PushedOp.job_id,
        )
        seqs = select(Client.client_id, Client.last_seq)
        if client_ids is not None:
            ops = ops.where(PushedOp.client_id.in_(client_ids))
            seqs = seqs.where(Client.client_id.in_(client_ids))
        told = select(Notification.user_id, Notification.data).where(
            Notification.kind.in_(("sync_rejected", "sync_conflict"))
        )
        ledger = cls(
            kept={row.op_id: row for row in db.session.execute(ops)},
            effects={
                name: Counter(map(_utc, db.session.scalars(select(column).where(column.is_not(None)))))
                for name, column in EFFECTS
            },
            last_seqs=dict(db.session.execute(seqs).all()),
            flagged=Counter((user_id, data["op_id"]) for user_id, data in db.session.execute(told)),
        )
        db.session.rollback()
        return ledger

    @property
    def flagged_ops(self):
        """The op_ids dispatch was told of."""
        return {op_id for _, op_id in self.flagged}

    @property
    def told_twice(self):
        """(user, op_id) pairs dispatch was told of more than once."""
        return [key for key, n in self.flagged.items() if n > 1]

    def found_effects(self, op):
        """What the server holds at the op's phone clock."""
        when = op_time(op)
        return {name: self.effects[name][when] for name, _ in EFFECTS}

    def unclaimed(self, ops):
        """For each kind of effect, the phone times no op of ``ops`` carried."""
        times = {op_time(op) for op in ops}
        return {name: sorted(set(counted) - times) for name, counted in self.effects.items() if set(counted) - times}
