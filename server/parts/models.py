"""Parts, warehouses, stock levels and the append-only stock ledger."""

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import UniqueConstraint
from sqlalchemy import false
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db

part_models = Table(
    "part_models",
    db.metadata,
    Column("part_id", ForeignKey("parts.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Part(db.Model):
    __tablename__ = "parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_no: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # What a customer pays for it on a paid (out-of-warranty) repair, by the fee guide.
    customer_price_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Paid by headquarters when used on a warranty repair.
    claimable: Mapped[bool] = mapped_column(default=True)
    # Tracked closely: shortages of key parts cause most complaints.
    key_part: Mapped[bool] = mapped_column(default=False)
    # Covered by the longer main-part warranty period (e.g. a TV panel).
    main_part: Mapped[bool] = mapped_column(default=False)
    # The defective part replaced on a warranty repair must come back to the RDC (旧件返还) before it is paid.
    return_required: Mapped[bool] = mapped_column(default=False, server_default=false())

    products = relationship("Product", secondary=part_models, order_by="Product.model")

    @property
    def models(self):
        return [product.model for product in self.products]

    def __repr__(self):
        return f"<Part {self.part_no}>"


WAREHOUSE_KINDS = ("hq", "rdc", "provider")


class Warehouse(db.Model):
    """Headquarters, a province's RDC, or a provider's own stock room."""

    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)

    region = relationship("Region")
    provider = relationship("Provider")

    def __repr__(self):
        return f"<Warehouse {self.code}>"


class StockLevel(db.Model):
    """On-hand and reserved quantity of one part in one warehouse; always the ledger's sum."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "part_id"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), index=True)
    # May go negative: a usage recorded offline is never refused (see the parts flow).
    on_hand: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)

    warehouse = relationship("Warehouse")
    part = relationship("Part")


MOVEMENT_KINDS = ("opening", "receipt", "issue", "transfer_in", "transfer_out", "reserve", "release", "adjustment")


class StockMovement(db.Model):
    """One entry of the append-only stock ledger; rows are never updated or deleted."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # Change of on-hand and of reserved quantity made by this entry.
    on_hand_delta: Mapped[int] = mapped_column(default=0)
    reserved_delta: Mapped[int] = mapped_column(default=0)
    reference: Mapped[str] = mapped_column(String(128), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (db.Index("ix_stock_movements_warehouse_part", "warehouse_id", "part_id"),)
