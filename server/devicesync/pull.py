"""The change feed a device pulls: first a snapshot of what it may see, then each audience's log.

The cursor is opaque and signed (``sync.cursor``). Without one, or when the
log it points into was compacted away, the answer starts a snapshot and says
``reset: true``: the device drops what it holds and takes the snapshot. The
snapshot records each audience's position when it starts, and the log is
read from there, so nothing committed meanwhile is missed (a change may come
twice; puts carry the whole entity, so applying one again is harmless).
"""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from typing import TypedDict
from typing import cast

from flask import current_app
from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.charges import guide
from server.core import plain
from server.core.clock import utcnow
from server.core.roles import PARTS_CLERK
from server.core.roles import PROVIDER_MANAGER
from server.core.roles import TECHNICIAN
from server.devicesync import feed
from server.devicesync.models import Audience
from server.devicesync.models import Change
from server.devicesync.push import acked_seq
from server.errors import InvalidInput
from server.extensions import db
from server.jobs.models import OPEN_STATES
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.knowledge.models import Article
from server.parts.models import Part
from server.supply.models import OPEN_REQUISITION_STATUSES
from server.supply.models import Requisition
from server.supply.models import SalesOrder
from server.users.models import User
from sync import cursor
from sync.cursor import CursorState
from sync.cursor import LogState
from sync.cursor import SnapshotPosition
from sync.cursor import SnapshotState

# New kinds go last: a snapshot cursor in flight names its place by index.
SNAPSHOT_ORDER = ("part", "job", "requisition", "article")


class PullAnswer(TypedDict):
    changes: list[dict[str, Any]]  # entity, id, op (put or remove), version, data
    fees: list[dict[str, Any]]  # the fee guide's labour items: code, category, repair_type, name, labour_cents
    travel_fees: list[dict[str, Any]]  # area_class, fee_cents
    cursor: str
    has_more: bool
    acked_seq: int
    reset: bool  # drop what the device holds: a snapshot starts


def _secret():
    return str(current_app.config["SECRET_KEY"]).encode()


def _recent():
    return utcnow() - timedelta(days=current_app.config["SYNC_RECENT_DAYS"])


def _jobs_page(where: ColumnElement[bool], after: int, room: int) -> list[Any]:
    """The next ``room`` jobs ``where`` finds after id ``after``, with what their JSON reads, as plain rows.

    As ORM objects, building them and their relations was four tenths of a first pull on PostgreSQL, and the
    fixes and photos another tenth (``server/core/plain.py``); the schema dumps them as it dumps the ORM's.
    """
    jobs = plain.read(Job, where, Job.id > after, order_by=Job.id, limit=room)
    requests = plain.attach(jobs, Job, "request")
    for key in ("product", "region"):
        plain.attach(requests, ServiceRequest, key)
    for key in ("region", "provider", "technician", "fixes", "evidence_photos"):
        plain.attach(jobs, Job, key)
    return jobs


def _jobs_of(user: User) -> ColumnElement[bool] | None:
    """Which jobs ``user`` holds on a fresh device: their own (or their provider's), open or closed recently."""
    if user.role == TECHNICIAN:
        mine = Job.technician_id == user.id
    elif user.role == PROVIDER_MANAGER:
        mine = Job.provider_id == user.provider_id
    else:
        return None
    return and_(mine, or_(Job.state.in_(OPEN_STATES), Job.updated_at >= _recent()))


def _snapshot_query(user, entity):
    """What ``user`` holds of ``entity`` on a fresh device: everything open, and what closed recently."""
    if entity == "part":
        return select(Part).options(selectinload(Part.products)), Part
    if entity == "article":
        return select(Article).where(Article.active), Article
    if user.role == TECHNICIAN:
        mine = Requisition.job_id.in_(select(Job.id).where(Job.technician_id == user.id))
    elif user.role == PROVIDER_MANAGER:
        mine = Requisition.provider_id == user.provider_id
    elif user.role == PARTS_CLERK:
        mine = Requisition.province_id == user.province_id
    else:
        return None, Requisition
    recent = or_(Requisition.status.in_(OPEN_REQUISITION_STATUSES), Requisition.raised_at >= _recent())
    loaded = (
        selectinload(Requisition.lines),
        selectinload(Requisition.orders).selectinload(SalesOrder.lines),
        selectinload(Requisition.orders).selectinload(SalesOrder.usages),
    )
    return select(Requisition).where(mine, recent).options(*loaded), Requisition


def _serialise(entity: str, model: type, obj: Any) -> dict[str, Any]:
    synced = feed.kind_of_model(model)
    return {
        "entity": entity,
        "id": str(obj.id),
        "op": "put",
        "version": synced.version(obj) or 0,
        "data": synced.data(obj),
    }


def _serialise_jobs(jobs: Sequence[Any]) -> list[dict[str, Any]]:
    synced = feed.kind_of_model(Job)
    return [
        {"entity": "job", "id": str(job.id), "op": "put", "version": synced.version(job) or 0, "data": data}
        for job, data in zip(jobs, feed.jobs_data(jobs), strict=True)
    ]


def _snapshot(
    user: User, audiences: list[str], state: SnapshotPosition, limit: int
) -> tuple[list[dict[str, Any]], CursorState, bool]:
    """One page of the snapshot; the next state (still a snapshot, or the log from the recorded seqs)."""
    changes: list[dict[str, Any]] = []
    index, after = state["i"], state["after"]
    while index < len(SNAPSHOT_ORDER) and len(changes) < limit:
        entity = SNAPSHOT_ORDER[index]
        room = limit - len(changes)
        rows: Sequence[Any] = []
        if entity == "job":
            model: Any = Job
            where = _jobs_of(user)
            if where is not None:
                rows = _jobs_page(where, after, room)
        else:
            statement, model = _snapshot_query(user, entity)
            if statement is not None:
                rows = db.session.scalars(statement.where(model.id > after).order_by(model.id).limit(room)).all()
        if entity == "job":
            # The jobs' charges read for the page at once, not job by job.
            changes.extend(_serialise_jobs(rows))
        else:
            changes.extend(_serialise(entity, model, row) for row in rows)
        if len(rows) < room:  # this entity is done: on to the next
            index, after = index + 1, 0
        else:  # the page is full in the middle of it
            after = rows[-1].id
    if index < len(SNAPSHOT_ORDER):
        return changes, {"snap": {"i": index, "after": after, "seqs": state["seqs"]}}, True
    # The snapshot is through: the rest of the page is what its feeds logged since it began, so a
    # device needs no further request just to learn that nothing happened meanwhile.
    logged, seqs, more = _log(audiences, state["seqs"], limit - len(changes))
    return changes + logged, {"seqs": seqs}, more


def _log(audiences: list[str], seqs: dict[str, int], limit: int) -> tuple[list[dict[str, Any]], dict[str, int], bool]:
    """The next changes of the feeds after ``seqs``, in commit order per feed; the seqs reached; more?"""
    conditions = [(Change.audience == name) & (Change.seq > seqs.get(name, 0)) for name in audiences]
    rows = db.session.scalars(select(Change).where(or_(*conditions)).order_by(Change.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    reached = dict(seqs)
    changes: list[dict[str, Any]] = []
    for row in rows:
        reached[row.audience] = max(reached.get(row.audience, 0), row.seq)
        changes.append(
            {"entity": row.entity, "id": row.entity_id, "op": row.op, "version": row.version, "data": row.data}
        )
    return changes, reached, more


def _stale(audiences, seqs):
    """The device must start again: its feeds changed (a new role or provider), or the log was compacted."""
    if set(seqs) != set(audiences):
        return True
    floors = dict(
        db.session.execute(select(Audience.name, Audience.floor_seq).where(Audience.name.in_(audiences))).all()
    )
    return any(seqs[name] < floors.get(name, 0) for name in audiences)


def pull(user: User, token: str | None, limit: int, client_id: str | None = None) -> PullAnswer:
    """``{"changes", "cursor", "has_more", "acked_seq", "reset"}`` for ``user``'s device."""
    # Read before the changes: every op acknowledged here has its effects in what follows.
    acked = acked_seq(user, client_id)
    audiences = feed.audiences_of_user(user)
    state: CursorState | None = None
    if token:
        try:
            state = cursor.decode(_secret(), user.id, token)
        except cursor.BadCursor as error:
            raise InvalidInput(f"cursor: {error}; pull without a cursor to start again.", code="bad_cursor") from None
    reset = False
    # A state is a snapshot's or the log's, as its key says (mypy narrows a union of TypedDicts on a key
    # it has only when they are final).
    if state is None or ("seqs" in state and _stale(audiences, cast(LogState, state)["seqs"])):
        reset = True
        state = {"snap": {"i": 0, "after": 0, "seqs": feed.latest(audiences)}}
    next_state: CursorState
    if "snap" in state:
        changes, next_state, more = _snapshot(user, audiences, cast(SnapshotState, state)["snap"], limit)
    else:
        changes, seqs, more = _log(audiences, state["seqs"], limit)
        next_state = {"seqs": seqs}
    # The fee guide is small and the phone quotes offline from it: every answer carries it whole.
    fee_guide = guide.on_devices()
    return {
        "changes": changes,
        "fees": fee_guide["fees"],
        "travel_fees": fee_guide["travel_fees"],
        "cursor": cursor.encode(_secret(), user.id, next_state),
        "has_more": more,
        "acked_seq": acked,
        "reset": reset,
    }
