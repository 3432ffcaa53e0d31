"""The fee guide (收费标准): labour per product category and repair type, travel fees per area class.

Both are reference kinds: the admin edits them at ``/api/admin/fees`` and ``/api/admin/travel-fees`` and imports
them as CSV (kinds ``fees`` and ``travel-fees``), under one set of rules. Parts' customer prices live on the parts
catalogue (``Part.customer_price_cents``).
"""

from typing import Any

from sqlalchemy import select

from server.charges import schemas
from server.charges.models import FeeItem
from server.charges.models import TravelFee
from server.core.reference import ReferenceKind
from server.extensions import db


class FeeKind(ReferenceKind[FeeItem]):
    name = "fees"
    label = "fee item"
    model = FeeItem
    args_schema = schemas.FeeItemArgs
    columns = ("code", "category", "repair_type", "name", "labour_cents")


class TravelFeeKind(ReferenceKind[TravelFee]):
    name = "travel-fees"
    label = "travel fee"
    model = TravelFee
    key = "area_class"
    key_label = "area class"
    args_schema = schemas.TravelFeeArgs
    columns = ("area_class", "fee_cents")


fees = FeeKind()
travel_fees = TravelFeeKind()


def travel_fee_cents(area_class: str) -> int | None:
    """The travel fee of ``area_class``, or None when the guide has none."""
    return db.session.scalar(select(TravelFee.fee_cents).where(TravelFee.area_class == area_class))


def fee_items(codes: list[str]) -> dict[str, FeeItem]:
    if not codes:
        return {}
    return {item.code: item for item in db.session.scalars(select(FeeItem).where(FeeItem.code.in_(codes)))}


def on_devices() -> dict[str, Any]:
    """The whole guide as the phone keeps it offline: ``{"fees": [...], "travel_fees": [...]}``."""
    return {
        "fees": [fee_data(item) for item in db.session.scalars(select(FeeItem).order_by(FeeItem.code))],
        "travel_fees": [
            travel_data(fee) for fee in db.session.scalars(select(TravelFee).order_by(TravelFee.area_class))
        ],
    }


def fee_data(item: FeeItem) -> dict[str, Any]:
    return {
        "code": item.code,
        "category": item.category,
        "repair_type": item.repair_type,
        "name": item.name,
        "labour_cents": item.labour_cents,
    }


def travel_data(fee: TravelFee) -> dict[str, Any]:
    return {"area_class": fee.area_class, "fee_cents": fee.fee_cents}
