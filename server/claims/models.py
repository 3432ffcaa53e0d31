"""Claims, their part lines and flags, and monthly settlement statements."""

from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.claims.flag_facts import Facts
from server.claims.flag_facts import facts_of
from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db

APPROVED = "approved"
PENDING_REVIEW = "pending_review"
REJECTED = "rejected"
STATUSES = (APPROVED, PENDING_REVIEW, REJECTED)
# The orders a claim list comes in: the audit queue, or by one column either way.
CLAIM_SORTS = ("queue", *(sign + key for key in ("created", "amount", "repair_date", "provider") for sign in ("", "-")))

# The checks of DESIGN.md, by their codes.
FLAG_CODES = (
    "UNKNOWN_SERIAL",
    "DUPLICATE_CLAIM",
    "OUT_OF_WARRANTY",
    "BEFORE_SALE",
    "MODEL_MISMATCH",
    "REGION_MISMATCH",
    "SERIAL_FORMAT",
    "SCAN_MISMATCH",
    "PHOTO_REUSED",
    # The phone's position at the visit (position_checks.py).
    "NO_CHECKIN",
    "FAR_FROM_ADDRESS",
    "IMPOSSIBLE_TRAVEL",
    "OVERLAPPING_VISITS",
)


class Claim(db.Model):
    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    serial: Mapped[str] = mapped_column(String(64), index=True)
    model: Mapped[str] = mapped_column(String(64))
    sale_record_id: Mapped[int | None] = mapped_column(ForeignKey("sale_records.id"))
    failure_date: Mapped[date]
    repair_date: Mapped[date]
    fault_code: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    scan_id: Mapped[int | None]
    labor_fee_cents: Mapped[int] = mapped_column(BigInteger)
    parts_amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider = relationship("Provider")
    lines = relationship("ClaimLine", order_by="ClaimLine.id", cascade="all, delete-orphan", lazy="selectin")
    flags = relationship("ClaimFlag", order_by="ClaimFlag.id", cascade="all, delete-orphan", lazy="selectin")

    @property
    def amount_cents(self):
        return self.labor_fee_cents + self.parts_amount_cents


class ClaimLine(db.Model):
    """A part claimed, priced at the catalogue price of the day it was claimed."""

    __tablename__ = "claim_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    qty: Mapped[int]
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)

    part = relationship("Part", lazy="joined")


class ClaimFlag(db.Model):
    """One failed check, with the reason an auditor reads."""

    __tablename__ = "claim_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), index=True)
    message: Mapped[str] = mapped_column(Text)
    # The facts the message names, as the check found them (distances, times, the other job...). Flags
    # from before this column have none: their facts are read back from the message.
    facts: Mapped[dict | None] = mapped_column(JSON)

    @property
    def data(self) -> Facts | None:
        """The facts the message names (the earlier claim, the sale's day...)."""
        if self.facts is not None:
            return self.facts
        return facts_of(self.code, self.message)


class Settlement(db.Model):
    """A provider's monthly statement of approved claims; each claim is settled once only."""

    __tablename__ = "settlements"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    claim_count: Mapped[int]
    labor_cents: Mapped[int] = mapped_column(BigInteger)
    parts_cents: Mapped[int] = mapped_column(BigInteger)
    held_back_count: Mapped[int]
    held_back_cents: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider = relationship("Provider")
    claims = relationship("Claim", order_by="Claim.id", foreign_keys="Claim.settlement_id")

    @property
    def total_cents(self):
        return self.labor_cents + self.parts_cents
