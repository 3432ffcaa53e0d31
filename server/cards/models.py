"""Service cards (服务卡 / 合同): extended warranties (延保) and service contracts, the units they cover by
serial, the people who may use them by phone, and, for a parts card, the parts they cover."""

from datetime import date
from datetime import datetime

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

EXTENDED_WARRANTY = "extended_warranty"
SERVICE_CONTRACT = "service_contract"
CARD_TYPES = (EXTENDED_WARRANTY, SERVICE_CONTRACT)
WHOLE_UNIT = "whole_unit"
PARTS = "parts"
COVERAGES = (WHOLE_UNIT, PARTS)


class ServiceCard(db.Model):
    """One card: what it covers (the whole unit or listed parts) from ``starts_on`` to ``ends_on``, both included."""

    __tablename__ = "service_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    card_type: Mapped[str] = mapped_column(String(24))
    coverage: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    units = relationship(
        "ServiceCardUnit", order_by="ServiceCardUnit.serial", cascade="all, delete-orphan", lazy="selectin"
    )
    users = relationship(
        "ServiceCardUser", order_by="ServiceCardUser.phone", cascade="all, delete-orphan", lazy="selectin"
    )
    part_rows = relationship("ServiceCardPart", cascade="all, delete-orphan", lazy="selectin")

    @property
    def serials(self) -> list[str]:
        return [unit.serial for unit in self.units]

    @property
    def phones(self) -> list[str]:
        return [user.phone for user in self.users]

    @property
    def part_nos(self) -> list[str]:
        return sorted(row.part.part_no for row in self.part_rows)

    def __repr__(self):
        return f"<ServiceCard {self.number} {self.coverage} {self.starts_on}..{self.ends_on}>"


class ServiceCardUnit(db.Model):
    """A unit a card covers, by its serial (normalised: trimmed, upper case)."""

    __tablename__ = "service_card_units"
    __table_args__ = (Index("ix_service_card_units_serial", "serial"),)

    card_id: Mapped[int] = mapped_column(ForeignKey("service_cards.id", ondelete="CASCADE"), primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), primary_key=True)


class ServiceCardUser(db.Model):
    """A person who may use a card, by phone (as customers' phones are kept: trimmed)."""

    __tablename__ = "service_card_users"
    __table_args__ = (Index("ix_service_card_users_phone", "phone"),)

    card_id: Mapped[int] = mapped_column(ForeignKey("service_cards.id", ondelete="CASCADE"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), primary_key=True)


class ServiceCardPart(db.Model):
    """A part a parts card covers."""

    __tablename__ = "service_card_parts"

    card_id: Mapped[int] = mapped_column(ForeignKey("service_cards.id", ondelete="CASCADE"), primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("parts.id"), primary_key=True, index=True)

    part = relationship("Part", lazy="joined")
