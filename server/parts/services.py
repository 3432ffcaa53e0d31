"""Rules of the parts catalogue, warehouses and the stock ledger."""

import contextlib
from collections.abc import Mapping
from typing import Any
from typing import Literal
from typing import overload

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm import selectinload

from server.core import held
from server.core.locks import serialise_on
from server.core.reference import INSERTED
from server.core.reference import UNCHANGED
from server.core.reference import UPDATED
from server.core.reference import Outcome
from server.core.reference import ReferenceKind
from server.core.reference import invalid
from server.errors import NotFound
from server.extensions import db
from server.network.models import Provider
from server.network.scope import may_see_provider
from server.network.scope import provider_condition
from server.network.services import region_by_code
from server.parts import schemas
from server.parts.models import Part
from server.parts.models import StockLevel
from server.parts.models import StockMovement
from server.parts.models import Warehouse
from server.products.models import Product
from server.products.services import products
from server.users.models import User

HQ = "HQ"


class PartKind(ReferenceKind[Part]):
    name = "parts"
    label = "part"
    model = Part
    key = "part_no"
    args_schema = schemas.PartArgs
    list_args = schemas.PartListArgs
    columns = ("part_no", "name", "price", "models", "claimable", "key_part", "main_part")
    optional_columns = ("return_required", "customer_price_cents")

    def attributes(self, values: Mapping[str, Any], existing: Part | None) -> dict[str, Any]:
        attrs = {k: v for k, v in values.items() if k not in ("price", "models")}
        if "price" in values:
            attrs["price_cents"] = values["price"]
        if "models" in values:
            attrs["products"] = products.many("models", values["models"])
        return attrs

    def filter(self, statement: Select[Part], args: Mapping[str, Any]) -> Select[Part]:
        statement = statement.options(selectinload(Part.products))
        if "model" in args:
            statement = statement.where(Part.products.any(Product.model == args["model"]))
        return statement


parts = PartKind()


def part_by_no(part_no: str) -> Part | None:
    return db.session.scalar(select(Part).where(Part.part_no == part_no))


@overload
def warehouse_by_code(code: str, create: Literal[True]) -> Warehouse: ...


@overload
def warehouse_by_code(code: str, create: bool = False) -> Warehouse | None: ...


def warehouse_by_code(code: str, create: bool = False) -> Warehouse | None:
    """The warehouse named ``code`` (HQ, RDC-<province>, PROV-<provider>).

    With ``create``, a warehouse whose province or provider exists is created on
    first use. InvalidInput when the code names nothing.
    """
    code = code.strip()
    warehouse: Warehouse | None = held.recall(f"warehouse:{code}")
    if warehouse is not None:
        return warehouse
    warehouse = db.session.scalar(select(Warehouse).where(Warehouse.code == code))
    if warehouse is not None:
        held.keep(f"warehouse:{code}", warehouse)  # read once per transaction: a push issues from it op after op
    if warehouse is not None or not create:
        return warehouse
    # Two first uses at once (two technicians of a new provider) must not both insert it.
    serialise_on(f"warehouse:{code}")
    created_meanwhile: Warehouse | None = db.session.scalar(select(Warehouse).where(Warehouse.code == code))
    if created_meanwhile is not None:
        return created_meanwhile
    if code == HQ:
        warehouse = Warehouse(code=HQ, kind="hq")
    elif code.startswith("RDC-"):
        region = region_by_code(code[4:])
        if region is None or region.level != "province":
            raise invalid("warehouse", f"{code} names no province (RDC-<province code>)")
        warehouse = Warehouse(code=code, kind="rdc", region=region)
    elif code.startswith("PROV-"):
        provider = db.session.scalar(select(Provider).where(Provider.code == code[5:]))
        if provider is None:
            raise invalid("warehouse", f"{code} names no provider (PROV-<provider code>)")
        warehouse = Warehouse(code=code, kind="provider", provider=provider)
    else:
        raise invalid("warehouse", f"{code} is not HQ, RDC-<province code> or PROV-<provider code>")
    db.session.add(warehouse)
    db.session.flush()
    return warehouse


def stock_level(warehouse: Warehouse, part: Part, lock: bool = False) -> tuple[StockLevel, bool]:
    """``(level, created)``: the stock row of ``part`` in ``warehouse``, created empty when missing.

    ``lock``: the row is locked until the transaction ends, and read as it is now; a row the transaction has
    locked already is not read again (see ``held``): nobody else can have changed it since.
    """
    key = f"stock-row:{warehouse.id}:{part.id}"
    if lock and (locked := held.recall(key)) is not None:
        return locked, False
    statement = select(StockLevel).where(StockLevel.warehouse_id == warehouse.id, StockLevel.part_id == part.id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    # Stock changes only through a locked row (``move_stock`` after this), and a locked row is not read again,
    # so nothing pending is this row's: no flush for it.
    with db.session.no_autoflush if lock else contextlib.nullcontext():
        level = db.session.scalar(statement)
    created = level is None
    if level is None:
        level = StockLevel(warehouse=warehouse, part=part, on_hand=0, reserved=0)
        db.session.add(level)
        db.session.flush()
    if lock:
        held.keep(key, level)
    return level, created


def move_stock(
    level: StockLevel,
    kind: str,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    reference: str = "",
    user: User | None = None,
) -> StockLevel:
    """Write one ledger entry and apply it to the stock row; the only way stock changes."""
    db.session.add(
        StockMovement(
            warehouse_id=level.warehouse_id,
            part_id=level.part_id,
            kind=kind,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            reference=reference,
            user_id=user.id if user else None,
        )
    )
    level.on_hand += on_hand_delta
    level.reserved += reserved_delta
    return level


def set_on_hand(warehouse: Warehouse, part: Part, qty: int, reference: str, user: User | None = None) -> Outcome:
    """Bring on-hand to ``qty`` by an opening or adjustment entry; return the outcome."""
    level, created = stock_level(warehouse, part, lock=True)
    if level.on_hand == qty:
        return INSERTED if created else UNCHANGED
    move_stock(level, "opening" if created else "adjustment", qty - level.on_hand, reference=reference, user=user)
    return INSERTED if created else UPDATED


def import_stock_row(values: Mapping[str, Any], reference: str = "import") -> Outcome:
    """One row of a stock file: the warehouse's opening (or corrected) quantity of a part."""
    warehouse = warehouse_by_code(values["warehouse"], create=True)
    part = part_by_no(values["part_no"])
    if part is None:
        raise invalid("part_no", f"unknown part {values['part_no']}")
    return set_on_hand(warehouse, part, values["qty"], reference)


class StockKind(ReferenceKind[Part]):
    """Opening stock per warehouse and part; applied through the ledger, never written directly."""

    name = "stock"
    label = "stock line"
    model = Part
    args_schema = schemas.StockArgs
    columns = ("warehouse", "part_no", "qty")

    def row_key(self, values: Mapping[str, Any]) -> tuple[Any, Any]:
        return (values.get("warehouse"), values.get("part_no"))

    def upsert(self, values: Mapping[str, Any]) -> Outcome:
        return import_stock_row(values)


stock = StockKind()


def _warehouse_condition(user: User) -> ColumnElement[bool] | None:
    """Headquarters and the RDCs for every stock reader; of the providers' stock rooms, the caller's providers'.

    None when the caller sees every warehouse.
    """
    condition = provider_condition(user, Warehouse.provider_id)
    return None if condition is None else or_(Warehouse.provider_id.is_(None), condition)


def visible_warehouses(user: User) -> Select[Warehouse]:
    """The warehouses the caller may read the stock of, by code."""
    statement = select(Warehouse).order_by(Warehouse.code)
    condition = _warehouse_condition(user)
    return statement if condition is None else statement.where(condition)


def visible_stock(user: User, args: Mapping[str, Any]) -> Select[StockLevel]:
    """``stock_query(args)`` narrowed to the warehouses the caller may read."""
    statement = stock_query(args)
    condition = _warehouse_condition(user)
    return statement if condition is None else statement.where(condition)


def find_stock(warehouse_code: str, part_no: str, reader: User | None = None) -> StockLevel:
    """One part's stock in one warehouse; 404 also when ``reader`` may not read that warehouse (the same answer)."""
    warehouse = warehouse_by_code(warehouse_code)
    stock_room = warehouse.provider if warehouse is not None else None
    if reader is not None and stock_room is not None and not may_see_provider(reader, stock_room):
        warehouse = None
    part = part_by_no(part_no)
    level: StockLevel | None = None
    if warehouse is not None and part is not None:
        level = db.session.scalar(
            select(StockLevel).where(StockLevel.warehouse_id == warehouse.id, StockLevel.part_id == part.id)
        )
    if level is None:
        raise NotFound(f"{warehouse_code} holds no stock of {part_no}.")
    return level


def stock_query(args: Mapping[str, Any]) -> Select[StockLevel]:
    statement = (
        select(StockLevel)
        .join(Warehouse)
        .join(Part)
        .options(contains_eager(StockLevel.warehouse), contains_eager(StockLevel.part))
        .order_by(Warehouse.code, Part.part_no)
    )
    if "warehouse" in args:
        statement = statement.where(Warehouse.code == args["warehouse"])
    if "part_no" in args:
        statement = statement.where(Part.part_no == args["part_no"])
    return statement
