"""Service requests (what the customer asked for) and jobs (the work dispatched)."""

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.extensions import db
from server.models import UTCDateTime
from server.models import utcnow

CHANNELS = ("phone", "web", "wechat")
JOB_TYPES = ("warranty", "paid", "installation")
JOB_STATES = (
    "new",
    "dispatched",
    "accepted",
    "en_route",
    "on_site",
    "waiting_parts",
    "completed",
    "closed",
    "cancelled",
)
OPEN_STATES = ("new", "dispatched", "accepted", "en_route", "on_site", "waiting_parts")


class ServiceRequest(db.Model):
    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    serial: Mapped[str] = mapped_column(String(64), default="", index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    customer_name: Mapped[str] = mapped_column(String(128), default="")
    customer_phone: Mapped[str] = mapped_column(String(32), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    fault_description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product")
    region = relationship("Region")


class Job(db.Model):
    """A dispatch ticket (派工单): one owner from request to close-out."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    job_type: Mapped[str] = mapped_column(String(16), default="warranty")
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    request = relationship("ServiceRequest")
    provider = relationship("Provider")
    technician = relationship("User")
