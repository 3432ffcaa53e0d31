"""The shape of a push and of the operations it carries, checked before anything is applied.

A push whose envelope is wrong (no client id, ops not a list, too many ops,
seqs missing or repeated) is refused whole. An op whose own content is wrong
(unknown type, payload of the wrong shape) is still an op of the device's
sequence: it is recorded as rejected, with its reason, and the sequence moves
on, so one bad op can never block the device's queue.
"""

import re
import uuid
from collections.abc import Container
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from typing import Literal

# What became of an op: the status the device is told and the op log records.
Outcome = Literal["applied", "duplicate", "rejected", "conflict"]
APPLIED: Final = "applied"
DUPLICATE: Final = "duplicate"
REJECTED: Final = "rejected"
CONFLICT: Final = "conflict"

# Matched whole (fullmatch): a "$" would also let a final newline through.
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class BadPush(ValueError):
    """The push as a whole cannot be read; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Op:
    op_id: str
    seq: int
    type: str
    entity_id: str | None
    payload: dict[str, object]
    client_time: datetime | None
    # Set when the op's own content is unusable: it is recorded as rejected with this reason.
    problem: str | None = None


# Bounds that every database column holding them can store.
MAX_NUMBER = 2**31 - 1
MAX_SEQ = 2**62
# The years a client time may fall in, as the server's API takes times (server.core.schemas, which this
# package may not import): far from the ends of Python's dates, so none overflows when kept in UTC.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# An op the app makes nests three levels (the op, its payload, a list of parts); the decoder takes hundreds,
# past what the checks below, the answer's text and the JSON column's encoder each recurse through.
MAX_DEPTH = 32


def _deeper_than(value: object, depth: int) -> bool:
    """Whether ``value`` nests objects and lists more than ``depth`` levels deep; walked level by level, so
    that however deep it is this cannot recurse."""
    level = [value]
    for _ in range(depth + 1):
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        if not level:
            return False
    return True


def _has_nul(value: object) -> bool:
    """NUL cannot be stored in PostgreSQL text; an op carrying one is refused, not retried forever."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def _client_time(value: object) -> tuple[datetime | None, str | None]:
    if value is None:
        return None, None
    if not isinstance(value, str):
        return None, "client_time must be an ISO 8601 time with its offset"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None, "client_time must be an ISO 8601 time with its offset"
    if moment.tzinfo is None:
        return None, "client_time must carry its offset (e.g. +08:00)"
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return None, f"client_time must fall in the years {FIRST_YEAR} to {LAST_YEAR}"
    return moment, None


def read_push(body: object, max_ops: int, known_types: Container[str]) -> tuple[str, int, list[Op]]:
    """``(client_id, schema_version, [Op] in seq order)`` from a push body, or BadPush."""
    if not isinstance(body, dict):
        raise BadPush("body", "send a JSON object with client_id, schema_version and ops")
    client_id = body.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        raise BadPush("client_id", "give the device's id: 8 to 64 letters, digits, '-' or '_'")
    schema_version = body.get("schema_version")
    if isinstance(schema_version, bool) or not isinstance(schema_version, int) or not 1 <= schema_version <= MAX_NUMBER:
        raise BadPush("schema_version", f"give the app's schema version, an integer from 1 to {MAX_NUMBER}")
    ops = body.get("ops")
    if not isinstance(ops, list):
        raise BadPush("ops", "give the operations as a list")
    if len(ops) > max_ops:
        raise BadPush("ops", f"at most {max_ops} operations per push; send the rest in the next one")
    read, seqs, ids = [], set(), set()
    for index, raw in enumerate(ops):
        where = f"ops[{index}]"
        if not isinstance(raw, dict):
            raise BadPush(where, "each operation is a JSON object")
        seq = raw.get("seq")
        if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
            raise BadPush(f"{where}.seq", "seq is the device's operation number: 1, 2, 3...")
        given = raw.get("op_id")
        try:
            # A list or an object is never a UUID, and str() of one nested deep enough recurses past the limit.
            op_id = None if isinstance(given, dict | list) else str(uuid.UUID(str(given)))
        except ValueError:
            op_id = None
        if op_id is None:
            raise BadPush(f"{where}.op_id", "op_id must be a UUID")
        if seq in seqs or op_id in ids:
            raise BadPush(where, f"seq {seq} or op_id {op_id} appears twice in this push")
        seqs.add(seq)
        ids.add(op_id)
        if _deeper_than(raw, MAX_DEPTH):
            # Kept by its number alone: nothing of its content is read, shown or stored.
            too_deep = f"the operation nests deeper than {MAX_DEPTH} levels"
            read.append(
                Op(op_id=op_id, seq=seq, type="", entity_id=None, payload={}, client_time=None, problem=too_deep)
            )
            continue
        problem = None
        op_type = raw.get("type")
        if not isinstance(op_type, str) or op_type not in known_types:
            problem = f"unknown operation type {op_type!r}"
            op_type = str(op_type)[:32]
        payload = raw.get("payload", {})
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            problem = problem or "payload must be a JSON object"
            payload = {"value": payload}
        entity_id = raw.get("entity_id")
        if entity_id is not None and not isinstance(entity_id, str | int):
            problem = problem or "entity_id must be a string or a number"
            entity_id = None
        if _has_nul(op_type) or _has_nul(entity_id) or _has_nul(payload):
            problem = problem or "text may not contain NUL characters"
            op_type = op_type.replace("\x00", "")
            entity_id = None if entity_id is None else str(entity_id).replace("\x00", "")
            payload = {}
        client_time, time_problem = _client_time(raw.get("client_time"))
        read.append(
            Op(
                op_id=op_id,
                seq=seq,
                type=op_type,
                entity_id=None if entity_id is None else str(entity_id)[:64],
                payload=payload,
                client_time=client_time,
                problem=problem or time_problem,
            )
        )
    return client_id, schema_version, sorted(read, key=lambda op: op.seq)
