"""Fixtures of the parts tests: admin headers, part and stock factories, and the stock books."""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.parts.models import Part
from server.parts.models import StockLevel
from server.parts.models import StockMovement
from server.parts.models import Warehouse
from tests.products.conftest import make_product  # noqa: F401  (a fixture, shared with the products tests)


@pytest.fixture
def admin(as_role):
    return as_role("admin", username="root")


@pytest.fixture
def make_part(make_product):  # noqa: F811  (the fixture imported above)
    """``make_part(part_no="X1", price_cents=1250, models=("TV55",), ...)``: a stored part; its models are created."""
    from server.parts.services import parts

    def make(
        part_no="X1", name=None, price_cents=1250, models=("TV55",), claimable=True, key_part=False, main_part=False
    ):
        part = parts.find(part_no)
        if part is None:
            for model in models:
                make_product(model)
            part = parts.create(
                {
                    "part_no": part_no,
                    "name": name or f"Part {part_no}",
                    "price": price_cents,
                    "models": list(models),
                    "claimable": claimable,
                    "key_part": key_part,
                    "main_part": main_part,
                }
            )
            db.session.commit()
        return part

    return make


@pytest.fixture
def make_stock(make_part, make_provider):
    """``make_stock(warehouse="HQ", part_no="X1", qty=5)``: opening stock through the ledger, as an import does."""
    from server.parts.services import import_stock_row

    def make(warehouse="HQ", part_no="X1", qty=5):
        make_part(part_no)
        if warehouse.startswith(("RDC-", "PROV-")):
            make_provider()  # the default geography (province 370000) and provider P01
        import_stock_row({"warehouse": warehouse, "part_no": part_no, "qty": qty})
        db.session.commit()

    return make


@pytest.fixture
def stock_books():
    """``stock_books(warehouse, part_no)`` → ``(on_hand of the stock row, sum of the ledger's on-hand deltas)``."""

    def read(warehouse, part_no):
        db.session.expire_all()
        level = db.session.scalar(
            select(StockLevel).join(Warehouse).join(Part).where(Warehouse.code == warehouse, Part.part_no == part_no)
        )
        ledger = db.session.scalar(
            select(func.coalesce(func.sum(StockMovement.on_hand_delta), 0))
            .join(Warehouse, StockMovement.warehouse_id == Warehouse.id)
            .join(Part, StockMovement.part_id == Part.id)
            .where(Warehouse.code == warehouse, Part.part_no == part_no)
        )
        return (level.on_hand if level is not None else None), ledger

    return read


@pytest.fixture
def movements():
    """``movements(warehouse, part_no)`` → ``(kind, on_hand_delta, reference, user_id)`` per entry, oldest first."""

    def read(warehouse, part_no):
        db.session.expire_all()
        rows = db.session.scalars(
            select(StockMovement)
            .join(Warehouse, StockMovement.warehouse_id == Warehouse.id)
            .join(Part, StockMovement.part_id == Part.id)
            .where(Warehouse.code == warehouse, Part.part_no == part_no)
            .order_by(StockMovement.id)
        )
        return [(m.kind, m.on_hand_delta, m.reference, m.user_id) for m in rows]

    return read
