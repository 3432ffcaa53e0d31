"""Requisitions from approval to receipt: the clerk's decision, RDC sales orders, shipping and receiving.

Approval splits each line between what the RDC has free now (a sales order,
the stock reserved at once) and the rest (the headquarters plan, see
``server.supply.services.plan``). The provider pays for the whole requisition when it is
approved, from its deposit and then its credit, so parts that come later
through headquarters never wait on money.
"""

from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import selectinload

from server.core.clock import utcnow
from server.core.locks import serialise_on
from server.core.queries import StatementT
from server.core.queries import one_or_404
from server.core.queries import rows_changed
from server.core.reference import invalid
from server.core.roles import PARTS_CLERK
from server.core.roles import PROVIDER_MANAGER
from server.core.roles import TECHNICIAN
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.jobs.models import Job
from server.jobs.services import lifecycle
from server.jobs.services.events import record
from server.network import ledger
from server.network.models import Region
from server.notifications.services import notify
from server.parts.models import StockLevel
from server.parts.models import Warehouse
from server.parts.services import move_stock
from server.parts.services import stock_level
from server.parts.services import warehouse_by_code
from server.supply.models import OPEN_REQUISITION_STATUSES
from server.supply.models import PlanLine
from server.supply.models import Requisition
from server.supply.models import RequisitionLine
from server.supply.models import SalesOrder
from server.supply.models import SalesOrderLine
from server.supply.services.usage import provider_warehouse
from server.supply.services.usage import stock_key
from server.users.directory import provider_managers
from server.users.models import User

# ---------------------------------------------------------------- who sees what


def _scoped(user: User, statement: StatementT, model: type[Requisition] | type[SalesOrder]) -> StatementT:
    """``statement`` narrowed to the caller's slice of requisitions or orders."""
    if user.role == PARTS_CLERK:
        return statement.where(model.province_id == user.province_id)
    if user.role == PROVIDER_MANAGER:
        return statement.where(model.provider_id == user.provider_id)
    if user.role == TECHNICIAN:
        job_id = model.job_id if model is Requisition else Requisition.job_id
        mine = select(Job.id).where(Job.technician_id == user.id)
        if model is SalesOrder:
            statement = statement.join(Requisition, Requisition.id == SalesOrder.requisition_id)
        return statement.where(job_id.in_(mine))
    return statement


def list_requisitions(user: User, args: Mapping[str, Any]) -> Select[Requisition]:
    """The caller's requisitions, oldest first (the order a clerk works them in)."""
    statement = _scoped(user, select(Requisition), Requisition).options(
        selectinload(Requisition.lines),
        selectinload(Requisition.orders).selectinload(SalesOrder.lines),
        selectinload(Requisition.orders).selectinload(SalesOrder.usages),
        selectinload(Requisition.province),
        selectinload(Requisition.provider),
        selectinload(Requisition.raised_by),
        selectinload(Requisition.decided_by),
    )
    if args.get("status"):
        statement = statement.where(Requisition.status.in_(args["status"]))
    if "job_id" in args:
        statement = statement.where(Requisition.job_id == args["job_id"])
    if "province" in args:
        statement = statement.join(Region, Region.id == Requisition.province_id).where(Region.code == args["province"])
    return statement.order_by(Requisition.raised_at, Requisition.id)


def requisition_for(user: User, requisition_id: int, lock: bool = False) -> Requisition:
    """The requisition if the caller may see it, else 404; ``lock`` holds it for a decision."""
    if lock:
        serialise_on(f"requisition:{requisition_id}")
    statement = _scoped(user, select(Requisition), Requisition).where(Requisition.id == requisition_id)
    message = f"You have no requisition {requisition_id}."
    return one_or_404(statement, Requisition, message, "requisition_not_found", lock=lock)


def with_stock(requisition: Requisition) -> Requisition:
    """The requisition with each line's free RDC stock beside it, for the clerk deciding."""
    rdc = warehouse_by_code(f"RDC-{requisition.province.code}")
    free: dict[int, int] = {}
    if rdc is not None:
        rows = db.session.execute(
            select(StockLevel.part_id, StockLevel.on_hand - StockLevel.reserved).where(
                StockLevel.warehouse_id == rdc.id, StockLevel.part_id.in_([line.part_id for line in requisition.lines])
            )
        ).all()
        free = dict(rows)
    for line in requisition.lines:
        line.rdc_available = max(free.get(line.part_id, 0), 0)
    return requisition


# ---------------------------------------------------------------- the clerk's decision


def _pending(requisition, action):
    if requisition.status != "pending":
        raise Conflict(
            f"Requisition {requisition.number} is {requisition.status} already; it cannot be {action} again.",
            code="already_decided",
            details={"status": requisition.status},
        )


def approve(user: User, requisition_id: int, note: str = "", now: datetime | None = None) -> Requisition:
    """Approve: the RDC's free stock becomes a sales order (reserved), the rest goes to the HQ plan.

    Refused with 409 ``insufficient_funds`` (saying by how much) when the
    provider's deposit and credit do not cover the requisition; nothing changes then. ``now``: when the
    clerk approved it, if not at this moment (a history replayed).
    """
    requisition = requisition_for(user, requisition_id, lock=True)
    _pending(requisition, "approved")
    rdc = warehouse_by_code(f"RDC-{requisition.province.code}", create=True)
    lines = sorted(requisition.lines, key=lambda line: line.part_id)
    # Stock before money, each in one sorted call: two approvals competing for
    # the last units queue up here, and the second sees what the first took.
    serialise_on(*(stock_key(rdc.id, line.part_id) for line in lines), f"provider-account:{requisition.provider_id}")
    provider = ledger.locked_provider(requisition.provider_id)
    amount = requisition.lines_amount_cents
    ledger.debit(provider, amount, f"requisition {requisition.number}", user=user, requisition=requisition)
    from_rdc: list[tuple[RequisitionLine, int]] = []
    for line in lines:
        level, _ = stock_level(rdc, line.part, lock=True)
        line.rdc_qty = min(line.qty, max(level.on_hand - level.reserved, 0))
        line.hq_qty = line.qty - line.rdc_qty
        if line.rdc_qty:
            from_rdc.append((line, line.rdc_qty))
        if line.hq_qty:
            db.session.add(
                PlanLine(
                    requisition_line_id=line.id,
                    part_id=line.part_id,
                    warehouse_id=rdc.id,
                    qty=line.hq_qty,
                    raised_at=requisition.raised_at,
                )
            )
    requisition.status = "approved"
    requisition.approved_at = now or utcnow()
    requisition.decided_by_id = user.id
    requisition.amount_cents = amount
    requisition.path = "hq" if any(line.hq_qty for line in lines) else "rdc"
    requisition.decision_note = note
    order = create_sales_order(requisition, rdc, from_rdc, "rdc", user) if from_rdc else None
    waiting = sum(line.hq_qty for line in lines)
    told = f"Requisition {requisition.number} was approved"
    if order is not None:
        told += f"; sales order {order.number} ships from {rdc.code}"
    if waiting:
        told += f"; {waiting} part(s) come through headquarters"
    _tell_provider(requisition, "requisition_approved", told + ".")
    db.session.flush()
    return requisition


def reject(user: User, requisition_id: int, reason: str) -> Requisition:
    """Refuse a requisition with a reason; a job waiting for nothing else goes back to its technician."""
    requisition = requisition_for(user, requisition_id, lock=True)
    reason = reason.strip()
    if not reason:
        raise invalid("reason", "say why the requisition is rejected")
    _pending(requisition, "rejected")
    requisition.status = "rejected"
    requisition.rejected_at = utcnow()
    requisition.decided_by_id = user.id
    requisition.decision_note = reason
    db.session.flush()
    job = _locked_job(requisition.job_id)
    if job.state == "waiting_parts" and not _open_requisitions(job):
        lifecycle.parts_refused(job, f"requisition {requisition.number}: {reason}")
    else:
        _tell_provider(requisition, "requisition_rejected", f"Requisition {requisition.number} was rejected: {reason}")
    return requisition


def _locked_job(job_id):
    return db.session.scalar(select(Job).where(Job.id == job_id).with_for_update(of=Job))


def _open_requisitions(job):
    return db.session.scalar(
        select(Requisition.id)
        .where(Requisition.job_id == job.id, Requisition.status.in_(OPEN_REQUISITION_STATUSES))
        .limit(1)
    )


def _tell_provider(requisition, kind, message):
    job = requisition.job
    notify(
        [job.technician, *provider_managers(requisition.provider_id)],
        kind,
        message,
        job=job,
        data={"requisition_id": requisition.id},
    )


# ---------------------------------------------------------------- sales orders


def create_sales_order(
    requisition: Requisition,
    rdc: Warehouse,
    portions: Sequence[tuple[RequisitionLine, int]],
    source: str,
    user: User | None = None,
) -> SalesOrder:
    """A sales order from ``rdc`` for ``[(requisition line, qty)]``, its stock reserved at once."""
    order = SalesOrder(
        requisition_id=requisition.id,
        provider_id=requisition.provider_id,
        province_id=requisition.province_id,
        warehouse_id=rdc.id,
        source=source,
        status="created",
        amount_cents=sum(line.price_cents * qty for line, qty in portions),
        created_by_id=user.id if user is not None else None,
    )
    db.session.add(order)
    db.session.flush()
    for line, qty in portions:
        db.session.add(
            SalesOrderLine(
                order_id=order.id,
                requisition_line_id=line.id,
                part_id=line.part_id,
                qty=qty,
                price_cents=line.price_cents,
            )
        )
        level, _ = stock_level(rdc, line.part, lock=True)
        move_stock(level, "reserve", reserved_delta=qty, reference=f"order {order.number}", user=user)
    db.session.flush()
    return order


def list_sales_orders(user: User, args: Mapping[str, Any]) -> Select[SalesOrder]:
    statement = _scoped(user, select(SalesOrder), SalesOrder).options(
        selectinload(SalesOrder.lines),
        selectinload(SalesOrder.provider),
        selectinload(SalesOrder.warehouse).selectinload(Warehouse.region),
        selectinload(SalesOrder.requisition).selectinload(Requisition.job),
    )
    if args.get("status"):
        statement = statement.where(SalesOrder.status.in_(args["status"]))
    if "requisition_id" in args:
        statement = statement.where(SalesOrder.requisition_id == args["requisition_id"])
    if args.get("newest_first"):
        return statement.order_by(SalesOrder.created_at.desc(), SalesOrder.id.desc())
    return statement.order_by(SalesOrder.created_at, SalesOrder.id)


def sales_order_for(user: User, order_id: int) -> SalesOrder:
    order: SalesOrder | None = db.session.scalar(
        _scoped(user, select(SalesOrder), SalesOrder).where(SalesOrder.id == order_id)
    )
    if order is None:
        raise NotFound(f"You have no sales order {order_id}.", code="sales_order_not_found")
    return order


def _advance(order, to_status, from_status, **stamps):
    """Move ``order`` on by a conditional update: of two identical requests only one ever counts."""
    moved = rows_changed(
        update(SalesOrder)
        .where(SalesOrder.id == order.id, SalesOrder.status == from_status)
        .values(status=to_status, **stamps)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if moved:
        return
    if order.status == to_status:
        raise Conflict(f"Sales order {order.number} is {to_status} already.", code=f"already_{to_status}")
    raise Conflict(
        f"Sales order {order.number} is {order.status}; only a {from_status} order can be {to_status}.",
        code="illegal_transition",
        details={"status": order.status, "action": to_status, "allowed_from": [from_status]},
    )


def ship(user: User, order_id: int, now: datetime | None = None) -> SalesOrder:
    """The RDC sends the parts: they leave its stock and its reservation (``now``: when, if not now)."""
    order = sales_order_for(user, order_id)
    now = now or utcnow()
    _advance(order, "shipped", "created", shipped_at=now, shipped_by_id=user.id)
    serialise_on(*(stock_key(order.warehouse_id, line.part_id) for line in order.lines))
    for line in order.lines:
        level, _ = stock_level(order.warehouse, line.part, lock=True)
        move_stock(level, "transfer_out", -line.qty, -line.qty, reference=f"order {order.number}", user=user)
    requisition = order.requisition
    requisition.shipped_at = now
    _tell_provider(
        requisition, "parts_shipped", f"Sales order {order.number} for job {requisition.job.number} has shipped."
    )
    db.session.flush()
    return order


def receive(user: User, order_id: int, device_time: datetime | None = None, now: datetime | None = None) -> SalesOrder:
    """The provider receives the parts: into its stock; the shortage closes and a job with nothing else
    missing goes back to its technician. The receipt is on the job's record, with the phone's clock when
    the technician confirmed it there (``device_time``; ``now``: when, if not now).

    409 ``not_shipped`` for parts that never left the RDC, ``already_received`` for a second receipt."""
    order = sales_order_for(user, order_id)
    now = now or utcnow()
    if order.status == "created":
        raise Conflict(
            f"Sales order {order.number} has not shipped: its parts are still at the RDC and cannot be received.",
            code="not_shipped",
            details={"status": order.status, "action": "received", "allowed_from": ["shipped"]},
        )
    _advance(order, "received", "shipped", received_at=now, received_by_id=user.id)
    warehouse = provider_warehouse(order.provider)
    serialise_on(*(stock_key(warehouse.id, line.part_id) for line in order.lines))
    received: defaultdict[int, int] = defaultdict(int)
    for line in order.lines:
        level, _ = stock_level(warehouse, line.part, lock=True)
        move_stock(level, "transfer_in", line.qty, reference=f"order {order.number}", user=user)
        received[line.requisition_line_id] += line.qty
    requisition = db.session.scalars(
        select(Requisition).where(Requisition.id == order.requisition_id).with_for_update()
    ).one()
    for line in requisition.lines:
        line.received_qty += received.get(line.id, 0)
    if all(line.received_qty >= line.qty for line in requisition.lines):
        requisition.status = "received"
        requisition.received_at = now
    db.session.flush()
    job = _locked_job(requisition.job_id)
    parts = [{"part_no": line.part.part_no, "qty": line.qty} for line in order.lines]
    data = {"sales_order": order.number, "requisition": requisition.number, "parts": parts}
    record(job, "parts_received", user, from_state=job.state, device_time=device_time, data=data, at=now)
    if job.state == "waiting_parts" and not _open_requisitions(job):
        lifecycle.parts_arrived(job, note=f"order {order.number}", now=now)
    else:
        notify(
            [job.technician],
            "parts_received",
            f"Sales order {order.number} for job {job.number} has arrived at your company.",
            job=job,
            data={"requisition_id": requisition.id},
        )
    db.session.flush()
    return order


def receive_on_job(job: Job, user: User, order_id: int, device_time: datetime | None = None) -> SalesOrder | None:
    """The receipt confirmed from the job's page on the phone: ``order_id`` must be an order of ``job``.

    An order the provider's desk received first is no refusal: the parts are in, which is what the
    technician confirms; nothing changes and None is returned.
    """
    of_job = select(Requisition.id).where(Requisition.job_id == job.id)
    order = db.session.scalar(
        _scoped(user, select(SalesOrder), SalesOrder).where(
            SalesOrder.id == order_id, SalesOrder.requisition_id.in_(of_job)
        )
    )
    if order is None:
        raise NotFound(f"Job {job.number} has no sales order {order_id}.", code="sales_order_not_found")
    if order.status == "received":
        return None
    return receive(user, order_id, device_time=device_time)
