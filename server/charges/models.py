"""Charges of paid (out-of-warranty) repairs: the fee guide, quotes, payments and what providers remit."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db

# A quote's life: the customer has not approved it yet, approved it, or a later version replaced it.
PENDING_APPROVAL = "pending_approval"
APPROVED = "approved"
SUPERSEDED = "superseded"
QUOTE_STATUSES = (PENDING_APPROVAL, APPROVED, SUPERSEDED)
APPROVAL_METHODS = ("signature", "code")
PAYMENT_METHODS = ("cash", "qr")
LINE_KINDS = ("labour", "part", "travel")


class FeeItem(db.Model):
    """One labour price of the manufacturer's fee guide: a repair type of a product category."""

    __tablename__ = "fee_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    repair_type: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    labour_cents: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self):
        return f"<FeeItem {self.code}>"


class TravelFee(db.Model):
    """The travel fee of one area class (the classes regions and SLA policies use)."""

    __tablename__ = "travel_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_class: Mapped[str] = mapped_column(String(16), unique=True)
    fee_cents: Mapped[int] = mapped_column(BigInteger)


class Quote(db.Model):
    """One version of a paid job's quote. Saving a new version supersedes the one before, approved or not, so
    a change after the customer's approval needs their approval again."""

    __tablename__ = "quotes"
    __table_args__ = (UniqueConstraint("job_id", "version", name="uq_quotes_job_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    # The phone's uuid of this version: an op sent twice finds it.
    ref: Mapped[str] = mapped_column(String(36), unique=True)
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=PENDING_APPROVAL)
    # [{kind, fee_code | part_code, name, quantity, unit_price_cents, guide_price_cents}]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    guide_total_cents: Mapped[int] = mapped_column(BigInteger)
    discount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    # The customer's approval code: a keyed digest only (see charges.quotes.code_digest), as the completion code.
    code_digest: Mapped[str | None] = mapped_column(String(64))
    approval_method: Mapped[str | None] = mapped_column(String(16))
    approval_signature_sha256: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    job = relationship("Job")


class Payment(db.Model):
    """Money the technician collected against an approved quote; never changed once recorded."""

    __tablename__ = "payments"
    __table_args__ = (Index("ix_payments_provider_created", "provider_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(36), unique=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    reference: Mapped[str] = mapped_column(String(64), default="")
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    receipt_number: Mapped[str] = mapped_column(String(16), unique=True)
    # Whose hands the money is in, and their provider then: reconciliation counts it against them.
    technician_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    job = relationship("Job")
    technician = relationship("User", foreign_keys=[technician_id])


class Remittance(db.Model):
    """Charges a provider paid over to headquarters for a month, as its manager recorded it."""

    __tablename__ = "remittances"
    __table_args__ = (Index("ix_remittances_provider_month", "provider_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    month: Mapped[str] = mapped_column(String(7))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(64), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider = relationship("Provider")
