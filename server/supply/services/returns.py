"""Old parts coming back (旧件返还): owed at the repair, packed into shipments, received and inspected at the RDC.

A returnable part fitted on a warranty job owes its old part to the RDC of the job's province within
``PART_RETURN_DAYS``: one return per part fitted, carrying the old serial the technician recorded. The provider
packs owed returns into a shipment with its packing list; the province's parts clerk receives it and inspects
each part, scanning its serial. What a return means for the claim that names it is the claims' business
(``server.claims.returns``); here are the returns themselves.
"""

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.core.clock import utcnow
from server.core.reference import invalid
from server.core.roles import ADMIN
from server.core.roles import AUDITOR
from server.core.roles import PARTS_CLERK
from server.core.roles import PROVIDER_ROLES
from server.errors import Conflict
from server.errors import Forbidden
from server.errors import NotFound
from server.extensions import db
from server.jobs.models import Job
from server.network.deductions import deduct
from server.network.deductions import return_penalty_cents
from server.network.ledger import yuan
from server.network.models import Provider
from server.notifications.services import notify
from server.parts.models import Part
from server.supply.models import PartReturn
from server.supply.models import PartUsage
from server.supply.models import ReturnShipment
from server.users.directory import parts_clerks
from server.users.directory import provider_managers
from server.users.models import User

# Statuses a return is still on its way in (its deadline still matters).
ON_THE_WAY = ("owed", "shipped")
# The most returns one shipment packs.
MAX_SHIPMENT_LINES = 500


def return_days() -> timedelta:
    return timedelta(days=current_app.config["PART_RETURN_DAYS"])


def provider_province_id(provider: Provider) -> int | None:
    """The province of the provider's first region: where its returns go when no job names one."""
    for region in provider.regions:
        province_id: int = region.province().id
        return province_id
    return None


def owe_returns(
    job: Job,
    fitted: Sequence[tuple[Part, int, PartUsage]],
    serials: Mapping[str, list[str]],
    now: datetime | None = None,
) -> list[PartReturn]:
    """The returns a warranty job's fitted parts owe: one per returnable part fitted, old serials in the order given.

    ``fitted``: ``(part, qty, usage)``; ``serials``: the old serials recorded per part number. Other jobs owe
    nothing (a paid repair's old part is the customer's).
    """
    if job.job_type != "warranty":
        return []
    province_id = job.province_id or provider_province_id(job.provider)
    if province_id is None:
        return []
    fitted_at = now or utcnow()
    returns = []
    for part, qty, usage in fitted:
        if not part.return_required:
            continue
        recorded = list(serials.get(part.part_no, ()))
        for index in range(qty):
            part_return = PartReturn(
                job_id=job.id,
                usage=usage,
                part_id=part.id,
                provider_id=job.provider_id,
                province_id=province_id,
                old_serial=recorded[index] if index < len(recorded) else None,
                price_cents=part.price_cents,
                status="owed",
                fitted_at=fitted_at,
                due_at=fitted_at + return_days(),
                created_at=fitted_at,
            )
            db.session.add(part_return)
            returns.append(part_return)
    return returns


# ---------------------------------------------------------------- reading


# A return or a shipment: both are the provider's that sends them and the province's whose RDC receives them.
Returned = PartReturn | ReturnShipment


def scope_condition(user: User, model: type[Returned] = PartReturn) -> ColumnElement[bool] | None:
    """The rows of ``model`` the caller may see: provider staff their provider's, a clerk those owed to their RDC,
    auditors and admins all (None), anyone else none."""
    condition: ColumnElement[bool]
    if user.role in PROVIDER_ROLES:
        condition = model.provider_id == user.provider_id
    elif user.role == PARTS_CLERK:
        condition = model.province_id == user.province_id
    elif user.role in (ADMIN, AUDITOR):
        return None
    else:
        condition = model.id.is_(None)
    return condition


def status_condition(status: str, now: datetime) -> ColumnElement[bool]:
    if status == "overdue":
        return and_(PartReturn.status.in_(ON_THE_WAY), PartReturn.due_at < now)
    return PartReturn.status == status


def _visible(user: User, statement: Select[Any], model: type[Returned]) -> Select[Any]:
    scope = scope_condition(user, model)
    return statement if scope is None else statement.where(scope)


def _one(user: User, model: type[Returned], row_id: int, lock: bool, missing: str, code: str) -> Any:
    """The row of ``model`` the caller may see (locked for this transaction with ``lock``), else 404."""
    statement = _visible(user, select(model).where(model.id == row_id), model)
    if lock:
        statement = statement.with_for_update(of=model)
    found = db.session.scalar(statement.execution_options(populate_existing=lock))
    if found is None:
        raise NotFound(f"There is no {missing} {row_id}.", code=code)
    return found


def list_returns(user: User, args: Mapping[str, Any], now: datetime | None = None) -> Select[PartReturn]:
    """The returns the caller may see, the soonest due first; ``status`` (or ``overdue``), ``provider_code``,
    ``job_id``, ``claim_id`` and ``shipment_id`` narrow them."""
    statement = _visible(
        user,
        select(PartReturn)
        .options(selectinload(PartReturn.job), selectinload(PartReturn.provider), selectinload(PartReturn.province))
        .order_by(PartReturn.due_at, PartReturn.id),
        PartReturn,
    )
    if "status" in args:
        statement = statement.where(status_condition(args["status"], now or utcnow()))
    if "provider_code" in args:
        statement = statement.join(Provider, Provider.id == PartReturn.provider_id).where(
            Provider.code == args["provider_code"]
        )
    for key in ("job_id", "claim_id", "shipment_id"):
        if key in args:
            statement = statement.where(getattr(PartReturn, key) == args[key])
    return statement


def get_return(user: User, return_id: int, lock: bool = False) -> PartReturn:
    """One return the caller may see (locked for this transaction with ``lock``), else 404."""
    found: PartReturn = _one(user, PartReturn, return_id, lock, "part return", "return_not_found")
    return found


def list_shipments(user: User, args: Mapping[str, Any]) -> Select[ReturnShipment]:
    """The shipments the caller may see, the latest first; ``status`` narrows them."""
    statement = _visible(
        user,
        select(ReturnShipment)
        .options(selectinload(ReturnShipment.provider), selectinload(ReturnShipment.province))
        .order_by(ReturnShipment.id.desc()),
        ReturnShipment,
    )
    if "status" in args:
        statement = statement.where(ReturnShipment.status == args["status"])
    return statement


def get_shipment(user: User, shipment_id: int, lock: bool = False) -> ReturnShipment:
    """One shipment the caller may see (locked with ``lock``), else 404."""
    found: ReturnShipment = _one(user, ReturnShipment, shipment_id, lock, "return shipment", "shipment_not_found")
    return found


# ---------------------------------------------------------------- shipping and receiving


def ship(user: User, return_ids: Iterable[int], tracking: str = "", now: datetime | None = None) -> ReturnShipment:
    """Pack owed returns of the caller's provider into one shipment to their RDC.

    Every line must be the provider's, owed (not packed already), and owed to one RDC; else 4xx naming the
    line, and nothing is packed.
    """
    now = now or utcnow()
    ids = list(return_ids)
    if len(set(ids)) != len(ids):
        raise invalid("lines", "a return is listed twice")
    # Locked in id order: two shipments packing the same return wait for each other, and the second finds it packed.
    found = {
        row.id: row
        for row in db.session.scalars(
            select(PartReturn)
            .where(PartReturn.id.in_(ids))
            .order_by(PartReturn.id)
            .with_for_update(of=PartReturn)
            .execution_options(populate_existing=True)
        )
    }
    for index, return_id in enumerate(ids):
        row = found.get(return_id)
        if row is None or row.provider_id != user.provider_id:
            raise invalid(f"lines.{index}", f"your provider owes no part return {return_id}")
        if row.status != "owed":
            raise Conflict(
                f"Part return {row.number} is {row.status}, not owed: it cannot be packed again.",
                code="return_not_owed",
                details={"return_id": row.id, "status": row.status},
            )
    provinces = {found[return_id].province_id for return_id in ids}
    if len(provinces) > 1:
        raise invalid("lines", "one shipment goes to one RDC: these returns are owed to several")
    shipment = ReturnShipment(
        provider_id=user.provider_id,
        province_id=provinces.pop(),
        status="shipped",
        tracking=tracking.strip(),
        created_by_id=user.id,
        created_at=now,
    )
    db.session.add(shipment)
    db.session.flush()
    for return_id in ids:
        row = found[return_id]
        row.status = "shipped"
        row.shipment_id = shipment.id
        row.shipped_at = now
    db.session.flush()
    notify(
        parts_clerks(shipment.province_id),
        "return_shipped",
        f"Return shipment {shipment.number} is on its way to your RDC with {len(ids)} old part(s).",
        data={"shipment_id": shipment.id},
    )
    return shipment


def receive(user: User, shipment_id: int, now: datetime | None = None) -> tuple[ReturnShipment, list[PartReturn]]:
    """The RDC's clerk confirms the shipment arrived: its lines are received, ready for inspection.

    Answers the shipment and the lines that arrived after their deadline.
    """
    now = now or utcnow()
    shipment = get_shipment(user, shipment_id, lock=True)
    if user.role != PARTS_CLERK and user.role != ADMIN:
        raise Forbidden("Only the RDC's parts clerk receives return shipments.", code="forbidden")
    if shipment.status != "shipped":
        raise Conflict(f"Return shipment {shipment.number} was received already.", code="shipment_received")
    shipment.status = "received"
    shipment.received_at = now
    shipment.received_by_id = user.id
    late = []
    for row in db.session.scalars(
        select(PartReturn)
        .where(PartReturn.shipment_id == shipment.id)
        .order_by(PartReturn.id)
        .with_for_update(of=PartReturn)
    ):
        if row.status != "shipped":
            continue
        row.status = "received"
        row.received_at = now
        if now > row.due_at:
            _penalise_late(row, now)
            late.append(row)
    db.session.flush()
    return shipment, late


def packing_list(shipment: ReturnShipment) -> tuple[list[str], list[list[Any]]]:
    """The shipment's packing list: one row per old part, as the RDC checks it off."""
    header = ["return", "job", "part_no", "part_name", "old_serial", "fitted_at", "due_at", "status", "result"]
    rows = [
        [
            row.number,
            row.job.number if row.job is not None else "",
            row.part.part_no,
            row.part.name,
            row.old_serial or "",
            row.fitted_at,
            row.due_at,
            row.status,
            row.result or "",
        ]
        for row in shipment.lines
    ]
    return header, rows


# ---------------------------------------------------------------- inspection and deadlines


def inspect(
    user: User, return_id: int, result: str, note: str, scanned_serial: str | None, now: datetime | None = None
) -> PartReturn:
    """Record what the RDC found in one received return; only "accepted" releases the claim line it stands behind.

    An accepted part must carry the old serial the technician recorded (the clerk scans it): a different one
    is a wrong part. A part that is not there is "missing" and needs no serial. Inspected once.
    """
    now = now or utcnow()
    if user.role not in (PARTS_CLERK, ADMIN):
        raise Forbidden("Only the RDC's parts clerk inspects returned parts.", code="forbidden")
    row = get_return(user, return_id, lock=True)
    if row.result is not None:
        raise Conflict(
            f"Part return {row.number} was inspected already ({row.result}).",
            code="already_inspected",
            details={"result": row.result},
        )
    if row.status != "received":
        raise Conflict(
            f"Part return {row.number} is {row.status}: only a received part is inspected.",
            code="return_not_received",
            details={"status": row.status},
        )
    if result != "missing":
        if not scanned_serial:
            raise invalid("old_serial", "scan or type the serial on the old part")
        if result == "accepted" and row.old_serial is not None and scanned_serial != row.old_serial:
            raise Conflict(
                f"The old part's serial {scanned_serial} is not the {row.old_serial} the technician recorded: "
                "inspect it as a wrong part.",
                code="old_serial_mismatch",
                details={"recorded": row.old_serial, "scanned": scanned_serial},
            )
        row.returned_serial = scanned_serial
    if result != "accepted" and not note.strip():
        raise invalid("note", "say what is wrong with the returned part")
    row.result = result
    row.note = note.strip()
    row.inspected_at = now
    row.inspected_by_id = user.id
    row.status = "accepted" if result == "accepted" else "rejected"
    if row.status == "rejected":
        _penalise(
            row,
            f"The RDC of {row.province.name} rejected old part {row.part.part_no} of part return "
            f"{row.number} as {result.replace('_', ' ')}",
            now,
        )
    elif row.late:
        _penalise_late(row, now)
    db.session.flush()
    return row


def _penalise(row: PartReturn, why: str, now: datetime) -> None:
    amount = return_penalty_cents(row.price_cents)
    deduct(
        row.provider_id,
        "RETURN_PENALTY",
        amount,
        f"{why}: {yuan(amount)} yuan under RETURN_PENALTY.",
        when=now,
        reference=row.number,
        part_return_id=row.id,
    )


def _penalise_late(row: PartReturn, now: datetime) -> None:
    due = row.due_at.date().isoformat()
    _penalise(row, f"Old part {row.part.part_no} of part return {row.number} was due at the RDC by {due}", now)


def mark_overdue(now: datetime | None = None) -> list[PartReturn]:
    """Mark, once, each return still on its way past its deadline, and penalise it; answers those marked.

    The provider's managers hear of each; locked rows (an inspection or a shipment under way) wait for the
    next run.
    """
    now = now or utcnow()
    rows = db.session.scalars(
        select(PartReturn)
        .where(PartReturn.status.in_(ON_THE_WAY), PartReturn.due_at < now, PartReturn.overdue_at.is_(None))
        .order_by(PartReturn.id)
        .limit(5000)
        .with_for_update(of=PartReturn, skip_locked=True)
    ).all()
    by_provider: dict[int, list[PartReturn]] = {}
    for row in rows:
        row.overdue_at = now
        _penalise_late(row, now)
        by_provider.setdefault(row.provider_id, []).append(row)
    db.session.flush()
    for provider_id, late in by_provider.items():
        listed = ", ".join(row.number for row in late[:10]) + (" …" if len(late) > 10 else "")
        notify(
            provider_managers(provider_id),
            "returns_overdue",
            f"{len(late)} old part(s) did not reach the RDC in time and are deducted from your statement: {listed}.",
            data={"return_ids": [row.id for row in late]},
        )
    return list(rows)


def remind_due(now: datetime | None = None) -> int:
    """Remind each provider, once per return, of the owed old parts due within ``PART_RETURN_REMIND_DAYS``."""
    now = now or utcnow()
    soon = now + timedelta(days=current_app.config["PART_RETURN_REMIND_DAYS"])
    rows = db.session.scalars(
        select(PartReturn)
        .where(
            PartReturn.status == "owed",
            PartReturn.due_at >= now,
            PartReturn.due_at < soon,
            PartReturn.reminded_at.is_(None),
        )
        .order_by(PartReturn.id)
        .limit(5000)
        .with_for_update(of=PartReturn, skip_locked=True)
    ).all()
    by_provider: dict[int, list[PartReturn]] = {}
    for row in rows:
        row.reminded_at = now
        by_provider.setdefault(row.provider_id, []).append(row)
    for provider_id, due in by_provider.items():
        first = min(row.due_at for row in due).date().isoformat()
        notify(
            provider_managers(provider_id),
            "returns_due",
            f"{len(due)} old part(s) are due at the RDC soon, the first by {first}: pack them into a shipment.",
            data={"return_ids": [row.id for row in due]},
        )
    db.session.flush()
    return len(rows)


def reused_serials(serials: Iterable[str], job_id: int | None, own: Iterable[int] = ()) -> dict[str, PartReturn]:
    """Of ``serials``, those a return of another job (or of no job, not among ``own``) already recorded or
    brought back: ``{serial: that return}``."""
    wanted = set(serials)
    if not wanted:
        return {}
    statement = select(PartReturn).where(or_(PartReturn.old_serial.in_(wanted), PartReturn.returned_serial.in_(wanted)))
    own_ids = list(own)
    if own_ids:
        statement = statement.where(PartReturn.id.not_in(own_ids))
    if job_id is not None:
        statement = statement.where(or_(PartReturn.job_id.is_(None), PartReturn.job_id != job_id))
    found: dict[str, PartReturn] = {}
    for row in db.session.scalars(statement.order_by(PartReturn.id)):
        for serial in (row.old_serial, row.returned_serial):
            if serial in wanted:
                found.setdefault(serial, row)
    return found
