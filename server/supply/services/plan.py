"""The headquarters parts plan (备件计划): what the RDCs could not cover, rolled up into purchase orders.

Receiving a purchase order at HQ sends the parts on to the RDCs that wait
for them, oldest requisition first, and raises their sales orders: nobody
re-enters anything between the factory and the provider.
"""

from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from typing import TypedDict

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from server.core.clock import utcnow
from server.core.locks import serialise_on
from server.core.queries import rows_changed
from server.core.reference import invalid
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.notifications.services import notify
from server.parts.models import Part
from server.parts.models import StockLevel
from server.parts.models import Warehouse
from server.parts.services import HQ
from server.parts.services import move_stock
from server.parts.services import stock_level
from server.parts.services import warehouse_by_code
from server.supply.models import PlanLine
from server.supply.models import PurchaseOrder
from server.supply.models import PurchaseOrderLine
from server.supply.models import Requisition
from server.supply.models import RequisitionLine
from server.supply.models import SalesOrder
from server.supply.services.requisitions import create_sales_order
from server.supply.services.usage import stock_key
from server.users.directory import parts_clerks
from server.users.models import User

# Taken by everything that reads and changes the plan as a whole, so a roll-up
# and a receipt never both hand out the same line.
PLAN_LOCK = "parts-plan"


class PlanRow(TypedDict):
    part_no: str
    name: str
    waiting: int
    on_order: int
    to_order: int
    lines: int
    oldest_raised_at: datetime | None


class PlanView(TypedDict):
    items: list[PlanRow]


class OrderNeeds(TypedDict):
    items: list[PlanLine]
    beyond: int


class RollUp(TypedDict):
    purchase_order: PurchaseOrder | None
    sales_orders: list[SalesOrder]


def _needs():
    """``{part_id: quantity}`` the open plan lines still wait for."""
    return dict(
        db.session.execute(
            select(PlanLine.part_id, func.sum(PlanLine.qty - PlanLine.allocated))
            .where(PlanLine.open.is_(True))
            .group_by(PlanLine.part_id)
        ).all()
    )


def _on_order():
    """``{part_id: quantity}`` on purchase orders not yet received."""
    return dict(
        db.session.execute(
            select(PurchaseOrderLine.part_id, func.sum(PurchaseOrderLine.qty))
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(PurchaseOrder.status == "ordered")
            .group_by(PurchaseOrderLine.part_id)
        ).all()
    )


def plan_summary() -> list[PlanRow]:
    """The plan by part: waiting, on order, still to order, and the oldest need."""
    needs, on_order = _needs(), _on_order()
    part_ids = set(needs) | set(on_order)
    if not part_ids:
        return []
    oldest = dict(
        db.session.execute(
            select(PlanLine.part_id, func.min(PlanLine.raised_at))
            .where(PlanLine.open.is_(True))
            .group_by(PlanLine.part_id)
        ).all()
    )
    lines = dict(
        db.session.execute(
            select(PlanLine.part_id, func.count()).where(PlanLine.open.is_(True)).group_by(PlanLine.part_id)
        ).all()
    )
    parts = db.session.scalars(select(Part).where(Part.id.in_(part_ids)).order_by(Part.part_no)).all()
    return [
        {
            "part_no": part.part_no,
            "name": part.name,
            "waiting": int(needs.get(part.id, 0)),
            "on_order": int(on_order.get(part.id, 0)),
            "to_order": max(int(needs.get(part.id, 0)) - int(on_order.get(part.id, 0)), 0),
            "lines": lines.get(part.id, 0),
            "oldest_raised_at": oldest.get(part.id),
        }
        for part in parts
    ]


def _open_lines(part_ids: Iterable[int] | None = None) -> Sequence[PlanLine]:
    statement = (
        select(PlanLine)
        .where(PlanLine.open.is_(True))
        .options(selectinload(PlanLine.warehouse))
        .order_by(PlanLine.raised_at, PlanLine.id)
    )
    if part_ids is not None:
        statement = statement.where(PlanLine.part_id.in_(part_ids))
    return db.session.scalars(statement).all()


def allocate(part_ids: Iterable[int] | None = None, user: User | None = None) -> list[SalesOrder]:
    """Send HQ's free stock to the RDCs waiting for it, oldest requisition first; return the sales orders raised.

    Each allocation moves the parts HQ → RDC and raises a sales order for the
    requisition (already paid for at approval), which the RDC's clerk ships.
    """
    hq = warehouse_by_code(HQ, create=True)
    lines = _open_lines(part_ids)
    if not lines:
        return []
    keys = {stock_key(hq.id, line.part_id) for line in lines} | {
        stock_key(line.warehouse_id, line.part_id) for line in lines
    }
    serialise_on(*keys)
    free: dict[int, list[Any]] = {}  # part id → [HQ's stock level, what is free of it]
    # requisition line id → [(plan line, qty)]
    portions: defaultdict[int, list[tuple[PlanLine, int]]] = defaultdict(list)
    for line in lines:
        if line.part_id not in free:
            level, _ = stock_level(hq, line.part, lock=True)
            free[line.part_id] = [level, max(level.on_hand - level.reserved, 0)]
        hq_level, available = free[line.part_id]
        give = min(line.qty - line.allocated, available)
        if give <= 0:
            continue
        free[line.part_id][1] -= give
        rdc_level, _ = stock_level(line.warehouse, line.part, lock=True)
        reference = f"plan line {line.id}"
        move_stock(hq_level, "transfer_out", -give, reference=reference, user=user)
        move_stock(rdc_level, "transfer_in", give, reference=reference, user=user)
        line.allocated += give
        line.open = line.allocated < line.qty
        portions[line.requisition_line_id].append((line, give))
    if not portions:
        return []
    requisition_lines = {
        rl.id: rl for rl in db.session.scalars(select(RequisitionLine).where(RequisitionLine.id.in_(portions)))
    }
    by_requisition: defaultdict[int, list[tuple[RequisitionLine, int, Warehouse]]] = defaultdict(list)
    for rl_id, plan_shares in portions.items():
        rl = requisition_lines[rl_id]
        for plan_line, qty in plan_shares:
            by_requisition[rl.requisition_id].append((rl, qty, plan_line.warehouse))
    requisitions = {r.id: r for r in db.session.scalars(select(Requisition).where(Requisition.id.in_(by_requisition)))}
    orders: list[SalesOrder] = []
    clerks: dict[int, list[User]] = {}
    for requisition_id in sorted(by_requisition, key=lambda rid: (requisitions[rid].raised_at, rid)):
        requisition = requisitions[requisition_id]
        given = by_requisition[requisition_id]
        order = create_sales_order(requisition, given[0][2], [(rl, qty) for rl, qty, _ in given], "hq", user)
        orders.append(order)
        if requisition.province_id not in clerks:
            clerks[requisition.province_id] = parts_clerks(requisition.province_id)
        notify(
            clerks[requisition.province_id],
            "sales_order_ready",
            f"Parts for requisition {requisition.number} arrived from headquarters: ship sales order {order.number}.",
            data={"requisition_id": requisition.id, "sales_order_id": order.id},
        )
    db.session.flush()
    return orders


def roll_up(user: User | None = None) -> tuple[PurchaseOrder | None, list[SalesOrder]]:
    """Fill what HQ stock can, then order what the plan needs beyond what is on order already.

    Returns ``(purchase order or None, sales orders raised from HQ stock)``. The
    scheduler does this daily; an hq_planner may do it at once.
    """
    serialise_on(PLAN_LOCK)
    sent = allocate(user=user)
    needs, on_order = _needs(), _on_order()
    wanted = {part_id: int(qty) - int(on_order.get(part_id, 0)) for part_id, qty in needs.items()}
    wanted = {part_id: qty for part_id, qty in wanted.items() if qty > 0}
    if not wanted:
        return None, sent
    order = PurchaseOrder(status="ordered", created_by_id=user.id if user is not None else None)
    db.session.add(order)
    db.session.flush()
    for part_id, qty in sorted(wanted.items()):
        db.session.add(PurchaseOrderLine(order_id=order.id, part_id=part_id, qty=qty))
    db.session.flush()
    db.session.refresh(order)
    return order, sent


def waiting_lines(part_nos: Sequence[str] = ()) -> Select[PlanLine]:
    """The requisitions waiting on headquarters, one row per part of each, oldest first: the order in which
    HQ's parts go out to them. Each with its requisition, job, provider and province; ``part_nos`` narrows it."""
    statement = (
        select(PlanLine)
        .where(PlanLine.open.is_(True))
        .options(
            joinedload(PlanLine.requisition_line)
            .joinedload(RequisitionLine.requisition)
            .options(joinedload(Requisition.job), joinedload(Requisition.provider), joinedload(Requisition.province))
        )
        .order_by(PlanLine.raised_at, PlanLine.id)
    )
    if part_nos:
        statement = statement.where(PlanLine.part_id.in_(select(Part.id).where(Part.part_no.in_(part_nos))))
    return statement


def _free_at_hq(part_ids: Iterable[int]) -> dict[int, int]:
    """``{part_id: on hand less reserved}`` at headquarters: what a receipt or roll-up hands out first."""
    hq = warehouse_by_code(HQ)
    if hq is None:
        return {}
    rows = db.session.execute(
        select(StockLevel.part_id, StockLevel.on_hand - StockLevel.reserved).where(
            StockLevel.warehouse_id == hq.id, StockLevel.part_id.in_(list(part_ids))
        )
    ).all()
    return {part_id: max(int(free), 0) for part_id, free in rows}


def order_needs(order_id: int) -> OrderNeeds:
    """The requisitions an ordered purchase order serves if it arrives in full now, each line with
    ``on_receipt`` (how many of its parts go to its RDC then), and how many more wait for the same parts
    (``beyond``). Worked out as receiving does it: HQ's free stock and the order's quantity, oldest need first,
    whichever order was raised for it. Nothing once the order is received: its parts went out then."""
    order = purchase_order(order_id)
    if order.status != "ordered":
        return {"items": [], "beyond": 0}
    coming = {line.part_id: line.qty for line in order.lines}
    free = _free_at_hq(coming)
    left = {part_id: qty + free.get(part_id, 0) for part_id, qty in coming.items()}
    served: list[PlanLine] = []
    beyond = 0
    for line in db.session.scalars(waiting_lines().where(PlanLine.part_id.in_(coming))).unique():
        give = min(line.qty - line.allocated, left[line.part_id])
        if give <= 0:
            beyond += 1
            continue
        left[line.part_id] -= give
        line.on_receipt = give
        served.append(line)
    return {"items": served, "beyond": beyond}


def list_purchase_orders(args: Mapping[str, Any]) -> Select[PurchaseOrder]:
    statement = select(PurchaseOrder).options(selectinload(PurchaseOrder.lines))
    if args.get("status"):
        statement = statement.where(PurchaseOrder.status.in_(args["status"]))
    return statement.order_by(PurchaseOrder.id.desc())


def purchase_order(order_id: int) -> PurchaseOrder:
    order = db.session.get(PurchaseOrder, order_id)
    if order is None:
        raise NotFound(f"There is no purchase order {order_id}.", code="purchase_order_not_found")
    return order


def roll_up_now(user: User) -> RollUp:
    """An hq_planner's roll-up: ``{"purchase_order", "sales_orders"}``; 409 ``nothing_to_order`` when nothing
    waits beyond what is on order already."""
    order, sent = roll_up(user)
    if order is None and not sent:
        raise Conflict("The parts plan has nothing left to order.", code="nothing_to_order")
    return {"purchase_order": order, "sales_orders": sent}


def plan_view() -> PlanView:
    """The plan as its page shows it: one row per part."""
    return {"items": plan_summary()}


def receive_purchase_order(user: User, order_id: int, lines: Iterable[Mapping[str, Any]] = ()) -> PurchaseOrder:
    """Goods in at HQ: each line's quantity (all of it unless ``lines``, ``[{part_no, qty}]``, says less or
    more) into HQ stock, then on to the waiting RDCs."""
    serialise_on(PLAN_LOCK)
    order = purchase_order(order_id)
    by_part_no = {line.part.part_no: line for line in order.lines}
    quantities = {line["part_no"]: line["qty"] for line in lines}
    unknown = sorted(set(quantities) - set(by_part_no))
    if unknown:
        raise invalid("lines", f"part(s) not on purchase order {order.number}: {', '.join(unknown)}")
    moved = rows_changed(
        update(PurchaseOrder)
        .where(PurchaseOrder.id == order.id, PurchaseOrder.status == "ordered")
        .values(status="received", received_at=utcnow(), received_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if not moved:
        raise Conflict(f"Purchase order {order.number} is received already.", code="already_received")
    hq = warehouse_by_code(HQ, create=True)
    serialise_on(*(stock_key(hq.id, line.part_id) for line in order.lines))
    for part_no, line in by_part_no.items():
        line.received_qty = quantities.get(part_no, line.qty)
        if line.received_qty:
            level, _ = stock_level(hq, line.part, lock=True)
            move_stock(level, "receipt", line.received_qty, reference=f"purchase order {order.number}", user=user)
    # The oldest needs for these parts come first, whichever order was raised for them; a
    # short delivery leaves the rest waiting, and the next roll-up orders it again.
    allocate({line.part_id for line in order.lines}, user=user)
    db.session.flush()
    return order
