"""Helpers (not fixtures) of the parts-supply tests: who works in each province, the parts of a request's body,
and rows as stored."""

from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.parts.models import StockLevel
from server.parts.models import Warehouse

CLERK_OF = {"370000": "clerk", "440000": "clerk2"}
TECHNICIAN_OF = {"370000": "tech1", "440000": "tech44"}


def lines(*pairs):
    """The ``parts`` of a body that puts parts on a job: ``[{"part_no", "qty"}]`` of ``(part_no, qty)`` pairs."""
    return [{"part_no": part_no, "qty": qty} for part_no, qty in pairs]


def count(model):
    """How many rows of ``model`` are stored now."""
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def stock_row(warehouse, part_no):
    """``(on_hand, reserved)`` of one stock row now."""
    db.session.expire_all()
    level = db.session.scalar(
        select(StockLevel)
        .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
        .where(Warehouse.code == warehouse, StockLevel.part.has(part_no=part_no))
    )
    return (level.on_hand, level.reserved) if level is not None else None
