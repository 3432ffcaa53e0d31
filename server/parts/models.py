"""Parts, warehouses, stock levels and the append-only stock ledger."""

from sqlalchemy import BigInteger
from sqlalchemy import CheckConstraint
from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.extensions import db
from server.models import UTCDateTime
from server.models import utcnow

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
    # Paid by headquarters when used on a warranty repair.
    claimable: Mapped[bool] = mapped_column(default=True)
    # Tracked closely: shortages of key parts cause most complaints.
    key_part: Mapped[bool] = mapped_column(default=False)
    # Covered by the longer main-part warranty period (e.g. a TV panel).
    main_part: Mapped[bool] = mapped_column(default=False)

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
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (db.Index("ix_stock_movements_warehouse_part", "warehouse_id", "part_id"),)


class PartUsage(db.Model):
    """Parts a technician fitted on a job, issued from the provider's stock.

    A usage is a fact from the field: it is kept even when the server's stock
    figure is lower (the phone may have been offline for days), and the
    difference is recorded as ``shortfall`` for the provider's managers to check.
    """

    __tablename__ = "part_usages"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"), index=True)
    qty: Mapped[int]
    shortfall: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_time: Mapped[object | None] = mapped_column(UTCDateTime)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    part = relationship("Part", lazy="joined")
    job = relationship("Job")
    recorded_by = relationship("User")


# pending → approved → received, or pending → rejected.
REQUISITION_STATUSES = ("pending", "approved", "rejected", "received")
OPEN_REQUISITION_STATUSES = ("pending", "approved")


class Requisition(db.Model):
    """申购单: parts missing on a job, raised by the shortage itself and routed to its province's clerk.

    Each stage of the supply cycle is stamped, so the cycle report can say where the days go.
    """

    __tablename__ = "requisitions"
    __table_args__ = (Index("ix_requisitions_province_status", "province_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # "rdc" when the RDC covered every line, "hq" when any line waited for the headquarters plan.
    path: Mapped[str | None] = mapped_column(String(8))
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    device_time: Mapped[object | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[object | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[object | None] = mapped_column(UTCDateTime)
    # The clerk's word on the decision: the reason of a rejection, or a note on an approval.
    decision_note: Mapped[str] = mapped_column(String(2000), default="")
    # When the last of its parts left a warehouse for the provider, and when the last arrived.
    shipped_at: Mapped[object | None] = mapped_column(UTCDateTime)
    received_at: Mapped[object | None] = mapped_column(UTCDateTime, index=True)

    job = relationship("Job")
    provider = relationship("Provider")
    province = relationship("Region")
    raised_by = relationship("User", foreign_keys=[raised_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    lines = relationship("RequisitionLine", order_by="RequisitionLine.id", back_populates="requisition")

    @property
    def number(self):
        return f"RQ{self.id:08d}"


class RequisitionLine(db.Model):
    """One missing part of a requisition and how it is being supplied: from the RDC, through HQ, received."""

    __tablename__ = "requisition_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    qty: Mapped[int]
    price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    rdc_qty: Mapped[int] = mapped_column(default=0)
    hq_qty: Mapped[int] = mapped_column(default=0)
    received_qty: Mapped[int] = mapped_column(default=0)

    requisition = relationship("Requisition", back_populates="lines")
    part = relationship("Part", lazy="joined")


SALES_ORDER_STATUSES = ("created", "shipped", "received")


class SalesOrder(db.Model):
    """A parts sales order from a province's RDC to a provider: created (stock reserved) → shipped → received."""

    __tablename__ = "sales_orders"
    __table_args__ = (Index("ix_sales_orders_province_status", "province_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_id: Mapped[int] = mapped_column(ForeignKey("requisitions.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    # "rdc": covered from RDC stock at approval; "hq": parts that came through the headquarters plan.
    source: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="created")
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    shipped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    shipped_at: Mapped[object | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[object | None] = mapped_column(UTCDateTime)

    requisition = relationship("Requisition")
    provider = relationship("Provider")
    warehouse = relationship("Warehouse")
    lines = relationship("SalesOrderLine", order_by="SalesOrderLine.id", back_populates="order")

    @property
    def number(self):
        return f"SO{self.id:08d}"


class SalesOrderLine(db.Model):
    __tablename__ = "sales_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    requisition_line_id: Mapped[int] = mapped_column(ForeignKey("requisition_lines.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    qty: Mapped[int]
    price_cents: Mapped[int] = mapped_column(BigInteger, default=0)

    order = relationship("SalesOrder", back_populates="lines")
    part = relationship("Part", lazy="joined")
    requisition_line = relationship("RequisitionLine")


class PlanLine(db.Model):
    """备件计划: a requisition line the RDC could not cover, waiting for headquarters.

    Filled (``allocated``) from HQ stock, oldest requisition first. A line is
    not tied to one purchase order: the plan orders, per part, what its open
    lines need beyond what is already on order, so a short or out-of-order
    delivery never leaves a need unordered nor orders one twice.
    """

    __tablename__ = "plan_lines"
    __table_args__ = (Index("ix_plan_lines_part_open", "part_id", "open"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requisition_line_id: Mapped[int] = mapped_column(ForeignKey("requisition_lines.id"), unique=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))  # the RDC that waits
    qty: Mapped[int]
    allocated: Mapped[int] = mapped_column(default=0)
    # Still waiting for parts (allocated < qty); indexed so the roll-up reads only these.
    open: Mapped[bool] = mapped_column(default=True)
    raised_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    part = relationship("Part", lazy="joined")
    warehouse = relationship("Warehouse")
    requisition_line = relationship("RequisitionLine")


PURCHASE_ORDER_STATUSES = ("ordered", "received")


class PurchaseOrder(db.Model):
    """Headquarters' order to the factory for the parts the plan waits for, one line per part."""

    __tablename__ = "purchase_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="ordered", index=True)
    # None when the scheduler's daily roll-up raised it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[object | None] = mapped_column(UTCDateTime)

    lines = relationship("PurchaseOrderLine", order_by="PurchaseOrderLine.id", back_populates="order")

    @property
    def number(self):
        return f"PO{self.id:08d}"


class PurchaseOrderLine(db.Model):
    __tablename__ = "purchase_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    qty: Mapped[int]
    received_qty: Mapped[int] = mapped_column(default=0)

    order = relationship("PurchaseOrder", back_populates="lines")
    part = relationship("Part", lazy="joined")


ACCOUNT_ENTRY_KINDS = ("opening", "deposit", "adjustment", "order", "settlement")


class AccountEntry(db.Model):
    """One entry of a provider's parts account (备件压金 and credit); rows are never updated or deleted.

    ``deposit_delta`` changes the deposit balance, ``credit_delta`` the credit
    in use; the provider's two figures are always the sums of these columns.
    """

    __tablename__ = "account_entries"
    __table_args__ = (Index("ix_account_entries_provider", "provider_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    deposit_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_delta: Mapped[int] = mapped_column(BigInteger, default=0)
    reference: Mapped[str] = mapped_column(String(200), default="")
    requisition_id: Mapped[int | None] = mapped_column(ForeignKey("requisitions.id"), index=True)
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
