"""Claims, their part lines and flags, and monthly settlement statements."""

from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
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
    # The old parts a claim's returnable parts owe the RDC (旧件返还).
    "NO_OLD_SERIAL",
    "OLD_PART_REUSED",
    "PART_NOT_RETURNED",
    "PART_RETURN_REJECTED",
    # The service card a claim cites does not cover it (server/cards).
    "CARD_INVALID",
)

# A claim's lines (its labour and each part) as the audit and the returns leave them. Only an approved line
# of an approved claim is paid; a part line waits for its old parts (awaiting_return) until the RDC accepts
# every one, and one the RDC rejected (return_rejected) is never paid.
LINE_PENDING = "pending"
LINE_APPROVED = "approved"
LINE_REJECTED = "rejected"
AWAITING_RETURN = "awaiting_return"
RETURN_REJECTED = "return_rejected"
LINE_STATUSES = (LINE_PENDING, LINE_APPROVED, LINE_REJECTED, AWAITING_RETURN, RETURN_REJECTED)
# The statements: open for disputes, then final (credited to the provider's account, never changed).
STATEMENT_OPEN = "open"
STATEMENT_FINAL = "final"


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
    # The service card the claim cites (its job's, or given on filing): the warranty beyond the factory's.
    card_number: Mapped[str | None] = mapped_column(String(32))
    labor_fee_cents: Mapped[int] = mapped_column(BigInteger)
    parts_amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # The labour line's audit: approved with the claim unless the auditor rejects it alone (with a reason).
    labor_status: Mapped[str] = mapped_column(String(16), default=LINE_PENDING, server_default=LINE_APPROVED)
    labor_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider = relationship("Provider")
    lines = relationship("ClaimLine", order_by="ClaimLine.id", cascade="all, delete-orphan", lazy="selectin")
    flags = relationship("ClaimFlag", order_by="ClaimFlag.id", cascade="all, delete-orphan", lazy="selectin")
    # The statement that paid its labour (its part lines are paid by their own statements).
    settled = relationship("SettledClaim", uselist=False, lazy="selectin", viewonly=True)

    @property
    def settlement_id(self) -> int | None:
        return self.settled.settlement_id if self.settled is not None else None

    @property
    def amount_cents(self):
        return self.labor_fee_cents + self.parts_amount_cents

    @property
    def approved_cents(self) -> int:
        """What the audit grants: the labour and the part lines approved (a line waiting for its return is not)."""
        if self.status != APPROVED:
            return 0
        labour = self.labor_fee_cents if self.labor_status == LINE_APPROVED else 0
        return labour + sum(line.amount_cents for line in self.lines if line.status == LINE_APPROVED)


class ClaimLine(db.Model):
    """A part claimed, priced at the catalogue price of the day it was claimed."""

    __tablename__ = "claim_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"))
    qty: Mapped[int]
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=LINE_PENDING, server_default=LINE_APPROVED)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    part = relationship("Part", lazy="joined")
    # The statement that paid it.
    settled = relationship("SettledLine", uselist=False, lazy="selectin", viewonly=True)

    @property
    def settlement_id(self) -> int | None:
        return self.settled.settlement_id if self.settled is not None else None

    @property
    def amount_cents(self) -> int:
        return self.qty * self.unit_price_cents


class SettledClaim(db.Model):
    """A claim whose labour a statement paid. The claim is the key: no labour is paid twice.

    Rows of their own rather than a column of the claim: a month's statements pay hundreds of thousands of
    claims, and inserting narrow rows costs a fraction of rewriting wide, much-indexed ones.
    """

    __tablename__ = "settled_claims"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), index=True)


class SettledLine(db.Model):
    """A part line a statement paid; the line is the key, so it is paid once."""

    __tablename__ = "settled_lines"

    claim_line_id: Mapped[int] = mapped_column(ForeignKey("claim_lines.id", ondelete="CASCADE"), primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), index=True)


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
    """A provider's monthly statement (网点结算单): the approved lines it pays, then the deductions it withholds.

    One per provider and month. Open, the provider may dispute a deduction until ``dispute_until``; final, it
    is credited to the provider's account once and never changes.
    """

    __tablename__ = "settlements"
    __table_args__ = (UniqueConstraint("provider_id", "month", name="uq_settlements_provider_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(8), default=STATEMENT_OPEN, server_default=STATEMENT_FINAL)
    # The claims whose labour it pays, and the part lines it pays.
    claim_count: Mapped[int]
    line_count: Mapped[int] = mapped_column(default=0, server_default="0")
    labor_cents: Mapped[int] = mapped_column(BigInteger)
    parts_cents: Mapped[int] = mapped_column(BigInteger)
    deduction_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Every deduction it took, and of them what a reversal did not give back (set at finalisation).
    deductions_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    held_back_count: Mapped[int]
    held_back_cents: Mapped[int] = mapped_column(BigInteger)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispute_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider = relationship("Provider")
    claims = relationship("Claim", secondary="settled_claims", order_by="Claim.id", viewonly=True)
    lines = relationship("ClaimLine", secondary="settled_lines", order_by="ClaimLine.id", viewonly=True)
    deductions = relationship(
        "Deduction", order_by="Deduction.id", foreign_keys="Deduction.settlement_id", viewonly=True
    )

    @property
    def total_cents(self):
        """What its approved lines pay, before deductions."""
        return self.labor_cents + self.parts_cents

    @property
    def net_cents(self):
        return self.total_cents - self.deductions_cents
