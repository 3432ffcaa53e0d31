"""Sale records: one per unit sold, keyed by its normalised serial."""

from datetime import date
from datetime import datetime

from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db


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
    # Where the unit was installed, when the sale knows (optional import columns; see COORD_SYSTEMS).
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    coord_system: Mapped[str | None] = mapped_column(String(8))
    source_file: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product", lazy="joined")
    province = relationship("Region", foreign_keys=[province_id])
    city = relationship("Region", foreign_keys=[city_id])

    def __repr__(self):
        return f"<SaleRecord {self.serial}>"
