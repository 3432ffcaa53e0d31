"""Who a campaign goes to: its filters checked against the reference data and turned into one SQL query over the
install base, its customers the sale records' phones (one recipient per phone, never an empty one).

Every filter narrows (they are ANDed); an empty or absent one does not. The warranty state is decided in SQL:
per warranty policy, the first sale day still covered today (``first_sale_day_covered``), compared with each
sale's day, so a million units are judged by the database, not one by one here.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from server.cards.models import CARD_TYPES
from server.cards.models import ServiceCard
from server.cards.models import ServiceCardUnit
from server.errors import InvalidInput
from server.extensions import db
from server.installbase.models import SaleRecord
from server.messaging.models import OptOut
from server.network.models import Region
from server.products.models import Product
from server.products.models import WarrantyPolicy
from server.products.warranty import first_sale_day_covered

FILTER_NAMES = ("categories", "models", "sold_from", "sold_to", "province_codes", "region_codes", "warranty", "card")
WARRANTY_STATES = ("in", "out")
# A unit under a service card valid today (of either type, or of one), or under none.
CARD_STATES = ("valid", "none", *CARD_TYPES)
# The regions a sale names: its province and its city (a county is finer than any sale record).
SALE_REGION_LEVELS = ("province", "city")


def _refuse(field: str, message: str, **details: Any) -> InvalidInput:
    return InvalidInput(message, details={"fields": {f"filters.{field}": [message]}, **details})


def resolve(filters: Mapping[str, Any]) -> dict[str, Any]:
    """``filters`` checked against the data, with each region code's id: a 422 naming ``filters.<name>`` for
    a sale-date range that ends before it starts, or a category, model or region no one knows."""
    resolved: dict[str, Any] = {"province_ids": [], "region_ids": []}
    sold_from, sold_to = filters.get("sold_from"), filters.get("sold_to")
    if sold_from and sold_to and sold_to < sold_from:
        raise _refuse("sold_to", "The last sale day comes before the first.")
    if filters.get("categories"):
        known = set(db.session.scalars(select(Product.category).where(Product.category.in_(filters["categories"]))))
        unknown = [code for code in filters["categories"] if code not in known]
        if unknown:
            raise _refuse("categories", f"No product line {', '.join(unknown)}.", unknown=unknown)
    if filters.get("models"):
        known = set(db.session.scalars(select(Product.model).where(Product.model.in_(filters["models"]))))
        unknown = [code for code in filters["models"] if code not in known]
        if unknown:
            raise _refuse("models", f"No product model {', '.join(unknown)}.", unknown=unknown)
    for field, key, levels in (
        ("province_codes", "province_ids", ("province",)),
        ("region_codes", "region_ids", SALE_REGION_LEVELS),
    ):
        codes = filters.get(field) or []
        if not codes:
            continue
        found = dict(
            db.session.execute(
                select(Region.code, Region.id).where(Region.code.in_(codes), Region.level.in_(levels))
            ).all()
        )
        unknown = [code for code in codes if code not in found]
        if unknown:
            what = "province" if field == "province_codes" else "province or city"
            raise _refuse(field, f"No {what} {', '.join(unknown)}.", unknown=unknown)
        resolved[key] = [found[code] for code in codes]
    return resolved


def _warranty_condition(state: str, today: date) -> ColumnElement[bool]:
    """Sales in (or out of) their whole-unit factory warranty today, by their category's policy; a unit of a
    category with no policy is neither."""
    policies = db.session.execute(select(WarrantyPolicy.category, WarrantyPolicy.whole_unit_months)).all()
    each = []
    for category, months in policies:
        first = first_sale_day_covered(months, today)
        if state == "in":
            dated = and_(SaleRecord.sale_date >= first, SaleRecord.sale_date <= today)
        else:
            dated = SaleRecord.sale_date < first
        each.append(and_(Product.category == category, dated))
    return or_(*each) if each else false()


def _card_condition(state: str, today: date) -> ColumnElement[bool]:
    """Sales whose unit a service card covers today (``valid``, or a card of one type), or that none covers
    (``none``): one EXISTS over the card's units by serial, judged by the database."""
    covered = (
        select(ServiceCardUnit.card_id)
        .join(ServiceCard, ServiceCard.id == ServiceCardUnit.card_id)
        .where(
            ServiceCardUnit.serial == SaleRecord.serial, ServiceCard.starts_on <= today, ServiceCard.ends_on >= today
        )
    )
    if state in CARD_TYPES:
        covered = covered.where(ServiceCard.card_type == state)
    return ~covered.exists() if state == "none" else covered.exists()


def conditions(filters: Mapping[str, Any], resolved: Mapping[str, Any], today: date) -> list[ColumnElement[bool]]:
    """The WHERE conditions over sale records (joined to their product) that ``filters`` make."""
    where: list[ColumnElement[bool]] = [SaleRecord.customer_phone != ""]
    if filters.get("categories"):
        where.append(Product.category.in_(filters["categories"]))
    if filters.get("models"):
        where.append(Product.model.in_(filters["models"]))
    if filters.get("sold_from"):
        where.append(SaleRecord.sale_date >= filters["sold_from"])
    if filters.get("sold_to"):
        where.append(SaleRecord.sale_date <= filters["sold_to"])
    if resolved["province_ids"]:
        where.append(SaleRecord.province_id.in_(resolved["province_ids"]))
    if resolved["region_ids"]:
        ids = resolved["region_ids"]
        where.append(or_(SaleRecord.province_id.in_(ids), SaleRecord.city_id.in_(ids)))
    if filters.get("warranty"):
        where.append(_warranty_condition(filters["warranty"], today))
    if filters.get("card"):
        where.append(_card_condition(filters["card"], today))
    return where


def _opted_out(phone: Any) -> ColumnElement[bool]:
    return select(OptOut.id).where(OptOut.phone == phone).exists()


def chosen_units(where: list[ColumnElement[bool]]) -> Select[str, int]:
    """``(phone, sale_record_id)``: each phone the filters reach and not opted out, once, with its newest unit
    that matches (the one its placeholders are filled from)."""
    return (
        select(SaleRecord.customer_phone, func.max(SaleRecord.id))
        .join(Product, Product.id == SaleRecord.product_id)
        .where(*where, ~_opted_out(SaleRecord.customer_phone))
        .group_by(SaleRecord.customer_phone)
    )


def opted_out_count(where: list[ColumnElement[bool]]) -> int:
    """How many phones the filters reach that have opted out."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(SaleRecord.customer_phone)))
            .join(Product, Product.id == SaleRecord.product_id)
            .where(*where, _opted_out(SaleRecord.customer_phone))
        )
        or 0
    )


def reached_count(where: list[ColumnElement[bool]]) -> int:
    """How many phones the filters reach, not opted out: the recipients planning would queue."""
    return db.session.scalar(select(func.count()).select_from(chosen_units(where).subquery())) or 0
