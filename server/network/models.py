"""Regions (province → city → county) and service providers."""

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db

LEVELS = ("province", "city", "county")
# The parent level each level requires.
PARENT_LEVEL = {"province": None, "city": "province", "county": "city"}
# SLA deadlines are set per area class.
AREA_CLASSES = ("city", "county", "remote")


class Region(db.Model):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(16))
    area_class: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    parent = relationship("Region", remote_side=[id], lazy="joined", join_depth=2)

    @property
    def parent_code(self):
        return self.parent.code if self.parent else None

    def province(self):
        """The province this region lies in (itself for a province)."""
        region = self
        while region.parent is not None:
            region = region.parent
        return region

    def __repr__(self):
        return f"<Region {self.code} {self.level}>"


provider_regions = Table(
    "provider_regions",
    db.metadata,
    Column("provider_id", ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True),
    Column("region_id", ForeignKey("regions.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Provider(db.Model):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    # Money in integer cents (fen). The parts deposit balance and the credit in use
    # change only through the account ledger (server.network.ledger).
    deposit_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_limit_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_used_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(default=True)
    # The part of the charges its technicians collect from customers that the provider remits to headquarters,
    # by its contract (0-100); the rest it keeps.
    charges_remit_percent: Mapped[int] = mapped_column(default=100, server_default="100")

    regions = relationship("Region", secondary=provider_regions, order_by="Region.code", lazy="selectin")

    @property
    def region_codes(self):
        return [region.code for region in self.regions]

    def __repr__(self):
        return f"<Provider {self.code}>"


ACCOUNT_ENTRY_KINDS = ("opening", "deposit", "adjustment", "order", "settlement", "deduction")


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The rules a deduction from a provider's statement follows (网点结算扣款).
DEDUCTION_RULES = ("RETURN_PENALTY", "COMPLAINT_DEDUCTION", "REPEAT_REPAIR", "CHARGES_OWED", "MANUAL")
# A disputed deduction waits (open) for the auditor, who upholds it or reverses it.
DISPUTE_STATES = ("open", "upheld", "reversed")


class Deduction(db.Model):
    """Money a provider's statement withholds, with its rule and the reason the provider reads.

    Each arises once from what it names (a late or rejected return, an upheld complaint, a repeat repair):
    the unique source columns keep a second sweep from deducting it again. It waits for the provider's
    next statement, which takes it with everything of its month and before.
    """

    __tablename__ = "deductions"
    __table_args__ = (
        Index("ix_deductions_provider_open", "provider_id", "settlement_id"),
        # Charges a provider owes for a month are withheld once, by the statement of that month.
        Index(
            "uq_deductions_charges_owed",
            "provider_id",
            "month",
            unique=True,
            sqlite_where=text("rule = 'CHARGES_OWED'"),
            postgresql_where=text("rule = 'CHARGES_OWED'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"))
    month: Mapped[str] = mapped_column(String(7))  # when it arose, YYYY-MM
    rule: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    # The number of what it arises from (a part return RT…, a complaint, a claim), for a screen to name it.
    reference: Mapped[str] = mapped_column(String(32), default="")
    part_return_id: Mapped[int | None] = mapped_column(ForeignKey("part_returns.id"), unique=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), unique=True)
    # The repeat repair's claim: the later repair of a unit the provider had repaired shortly before.
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("settlements.id"), index=True)
    dispute: Mapped[str | None] = mapped_column(String(16))
    dispute_reason: Mapped[str] = mapped_column(Text, default="")
    disputed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def counts(self) -> bool:
        """Withheld from the statement: every deduction but one the auditor reversed."""
        return self.dispute != "reversed"
