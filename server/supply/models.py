"""Tables of parts supply: usage on jobs, requisitions, sales orders, the HQ plan and purchase orders."""

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db


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
    # The sales order the fitted parts came on, when the technician fitted parts that arrived for this job:
    # no more of a part is fitted from an order than arrived on it.
    sales_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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
    # What the requisition costs its provider: the sum of its lines, from the moment it is raised (charged at
    # approval). Shown through ``lines_amount_cents`` so that rows raised before it was stored read right too.
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The clerk's word on the decision: the reason of a rejection, or a note on an approval.
    decision_note: Mapped[str] = mapped_column(String(2000), default="")
    # When the last of its parts left a warehouse for the provider, and when the last arrived.
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    job = relationship("Job")
    provider = relationship("Provider")
    province = relationship("Region")
    raised_by = relationship("User", foreign_keys=[raised_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    lines = relationship("RequisitionLine", order_by="RequisitionLine.id", back_populates="requisition")
    # Where its parts are: each order from the RDC, shipped and received on its own.
    orders = relationship("SalesOrder", order_by="SalesOrder.id", viewonly=True)

    @property
    def number(self):
        return f"RQ{self.id:08d}"

    @property
    def lines_amount_cents(self) -> int:
        """The plain sum behind the requisition's amount: each line's quantity at its price."""
        return sum(line.amount_cents for line in self.lines)


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

    @property
    def amount_cents(self) -> int:
        return self.qty * self.price_cents


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shipped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requisition = relationship("Requisition")
    provider = relationship("Provider")
    warehouse = relationship("Warehouse")
    lines = relationship("SalesOrderLine", order_by="SalesOrderLine.id", back_populates="order")
    # What was fitted from it: the phone offers to fit what is left.
    usages = relationship("PartUsage", order_by="PartUsage.id", viewonly=True)

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
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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


# owed → shipped → received → accepted | rejected. "Overdue" is not a state: an owed or shipped return past its
# deadline, marked once by the scheduler (``overdue_at``).
RETURN_STATUSES = ("owed", "shipped", "received", "accepted", "rejected")
RETURN_LIST_STATUSES = (*RETURN_STATUSES, "overdue")
# What the RDC found: only "accepted" releases the claim line the old part stands behind.
INSPECTION_RESULTS = ("accepted", "wrong_part", "not_faulty", "missing")


class PartReturn(db.Model):
    """旧件返还: the defective part a returnable part replaced on a warranty job, owed to its province's RDC.

    One row per part fitted (a line of two motors owes two old motors), each with the old part's serial as the
    technician recorded it (``None`` when none was). The claim line it stands behind is paid only once the RDC
    accepts it.
    """

    __tablename__ = "part_returns"
    __table_args__ = (
        Index("ix_part_returns_provider_status", "provider_id", "status"),
        Index("ix_part_returns_province_status", "province_id", "status"),
        Index("ix_part_returns_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    usage_id: Mapped[int | None] = mapped_column(ForeignKey("part_usages.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    # The province whose RDC the part goes back to.
    province_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    # The claim line it stands behind, once a claim names the part, and that line's claim.
    claim_line_id: Mapped[int | None] = mapped_column(ForeignKey("claim_lines.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    old_serial: Mapped[str | None] = mapped_column(String(64), index=True)
    # The part's price when it was fitted: what a penalty by the part's price takes.
    price_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default="owed")
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("return_shipments.id"), index=True)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inspected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    # The serial the RDC scanned off the part that arrived.
    returned_serial: Mapped[str | None] = mapped_column(String(64), index=True)

    part = relationship("Part", lazy="joined")
    job = relationship("Job")
    usage = relationship("PartUsage")
    provider = relationship("Provider")
    province = relationship("Region")
    shipment = relationship("ReturnShipment", back_populates="lines")

    @property
    def number(self):
        return f"RT{self.id:08d}"

    @property
    def late(self) -> bool:
        """Not at the RDC by its deadline: still on its way past it, or received after it."""
        if self.received_at is not None:
            return self.received_at > self.due_at
        return self.overdue_at is not None or self.due_at < utcnow()


SHIPMENT_STATUSES = ("shipped", "received")


class ReturnShipment(db.Model):
    """A parcel of old parts a provider sends its province's RDC, with its packing list."""

    __tablename__ = "return_shipments"
    __table_args__ = (Index("ix_return_shipments_province_status", "province_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    status: Mapped[str] = mapped_column(String(16), default="shipped")
    tracking: Mapped[str] = mapped_column(String(64), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider = relationship("Provider")
    province = relationship("Region")
    lines = relationship("PartReturn", order_by="PartReturn.id", back_populates="shipment")

    @property
    def number(self):
        return f"RS{self.id:08d}"
