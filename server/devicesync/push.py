"""Applying a device's ops: in seq order, once each, through the same domain functions as the API.

Each op applies in a savepoint of its own, committed with the record of the
op, its result and the device's last seq (a chunk of ops per commit): a
replayed op finds its stored result and is not applied again, and a crash
loses nothing that was acknowledged.
A business-rule failure is kept (rejected, or conflict when the world moved
on: the job was reassigned or cancelled meanwhile) and flagged to dispatch;
the sequence moves on. A gap in the sequence stops processing there. Only an
infrastructure failure stops without recording, answering 503.
"""

from collections.abc import Mapping
from functools import cache
from typing import Any
from typing import TypedDict

import marshmallow as ma
from flask import current_app
from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.exc import StaleDataError

from server.charges import quotes
from server.charges import schemas as charges_schemas
from server.core.bulk import insert_rows
from server.core.clock import utcnow
from server.core.locks import serialise_on
from server.core.queries import among
from server.core.reference import invalid
from server.devicesync.models import Client
from server.devicesync.models import PushedOp
from server.errors import DomainError
from server.errors import Forbidden
from server.evidence import schemas as evidence_schemas
from server.evidence import services as scans
from server.evidence import visit_photos
from server.extensions import db
from server.jobs import schemas as job_schemas
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.jobs.services import events
from server.jobs.services import lifecycle
from server.jobs.services import queries
from server.jobs.services.events import record
from server.notifications.models import Notification
from server.notifications.services import notify
from server.supply import schemas as supply_schemas
from server.supply.services import requisitions
from server.supply.services import usage
from server.users import directory
from server.users.models import User
from sync.ops import APPLIED
from sync.ops import CONFLICT
from sync.ops import DUPLICATE
from sync.ops import MAX_NUMBER
from sync.ops import REJECTED
from sync.ops import BadPush
from sync.ops import read_push


class PushAnswer(TypedDict):
    results: list[dict[str, Any]]  # per op: op_id, seq, result, code, message (and stored_result of a duplicate)
    acked_seq: int


class Unavailable(DomainError):
    status = 503
    code = "unavailable"


class NoteArgs(ma.Schema):
    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=4000))


class ScanOpArgs(ma.Schema):
    serial = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    source = ma.fields.String(required=True, validate=ma.validate.OneOf(("camera", "photo", "typed")))
    symbology = ma.fields.String(load_default="", validate=ma.validate.Length(max=32))
    photo_sha256 = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Regexp(r"^[0-9a-f]{64}$"))


def _accept(job, user, args, when):
    lifecycle.accept(job, user, device_time=when)


def _decline(job, user, args, when):
    lifecycle.decline(job, user, args["reason"], device_time=when)


def _contact(job, user, args, when):
    lifecycle.contact(
        job, user, appointment_at=args["appointment_at"], note=args["note"], device_time=when, reached=args["reached"]
    )


def _depart(job, user, args, when):
    lifecycle.depart(job, user, device_time=when, note=args["note"])


def _arrive(job, user, args, when):
    lifecycle.arrive(job, user, device_time=when, note=args["note"], position=args["position"])


def _complete(job, user, args, when):
    # Through charges (its quote and payments may hold it back) and evidence: a signature the op cites must be
    # a PNG this technician uploaded before the op. One not arrived yet is refused (unknown_signature), the op
    # kept as rejected and dispatch told, as a scan citing a photo not uploaded is: the app uploads its blobs
    # before the ops naming them.
    quotes.complete(
        job,
        user,
        args["summary"],
        args["confirmed_by"],
        device_time=when,
        fault_code=args["fault_code"],
        confirmation=args["confirmation"],
        position=args["position"],
        unpaid_reason=args["unpaid_reason"],
    )


def _quote_save(job, user, args, when):
    quotes.save(job, user, args, device_time=when)


def _quote_approve(job, user, args, when):
    quotes.approve(job, user, args, device_time=when)


def _payment(job, user, args, when):
    quotes.record_payment(job, user, args, device_time=when)


def _scan(job, user, args, when):
    # Through evidence: the photo the op cites must be one this technician uploaded or their provider holds.
    scans.record_field_scan(
        job, user, args["serial"], args["source"], args["symbology"], args["photo_sha256"], device_time=when
    )


def _photo(job, user, args, when):
    # The phone's clock at the op stands for when the photo was taken when the body does not say.
    visit_photos.add_photo(
        job,
        user,
        args["stage"],
        args["sha256"],
        args["original_sha256"],
        exif_taken_at=args["exif_taken_at"],
        position=args["position"],
        device_time=args["device_time"] or when,
    )


def _parts_used(job, user, args, when):
    usage.fit_parts(job, user, args["parts"], device_time=when, sales_order_id=args["sales_order_id"])


def _receive(job, user, args, when):
    # The same receipt as the provider's desk makes, confirmed on the job's page.
    requisitions.receive_on_job(job, user, args["sales_order_id"], device_time=when)


def _shortage(job, user, args, when):
    usage.report_shortage(job, user, args["parts"], note=args["note"], device_time=when)


def _note(job, user, args, when):
    # A note is a fact about the visit: the job's technician may add one whatever its state.
    if job.technician_id != user.id:
        raise Forbidden(f"Job {job.number} is not assigned to you.", code="not_your_job")
    record(job, "note", user, from_state=job.state, device_time=when, note=args["text"])


# type → (payload schema, what it does to the job). Every op acts on one job: ``entity_id``.
HANDLERS = {
    "job.accept": (job_schemas.FieldStepArgs, _accept),
    "job.decline": (job_schemas.DeclineArgs, _decline),
    "job.contact": (job_schemas.ContactArgs, _contact),
    "job.depart": (job_schemas.FieldStepArgs, _depart),
    "job.arrive": (job_schemas.ArriveArgs, _arrive),
    "job.complete": (job_schemas.CompleteArgs, _complete),
    "scan.add": (ScanOpArgs, _scan),
    "photo.add": (evidence_schemas.EvidencePhotoArgs, _photo),
    "parts.used": (supply_schemas.UsageArgs, _parts_used),
    "parts.receive": (supply_schemas.ReceiptOpArgs, _receive),
    "parts.shortage": (supply_schemas.PartLinesArgs, _shortage),
    "note.add": (NoteArgs, _note),
    "quote.save": (charges_schemas.QuoteArgs, _quote_save),
    "quote.approve": (charges_schemas.ApproveArgs, _quote_approve),
    "payment.record": (charges_schemas.PaymentArgs, _payment),
}

# The world moved on under the device: what it did is kept and dispatch decides.
_CONFLICT_CODES = {"illegal_transition", "job_reassigned", "concurrent_change", "not_your_job"}


def _client(user, client_id, schema_version):
    """Make the device's row on its first push, or note a new schema version; whether either was written."""
    client = db.session.get(Client, client_id)
    if client is None:
        serialise_on(f"sync-client:{client_id}")
        client = db.session.get(Client, client_id)
    if client is None:
        db.session.add(Client(client_id=client_id, user_id=user.id, last_seq=0, schema_version=schema_version))
        db.session.flush()
        return True
    if client.user_id != user.id:
        raise Forbidden("This client id belongs to another user's device.", code="client_not_yours")
    if client.schema_version == schema_version:
        return False
    client.schema_version = schema_version
    return True


def _job_id(op):
    """The job id ``entity_id`` names, or None when it names none a database could hold."""
    try:
        job_id = int(op.entity_id)
    except (TypeError, ValueError):
        return None
    return job_id if 0 < job_id <= MAX_NUMBER else None


def _was_given(user, job_id):
    """Whether ``job_id`` was ever ``user``'s: they were told of it, or did something on it."""
    told = select(Notification.id).where(Notification.user_id == user.id, Notification.job_id == job_id)
    acted = select(JobEvent.id).where(JobEvent.actor_id == user.id, JobEvent.job_id == job_id)
    return db.session.scalar(select(told.exists() | acted.exists()))


# The columns ``queries.visible_jobs`` reads: while a locked job's are as they were when it was locked, whether
# the user may see it is as it was then.
_HOLDERS = ("technician_id", "provider_id", "province_id")


def _holders(job):
    return tuple(getattr(job, column) for column in _HOLDERS)


def _lock_jobs(user, ops):
    """The jobs ``ops`` name that ``user`` may work, read and locked in one statement (in id order, so two pushes
    never each wait for a job the other holds), each with its holders as they were: ``{id: (job, holders)}``."""
    ids = sorted({job_id for op in ops if not op.problem and (job_id := _job_id(op)) is not None})
    if not ids:
        return {}
    statement = (
        queries.visible_jobs(user)
        .where(among(Job.id, ids))
        .order_by(Job.id)
        .with_for_update(of=Job)
        # A job's request, fixes and photos only when a step asks for them (a note or a part never does).
        .options(lazyload(Job.request), lazyload(Job.fixes), lazyload(Job.evidence_photos))
    )
    return {job.id: (job, _holders(job)) for job in db.session.scalars(statement)}


def _job(user, op, locked):
    """The op's job, locked, if the user may work it; a job that left them is a conflict, not a 404.

    ``locked`` holds the chunk's jobs, locked when it began; one an earlier op of the chunk moved to other
    hands is looked up again, as the user may no longer see it."""
    if op.entity_id is None or not str(op.entity_id).strip().lstrip("-").isdigit():
        raise invalid("entity_id", "give the id of the job the operation is about")
    job_id = _job_id(op)
    held = locked.get(job_id)
    if held is not None and _holders(held[0]) == held[1]:
        return held[0]
    job = None
    if job_id is not None:
        job = db.session.scalar(queries.visible_jobs(user).where(Job.id == job_id).with_for_update(of=Job))
    if job is not None:
        return job
    gone = db.session.get(Job, job_id) if job_id is not None else None
    if gone is not None and _was_given(user, job_id):
        # The number, as the technician's app shows the job; the id is only the app's key.
        raise DomainError(
            f"Job {gone.number} is no longer yours: it was reassigned or withdrawn.", code="job_reassigned", status=409
        )
    raise DomainError(f"You have no job {op.entity_id}.", code="job_not_found", status=404)


def _apply(user, op, locked):
    """``(result, code, message, job_id)`` of applying ``op`` inside a savepoint (``locked``: see ``_job``)."""
    if op.problem:
        # Kept against its job when it names one the user may see, so dispatch can find it.
        job_id = _job_id(op)
        if job_id is not None and not db.session.scalar(
            queries.visible_jobs(user).with_only_columns(Job.id).where(Job.id == job_id)
        ):
            job_id = None
        return REJECTED, "invalid_op", op.problem, job_id
    loader, handler = _handler(op.type)
    savepoint = db.session.begin_nested()
    job_id = None
    try:
        job = _job(user, op, locked)
        job_id = job.id
        args = loader.load(op.payload)
        handler(job, user, args, op.client_time)
        db.session.flush()
        savepoint.commit()
        return APPLIED, "", "", job_id
    except ma.ValidationError as error:
        savepoint.rollback()
        return REJECTED, "validation_error", f"payload: {error.messages}", job_id
    except StaleDataError:
        savepoint.rollback()
        return CONFLICT, "concurrent_change", "The job changed on the server at the same moment.", job_id
    except IntegrityError:
        savepoint.rollback()
        return CONFLICT, "conflict", "It clashes with a record made on the server meanwhile.", job_id
    except DomainError as error:
        savepoint.rollback()
        result = CONFLICT if error.code in _CONFLICT_CODES else REJECTED
        if error.code == "job_reassigned":
            job_id = _job_id(op)
        return result, error.code, error.message, job_id


def _flag(user, pushed):
    """Tell dispatch of an op the server could not apply: the technician did something they must see."""
    job = db.session.get(Job, pushed["job_id"]) if pushed["job_id"] else None
    if job is None:
        return
    recipients = directory.dispatchers_for(job.province_id) + directory.provider_managers(job.provider_id)
    notify(
        recipients,
        "sync_" + pushed["result"],
        f"{user.display_name or user.username}'s {pushed['type']} on job {job.number} was not applied: "
        f"{pushed['message']}",
        job=job,
        data={"op_id": pushed["op_id"], "code": pushed["code"]},
    )


def _take(user, client_id, ops):
    """Take ``ops`` (in seq order) in one transaction; their answers, whether a gap stopped them, and the
    device's last seq taken once they are."""
    serialise_on(f"sync-client:{client_id}")
    # The device's row, made by _client before the first chunk was taken.
    client = db.session.get_one(Client, client_id, with_for_update=True, populate_existing=True)
    stored = {
        row.op_id: row
        for row in db.session.scalars(select(PushedOp).where(among(PushedOp.op_id, [op.op_id for op in ops])))
    }
    # Which ops are answered from what is kept, which are refused for their seq, and which are applied: each
    # op applied takes the next seq, whatever its result, so this is known before any runs.
    answers: list[dict[str, Any] | None] = []
    taken = []
    last_seq = client.last_seq
    stopped = False
    for op in ops:
        known = stored.get(op.op_id)
        if known is not None and known.client_id == client_id:
            answers.append(_duplicate(known))
        elif known is not None or op.seq <= last_seq:
            answers.append(
                {
                    "op_id": op.op_id,
                    "seq": op.seq,
                    "result": REJECTED,
                    "code": "seq_taken",
                    "message": f"seq {op.seq} or op {op.op_id} was already used for another operation; "
                    "it was not applied.",
                }
            )
        elif op.seq > last_seq + 1:
            stopped = True
            break
        else:
            answers.append(None)  # answered once applied
            taken.append(op)
            last_seq = op.seq
    locked = _lock_jobs(user, taken)
    kept = []
    for op, (result, code, message, job_id) in zip(taken, _apply_all(user, taken, locked), strict=True):
        pushed = {
            "op_id": op.op_id,
            "client_id": client_id,
            "user_id": user.id,
            "seq": op.seq,
            "type": op.type,
            "entity_id": op.entity_id,
            "job_id": job_id,
            "payload": op.payload,
            "client_time": op.client_time,
            "received_at": utcnow(),
            "result": result,
            "code": code,
            "message": message,
        }
        kept.append(pushed)
        if result != APPLIED:
            _flag(user, pushed)
    # Answered from what is in hand, in the ops' order: after the commit the rows would be read again.
    applied = iter(kept)
    answers = [answer if answer is not None else _answer(next(applied)) for answer in answers]
    # The records of the ops and the device's position join the transaction once, at its end, in one
    # statement: they are records, never changed, so no object of each is made for the session to track.
    if kept:
        insert_rows(PushedOp.__table__, kept)
        client.last_seq = kept[-1]["seq"]
        client.last_push_at = kept[-1]["received_at"]
    return answers, stopped, client.last_seq


def _apply_all(user, ops, locked):
    """``_apply``'s outcome for each of ``ops``, in order.

    Nearly every op of a push applies. So the chunk's ops first run together in one savepoint, flushed once at
    its end; if every one applies, their outcomes are those. If any is refused, or the flush fails, that
    savepoint is rolled back and they run again one by one, each in a savepoint of its own, as the rules
    always had them: the outcomes are the same either way, only the usual case is cheaper.
    """
    if len(ops) > 1 and not any(op.problem for op in ops):
        savepoint = db.session.begin_nested()
        try:
            outcomes = []
            with events.written_together():
                for op in ops:
                    job = _job(user, op, locked)
                    loader, handler = _handler(op.type)
                    handler(job, user, loader.load(op.payload), op.client_time)
                    outcomes.append((APPLIED, "", "", job.id))
            db.session.flush()
            savepoint.commit()
            return outcomes
        except (ma.ValidationError, StaleDataError, IntegrityError, DomainError):
            savepoint.rollback()
    return [_apply(user, op, locked) for op in ops]


def _handler(op_type):
    """The payload schema and the handler of ``op_type``."""
    schema, handler = HANDLERS[op_type]
    return _loader(schema), handler


@cache
def _loader(schema):
    # One instance of each payload schema per process: making one costs more than loading a payload.
    return schema()


def _answer(pushed):
    """The answer to an op just taken (its row's values)."""
    return {key: pushed[key] for key in ("op_id", "seq", "result", "code", "message")}


def _duplicate(known):
    """The answer to an op sent again: what it was answered the first time."""
    answer = {"op_id": known.op_id, "seq": known.seq, "result": DUPLICATE, "code": known.code}
    answer["message"] = known.message
    answer["stored_result"] = known.result
    return answer


def push(user: User, body: object) -> PushAnswer:
    """Take a device's push; ``{"results": [...], "acked_seq"}``.

    Ops are committed ``SYNC_OPS_PER_COMMIT`` at a time: a commit waits for the
    disk, and per op it was most of a long push's time. Each op still applies in
    a savepoint of its own, so a refused op leaves nothing behind while the ops
    around it stand; a failure of the database loses only the uncommitted
    chunk, which the device sends again (it learns ``acked_seq`` only from an answer).
    The feeds take each job a chunk changed once, as the chunk left it, at its
    commit (see ``feed``): a savepoint released writes nothing there.
    """
    try:
        client_id, schema_version, ops = read_push(body, current_app.config["SYNC_MAX_OPS"], HANDLERS)
    except BadPush as error:
        raise invalid(error.field, error.message) from None
    if _client(user, client_id, schema_version):
        # The device is known before its ops are taken, whatever becomes of them. A device already known
        # commits nothing here: a commit would only make the next statement read the user and the device again.
        db.session.commit()
    per_commit = max(1, current_app.config["SYNC_OPS_PER_COMMIT"])
    results = []
    acked = None
    try:
        for start in range(0, len(ops), per_commit):
            answers, stopped, acked = _take(user, client_id, ops[start : start + per_commit])
            db.session.commit()
            results.extend(answers)
            if stopped:
                break
    except DBAPIError as error:
        db.session.rollback()
        raise Unavailable(
            "The server could not record your operations just now; nothing after the last acknowledged one "
            "was applied. Try again shortly.",
            details={"acked_seq": _acked(client_id)},
        ) from error
    # What the last chunk committed, as it held the device's row: another push of the device since may have
    # taken more, which its own answer acknowledges.
    return {"results": results, "acked_seq": _acked(client_id) if acked is None else acked}


def _acked(client_id: str) -> int:
    return db.session.scalar(select(Client.last_seq).where(Client.client_id == client_id)) or 0


def acked_seq(user: User, client_id: str | None) -> int:
    """The last op of ``client_id`` the server has taken (0 for an unknown device or another user's)."""
    if not client_id:
        return 0
    return (
        db.session.scalar(select(Client.last_seq).where(Client.client_id == client_id, Client.user_id == user.id)) or 0
    )


def pushed_ops(user: User, args: Mapping[str, Any]) -> Select[PushedOp]:
    """Ops pushed on the jobs ``user`` may see, newest first, each with its job and its user (one query)."""
    statement = (
        select(PushedOp)
        .options(joinedload(PushedOp.job), joinedload(PushedOp.user))
        .where(PushedOp.job_id.in_(queries.visible_jobs(user).with_only_columns(Job.id)))
        .order_by(PushedOp.received_at.desc(), PushedOp.op_id)
    )
    if args.get("result"):
        statement = statement.where(PushedOp.result.in_(args["result"]))
    if "job_id" in args:
        statement = statement.where(PushedOp.job_id == args["job_id"])
    return statement
