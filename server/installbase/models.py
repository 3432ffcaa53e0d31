"""Sale records: one per unit sold, keyed by its normalised serial."""

import re
from datetime import date

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.extensions import db
from server.models import UTCDateTime
from server.models import utcnow

MAX_SERIAL = 64
SERIAL_PATTERN = re.compile(rf"[^\s\x00]{{1,{MAX_SERIAL}}}")


def normalise_serial(serial):
    """Serials are compared trimmed and in upper case."""
    return serial.strip().upper()


def valid_serial(serial):
    """A normalised serial: 1 to 64 characters, none of them spaces (of any kind) or NUL."""
    return SERIAL_PATTERN.fullmatch(serial) is not None


class SaleRecord(db.Model):
    __tablename__ = "sale_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    # No index on product_id: it would slow every bulk import for lookups nobody makes.
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sale_date: Mapped[date]
    store: Mapped[str] = mapped_column(String(128), default="")
    province_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    customer_phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    source_file: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product", lazy="joined")
    province = relationship("Region", foreign_keys=[province_id])
    city = relationship("Region", foreign_keys=[city_id])

    def __repr__(self):
        return f"<SaleRecord {self.serial}>"
