"""Parts on a job: what the technician fitted (issued from the provider's stock) and what was missing.

A shortage raises its requisition by itself, in the same transaction that
puts the job on hold: nobody types a requisition, and none is ever lost
between the technician's report and the clerk's queue.
"""

from collections import Counter
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from typing import TypedDict

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from server.core import held
from server.core.clock import utcnow
from server.core.locks import serialise_on
from server.core.reference import invalid
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.jobs.models import Job
from server.jobs.services import lifecycle
from server.network import ledger
from server.network.models import Provider
from server.notifications.services import notify
from server.parts.models import Part
from server.parts.models import StockLevel
from server.parts.models import Warehouse
from server.parts.services import move_stock
from server.parts.services import stock_level
from server.parts.services import stock_query
from server.parts.services import warehouse_by_code
from server.supply.models import PartUsage
from server.supply.models import Requisition
from server.supply.models import RequisitionLine
from server.supply.models import SalesOrder
from server.supply.services import returns
from server.users.directory import parts_clerks
from server.users.directory import provider_managers
from server.users.models import User

# The most of one part a line may name (the schema's bound), also when a part is named twice.
MAX_QTY = 10_000


class JobParts(TypedDict):
    job_id: int
    used: Sequence[PartUsage]
    requisitions: Sequence[Requisition]


def stock_key(warehouse_id: int, part_id: int) -> str:
    """The lock every change of one part's stock in one warehouse takes (see ``serialise_on``)."""
    return f"stock:{warehouse_id}:{part_id}"


def parts_of(lines: Iterable[Mapping[str, Any]], field: str = "parts") -> list[tuple[Part, int]]:
    """``[(Part, qty)]`` for ``[{"part_no", "qty"}]``, a part named twice counted once with both quantities.

    InvalidInput naming every unknown part number.
    """
    wanted: Counter[str] = Counter()
    for line in lines:
        wanted[line["part_no"]] += line["qty"]
    # Read once per transaction: a push names the same few parts op after op.
    found = {part_no: part for part_no in wanted if (part := held.recall(f"part:{part_no}")) is not None}
    missing = [part_no for part_no in wanted if part_no not in found]
    if missing:
        # What a transaction has pending never changes a part: no flush for it (a push's ops write together).
        with db.session.no_autoflush:
            read = db.session.scalars(select(Part).where(Part.part_no.in_(missing))).all()
        for part in read:
            found[part.part_no] = part
            held.keep(f"part:{part.part_no}", part)
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise invalid(field, f"unknown part number(s): {', '.join(unknown)}")
    too_many = sorted(part_no for part_no, qty in wanted.items() if qty > MAX_QTY)
    if too_many:
        raise invalid(field, f"at most {MAX_QTY} of one part: {', '.join(too_many)}")
    return sorted(((found[part_no], qty) for part_no, qty in wanted.items()), key=lambda item: item[0].id)


def provider_warehouse(provider: Provider) -> Warehouse:
    return warehouse_by_code(f"PROV-{provider.code}", create=True)


def record_usage(
    job: Job,
    actor: User,
    lines: Iterable[Mapping[str, Any]],
    device_time: datetime | None = None,
    sales_order_id: int | None = None,
) -> list[PartUsage]:
    """``fit_parts``, the rows written now (with their ids and times), for an answer that shows them."""
    usages = fit_parts(job, actor, lines, device_time=device_time, sales_order_id=sales_order_id)
    db.session.flush()
    return usages


def fit_parts(
    job: Job,
    actor: User,
    lines: Iterable[Mapping[str, Any]],
    device_time: datetime | None = None,
    sales_order_id: int | None = None,
) -> list[PartUsage]:
    """Issue the parts fitted on ``job`` from its provider's stock; return the usage rows, written at the
    session's next flush (a push's ops write theirs together).

    Never refused for want of stock: the phone may have been offline since
    the provider's last receipt. What the stock lacked is kept as each row's
    ``shortfall`` and the provider's managers are told to check their count.

    ``sales_order_id``: the parts came on that order of this job's
    requisitions, received already; no more of a part is fitted from it than
    arrived on it (409 ``parts_not_received``, ``more_than_arrived``).
    """
    lifecycle.check_step(job, actor, "use_parts")
    lines = list(lines)
    parts = parts_of(lines)
    order = _fitted_from(job, sales_order_id, parts) if sales_order_id is not None else None
    warehouse = provider_warehouse(job.provider)
    serialise_on(*(stock_key(warehouse.id, part.id) for part, _ in parts))
    usages = []
    for part, qty in parts:
        level, _ = stock_level(warehouse, part, lock=True)
        shortfall = max(qty - max(level.on_hand, 0), 0)
        move_stock(level, "issue", on_hand_delta=-qty, reference=f"job {job.number}", user=actor)
        usage = PartUsage(
            job_id=job.id,
            part=part,
            warehouse_id=warehouse.id,
            qty=qty,
            shortfall=shortfall,
            sales_order_id=order.id if order is not None else None,
            recorded_by_id=actor.id,
            device_time=device_time,
        )
        db.session.add(usage)
        usages.append(usage)
    serials: dict[str, list[str]] = {}
    for line in lines:
        if line.get("old_serial"):
            serials.setdefault(line["part_no"], []).append(line["old_serial"])
    returns.owe_returns(job, [(usage.part, usage.qty, usage) for usage in usages], serials)
    described: list[dict[str, Any]] = [
        {"part_no": u.part.part_no, "qty": u.qty, "shortfall": u.shortfall} for u in usages
    ]
    for item in described:
        if item["part_no"] in serials:
            item["old_serials"] = serials[item["part_no"]]
    lifecycle.record_parts_used(
        job, actor, described, device_time=device_time, sales_order=order.number if order is not None else None
    )
    short = [item for item in described if item["shortfall"]]
    if short:
        listed = ", ".join(f"{item['part_no']} ({item['shortfall']} more than in stock)" for item in short)
        notify(
            provider_managers(job.provider_id),
            "stock_discrepancy",
            f"Job {job.number} used parts your stock did not show: {listed}. Check the count.",
            job=job,
            data={"parts": short, "warehouse": warehouse.code},
        )
    return usages


def _fitted_from(job: Job, order_id: int, parts: list[tuple[Part, int]]) -> SalesOrder:
    """The received order of ``job`` the fitted ``parts`` came on, checked against what arrived on it."""
    # One fitting from an order at a time: two at once must not both see the same parts left.
    serialise_on(f"sales-order-fitted:{order_id}")
    order: SalesOrder | None = db.session.scalar(
        select(SalesOrder)
        .join(Requisition, Requisition.id == SalesOrder.requisition_id)
        .where(SalesOrder.id == order_id, Requisition.job_id == job.id)
    )
    if order is None:
        raise NotFound(f"Job {job.number} has no sales order {order_id}.", code="sales_order_not_found")
    if order.status != "received":
        raise Conflict(
            f"The parts of sales order {order.number} have not been received yet: confirm their receipt first.",
            code="parts_not_received",
            details={"status": order.status},
        )
    arrived: Counter[int] = Counter()
    for line in order.lines:
        arrived[line.part_id] += line.qty
    fitted = Counter(
        dict(
            db.session.execute(
                select(PartUsage.part_id, func.sum(PartUsage.qty))
                .where(PartUsage.sales_order_id == order.id)
                .group_by(PartUsage.part_id)
            ).all()
        )
    )
    for part, qty in parts:
        left = arrived[part.id] - fitted[part.id]
        if qty > left:
            raise Conflict(
                f"Sales order {order.number} brought {arrived[part.id]} × {part.part_no}, {fitted[part.id]} fitted "
                f"already: {qty} more cannot have come on it.",
                code="more_than_arrived",
                details={"part_no": part.part_no, "arrived": arrived[part.id], "fitted": fitted[part.id], "qty": qty},
            )
    return order


def report_shortage(
    job: Job,
    actor: User,
    lines: Iterable[Mapping[str, Any]],
    note: str = "",
    device_time: datetime | None = None,
    now: datetime | None = None,
) -> Requisition:
    """Parts are missing: the job waits for them and a requisition goes to its province's parts clerk.

    ``now``: when the shortage was reported, if not at this moment (a history replayed).
    """
    lifecycle.check_step(job, actor, "report_shortage")
    parts = parts_of(lines)
    if job.province_id is None:
        raise Conflict(f"Job {job.number} lies in no province, so no RDC can supply it.", code="no_province")
    requisition = Requisition(
        job_id=job.id,
        provider_id=job.provider_id,
        province_id=job.province_id,
        status="pending",
        raised_by_id=actor.id,
        raised_at=now or utcnow(),
        device_time=device_time,
        note=note,
        lines=[RequisitionLine(part=part, qty=qty, price_cents=part.price_cents) for part, qty in parts],
    )
    # Known from the moment it is raised: a pending requisition's amount is what its lines add up to.
    requisition.amount_cents = requisition.lines_amount_cents
    db.session.add(requisition)
    db.session.flush()
    described = [{"part_no": part.part_no, "qty": qty} for part, qty in parts]
    lifecycle.record_shortage(job, actor, requisition.number, described, note=note, device_time=device_time, now=now)
    listed = ", ".join(f"{item['part_no']} × {item['qty']}" for item in described)
    notify(
        parts_clerks(job.province_id),
        "requisition_raised",
        f"Requisition {requisition.number} for job {job.number} waits for your approval: {listed}.",
        job=job,
        data={"requisition_id": requisition.id},
    )
    return requisition


def job_parts(job: Job) -> JobParts:
    """Everything about parts on one job: the usages and the requisitions with their orders."""
    usages = db.session.scalars(
        select(PartUsage)
        .where(PartUsage.job_id == job.id)
        .options(selectinload(PartUsage.recorded_by))
        .order_by(PartUsage.id)
    ).all()
    requisitions = db.session.scalars(
        select(Requisition)
        .where(Requisition.job_id == job.id)
        .options(selectinload(Requisition.lines), selectinload(Requisition.raised_by))
        .order_by(Requisition.id)
    ).all()
    return {"job_id": job.id, "used": usages, "requisitions": requisitions}


def discrepancies(provider: Provider) -> Select[PartUsage]:
    """Usages of ``provider``'s technicians recorded beyond what its stock showed, newest first."""
    return (
        select(PartUsage)
        .join(Warehouse, Warehouse.id == PartUsage.warehouse_id)
        .where(Warehouse.code == f"PROV-{provider.code}", PartUsage.shortfall > 0)
        .options(selectinload(PartUsage.recorded_by))
        .order_by(PartUsage.id.desc())
    )


def provider_stock(user: User, provider_id: int) -> Select[StockLevel]:
    """The provider's own stock room (``PROV-<code>``), if the caller may see it."""
    provider = ledger.provider_for(user, provider_id)
    return stock_query({"warehouse": f"PROV-{provider.code}"})
