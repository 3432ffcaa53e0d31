"""What each audience's feed carries, and how a transaction's changes reach it.

Domain code does not write the change log: each flush notes every synced entity
it touches (and, for a job, who had it before), and just before the
transaction commits each touched entity is written, as it now is, into the
feed of every audience that may see it, and as a ``remove`` into the feeds
that lost it. Same transaction, so a feed never shows a change that did not
commit, and never misses one that did.

A savepoint (each op of a push has one) is no commit, though SQLAlchemy fires
``before_commit`` as one is released: what a savepoint noted joins the notes of
the transaction around it when it is released, and is forgotten when it is
rolled back. So an entity is written once per commit, with its final version,
however many ops of a chunk touched it, and an op the server refused leaves
nothing to write.
"""

from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import delete
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm import SessionTransaction

from server.charges import quotes
from server.charges.models import Payment
from server.charges.models import Quote
from server.core.clock import utcnow
from server.core.dumping import dumper
from server.core.held import enclosing
from server.core.held import innermost
from server.core.queries import rows_changed
from server.core.roles import PARTS_CLERK
from server.core.roles import PROVIDER_MANAGER
from server.core.roles import TECHNICIAN
from server.devicesync.models import Audience
from server.devicesync.models import Change
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.jobs.schemas import JobSchema
from server.jobs.services.lifecycle import shown_on_devices
from server.knowledge.models import Article
from server.knowledge.schemas import ArticleSchema
from server.parts.models import Part
from server.parts.schemas import PartSchema
from server.supply.models import PartUsage
from server.supply.models import Requisition
from server.supply.models import RequisitionLine
from server.supply.models import SalesOrder
from server.supply.schemas import RequisitionSchema
from server.users.models import User

CATALOGUE = "catalogue"


def technician(user_id: int) -> str:
    return f"tech:{user_id}"


def provider(provider_id: int) -> str:
    return f"prov:{provider_id}"


def province(region_id: int) -> str:
    return f"region:{region_id}"


def audiences_of_user(user: User) -> list[str]:
    """The feeds a user pulls: a technician their jobs, a provider's manager the provider's, a clerk the
    province's requisitions; everybody the parts catalogue."""

    names = [CATALOGUE]
    if user.role == TECHNICIAN:
        names.append(technician(user.id))
    elif user.role == PROVIDER_MANAGER and user.provider_id:
        names.append(provider(user.provider_id))
    elif user.role == PARTS_CLERK and user.province_id:
        names.append(province(user.province_id))
    return sorted(names)


class Synced:
    """How one model travels: its entity name, who sees it, what is sent, and the columns whose old
    values name audiences that may have lost it."""

    # Each function is given an instance of the one model it is registered for.
    def __init__(
        self,
        entity: str,
        audiences: Callable[[Any], set[str]],
        data: Callable[[Any], dict[str, Any]],
        moves: dict[str, Callable[[Any], str]] | None = None,
        version: Callable[[Any], int | None] | None = None,
    ) -> None:
        self.entity = entity
        self.audiences = audiences
        self.data = data
        self.moves = moves or {}  # column → the audience its old value names
        self.version = version or (lambda obj: None)


def _job_audiences(job):
    names = set()
    if job.technician_id:
        names.add(technician(job.technician_id))
    if job.provider_id:
        names.add(provider(job.provider_id))
    return names


@cache
def _schema(name):
    """One schema of each kind for the process: building one costs more than a job's dump."""

    made: dict[str, Callable[[], Any]] = {
        "job": lambda: JobSchema(exclude=("actions",)),
        "requisition": RequisitionSchema,
        "part": PartSchema,
        "article": ArticleSchema,
    }
    return made[name]()


@cache
def _dump(name):
    """The kind's schema dump, compiled (server/core/dumping.py): most of a snapshot's time was marshmallow's."""
    return dumper(_schema(name))


def _job_data(job):
    return jobs_data([job])[0]


def jobs_data(jobs: Sequence[Any]) -> list[dict[str, Any]]:
    """What the feeds carry of each of ``jobs``: the job, with its charges (its latest quote and its payments)
    read for all of them at once."""
    charges = quotes.on_devices([job.id for job in jobs])
    # Whoever's request changed the job (a dispatcher's sees the customer's phone in full), its feeds carry it
    # as provider staff see it: they are its only audiences.
    return [{**_dump("job")(shown_on_devices(job)), **charges[job.id]} for job in jobs]


def _requisition_audiences(requisition):
    names = {provider(requisition.provider_id), province(requisition.province_id)}
    if requisition.job.technician_id:
        names.add(technician(requisition.job.technician_id))
    return names


def _requisition_data(requisition):
    return _dump("requisition")(requisition)


def _part_data(part):
    return _dump("part")(part)


def _article_data(article):
    return _dump("article")(article)


def _article_audiences(article):
    # A withdrawn entry is in no feed: the one it leaves gets a remove (see the move on ``active``).
    return {CATALOGUE} if article.active else set()


def registry() -> dict[type[Any], Synced]:

    return {
        Job: Synced(
            "job",
            _job_audiences,
            _job_data,
            moves={"technician_id": technician, "provider_id": provider},
            version=lambda job: job.version,
        ),
        Requisition: Synced("requisition", _requisition_audiences, _requisition_data),
        Part: Synced("part", lambda part: {CATALOGUE}, _part_data),
        Article: Synced(
            "article",
            _article_audiences,
            _article_data,
            moves={"active": lambda was_active: CATALOGUE},
            version=lambda article: article.version,
        ),
    }


_REGISTRY: dict[type[Any], Synced] = {}


def _registered() -> dict[type[Any], Synced]:
    if not _REGISTRY:
        _REGISTRY.update(registry())
    return _REGISTRY


def kind_of(obj: object) -> Synced | None:
    return _registered().get(type(obj))


def kind_of_model(model: type) -> Synced:
    """The synced kind of ``model``'s rows, however they were read (the snapshot reads jobs as plain rows)."""
    return _registered()[model]


class _Notes:
    """What the flushes of one transaction or savepoint touched: synced entities (by ``id()``), the audiences
    each may have left, and the ids of requests changed (which show in their jobs)."""

    def __init__(self) -> None:
        self.touched: dict[int, Any] = {}
        self.left: defaultdict[int, set[str]] = defaultdict(set)
        self.requests: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self.touched or self.requests)

    def join(self, inner: "_Notes") -> None:
        self.touched.update(inner.touched)
        for key, audiences in inner.left.items():
            self.left[key] |= audiences
        self.requests |= inner.requests


def _notes(session: Session, transaction: SessionTransaction | None) -> _Notes:
    kept: dict[SessionTransaction | None, _Notes] = session.info.setdefault("sync_notes", {})
    return kept.setdefault(transaction, _Notes())


def _note_touched(session, flush_context):
    notes = _notes(session, innermost(session))
    touched, left = notes.touched, notes.left
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if _is_request(obj):
            notes.requests.add(obj.id)
            continue
        parent = _parent(session, obj)
        if parent is not None:
            touched[id(parent)] = parent
            continue
        synced = kind_of(obj)
        if synced is None:
            continue
        touched[id(obj)] = obj
        state = inspect(obj)
        for column, audience in synced.moves.items():
            for old in state.attrs[column].history.deleted:
                if old is not None:
                    left[id(obj)].add(audience(old))


def _parent(session, obj):
    """The synced entity a change of ``obj`` shows in (a requisition's line or order shows in its requisition)."""

    if isinstance(obj, RequisitionLine):
        return obj.requisition
    # Its orders too: the phone learns from its requisition that the parts shipped, and receives them. By
    # id: a new order's relationship is not loaded yet. (An order's lines are made with it and never change.)
    if isinstance(obj, SalesOrder):
        return session.get(Requisition, obj.requisition_id)
    # A job's quote and payments travel in the job.
    if isinstance(obj, (Quote, Payment)):
        return session.get(Job, obj.job_id)
    # And what was fitted from them, so the phone offers only what is left to fit.
    if isinstance(obj, PartUsage) and obj.sales_order_id is not None:
        order = session.get(SalesOrder, obj.sales_order_id)
        return session.get(Requisition, order.requisition_id) if order is not None else None
    return None


def _is_request(obj):
    """A job's request shows in the job (a serial learnt from a scan changes only the request)."""

    return isinstance(obj, ServiceRequest)


def _keep_released(session):
    """A savepoint released: what it noted is the enclosing transaction's to write (or savepoint's to keep).

    ``after_commit`` fires for a savepoint as it is released, while it is still the session's innermost;
    a savepoint whose release failed never gets here, and is forgotten with its rollback.
    """
    savepoint = session.get_nested_transaction()
    if savepoint is None:
        return  # the transaction itself committed: its notes were written in ``_write_changes``
    inner = session.info.get("sync_notes", {}).pop(savepoint, None)
    if inner:
        _notes(session, enclosing(savepoint)).join(inner)


def _forget(session, transaction):
    # A savepoint's notes are gone once it ends: joined to the enclosing ones when
    # it was released, dropped when it was rolled back, as its changes were. The
    # transaction's go with it, written at its commit or rolled back with it.
    if transaction.nested or transaction.parent is None:
        session.info.get("sync_notes", {}).pop(transaction, None)


def _follow_jobs(session, touched, left):
    """A job that changed hands takes its requisitions with it: out of the old feeds, into the new."""

    moved = {obj.id: left[key] for key, obj in touched.items() if isinstance(obj, Job) and left.get(key)}
    if not moved:
        return
    for requisition in session.scalars(select(Requisition).where(Requisition.job_id.in_(moved))):
        touched[id(requisition)] = requisition
        left.setdefault(id(requisition), set()).update(moved[requisition.job_id])


def _hold_jobs_of_requisitions(session, touched):
    """A requisition's technician is its job's: hold each such job and read it as it now is.

    A reassignment locks the job to change hands, so holding it (key-share,
    which only an update of the job waits for) orders the two: either the
    reassignment commits first and this transaction reads the new technician,
    or it waits, and then moves the requisition as this transaction left it.
    Without it a change made on the way (a delivery from headquarters) could be
    written into the feed of a technician who had just lost the job.
    """

    job_ids = sorted(
        {obj.job_id for obj in touched.values() if isinstance(obj, Requisition) and obj.job_id is not None}
    )
    if not job_ids:
        return
    statement = (
        select(Job)
        .where(Job.id.in_(job_ids))
        .order_by(Job.id)
        .with_for_update(read=True, key_share=True, of=Job)
        .execution_options(populate_existing=True)
    )
    session.scalars(statement).all()


def _bump(session, audience, count):
    """Reserve ``count`` seqs of ``audience`` under its row lock; the last of them."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    statement = (
        module.insert(Audience)
        .values(name=audience, last_seq=count, floor_seq=0)
        .on_conflict_do_update(index_elements=["name"], set_={"last_seq": Audience.last_seq + count})
        .returning(Audience.last_seq)
    )
    return session.execute(statement).scalar_one()


def _write_changes(session):
    if session.in_nested_transaction():
        return  # a savepoint released, not a commit: see _keep_released
    transaction = session.get_transaction()
    if not session.info.get("sync_notes", {}).get(transaction):
        return
    session.flush()
    notes = session.info["sync_notes"].pop(transaction)
    touched, requests, left = notes.touched, notes.requests, notes.left
    if requests:
        untouched = [
            job for job in session.scalars(select(Job).where(Job.request_id.in_(requests))) if id(job) not in touched
        ]
        for job in untouched:
            # The job's data changed with its request: a new version, so a device never
            # holds two different copies of one version.
            job.updated_at = utcnow()
            touched[id(job)] = job
        if untouched:
            session.flush()
    _follow_jobs(session, touched, left)
    _hold_jobs_of_requisitions(session, touched)
    # audience → [(entity, id, op, version, data)]
    rows: defaultdict[str, list[tuple[str, str, str, int, dict[str, Any] | None]]] = defaultdict(list)
    for key, obj in touched.items():
        synced = kind_of(obj)
        assert synced is not None  # only synced entities are touched (see _note_touched)
        state = inspect(obj)
        if state.deleted or state.was_deleted:
            for audience in left.get(key, set()):
                rows[audience].append((synced.entity, str(state.identity[0]), "remove", 0, None))
            continue
        if not state.persistent:
            continue  # added and rolled back within this transaction
        entity_id = str(state.identity[0])
        # As the row is now, with what commits landed since this session read it: two
        # edits of one part at once must not leave the feed with either's stale copy.
        session.refresh(obj)
        now = synced.audiences(obj)
        data = synced.data(obj)
        version = synced.version(obj) or 0
        for audience in now:
            rows[audience].append((synced.entity, entity_id, "put", version, data))
        for audience in left.get(key, set()) - now:
            rows[audience].append((synced.entity, entity_id, "remove", version, None))
    for audience in sorted(rows):
        changes = rows[audience]
        last = _bump(session, audience, len(changes))
        first = last - len(changes) + 1
        session.execute(
            insert(Change),
            [
                {"audience": audience, "seq": first + n, "entity": e, "entity_id": i, "op": op, "version": v, "data": d}
                for n, (e, i, op, v, d) in enumerate(changes)
            ],
        )


def install() -> None:
    """Listen on every session (once): note synced entities at flush, keep a released savepoint's notes for
    the transaction, write their changes before it commits."""
    if getattr(install, "done", False):
        return
    event.listen(Session, "after_flush", _note_touched)
    event.listen(Session, "before_commit", _write_changes)
    event.listen(Session, "after_commit", _keep_released)
    event.listen(Session, "after_transaction_end", _forget)
    # A flag on the function itself: the listeners are added once per process.
    install.done = True  # type: ignore[attr-defined]


def latest(audiences: Iterable[str]) -> dict[str, int]:
    """``{audience: last_seq}`` now."""
    found = dict(db.session.execute(select(Audience.name, Audience.last_seq).where(Audience.name.in_(audiences))).all())
    return {name: found.get(name, 0) for name in audiences}


def compact(now: datetime, retention: timedelta) -> int:
    """Drop changes older than ``retention`` from every feed; return how many went.

    Each feed's floor rises to the last seq dropped: a device whose cursor is
    below it has been away longer than the log is kept, and starts again from a
    snapshot (``reset``) instead of missing what was dropped.
    """
    dropped = 0
    tops = db.session.execute(
        select(Change.audience, func.max(Change.seq))
        .where(Change.created_at < now - retention)
        .group_by(Change.audience)
    ).all()
    for audience, top in tops:
        db.session.execute(
            update(Audience)
            .where(Audience.name == audience, Audience.floor_seq < top)
            .values(floor_seq=top)
            .execution_options(synchronize_session=False)
        )
        dropped += rows_changed(
            delete(Change)
            .where(Change.audience == audience, Change.seq <= top)
            .execution_options(synchronize_session=False)
        )
    return dropped
