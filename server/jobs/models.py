"""Customers, service requests (what the customer asked for), jobs (the work dispatched),
the record of everything that happened to a job, serial scans, and the SLA policy."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import Boolean
from sqlalchemy import Float
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
# The SLA stages, in the order a visit passes them.
SLA_STAGES = ("contact", "arrive", "complete")
# The column that records when each stage was reached.
REACHED_AT = {"contact": "contacted_at", "arrive": "arrived_at", "complete": "completed_at"}
# The column that holds each stage's deadline.
DUE_AT = {stage: f"{stage}_due_at" for stage in SLA_STAGES}
# What the SLA report reads of a job: each stage's deadline and when it was reached.
SLA_COLUMNS = tuple(column for stage in SLA_STAGES for column in (DUE_AT[stage], REACHED_AT[stage]))
# What the reports filter and group a range's jobs by.
REPORTED = ("state", "province_id", "provider_id", "technician_id")
# How a serial was read off the unit. Only a barcode read counts as the scan a warranty close-out needs.
SCAN_SOURCES = ("camera", "photo", "typed")
BARCODE_SOURCES = ("camera", "photo")
# How the customer confirmed a completed visit: a code sent to their phone, a signature, or none (with a reason).
CONFIRMATION_METHODS = ("code", "signature", "none")
# The datum of an address's coordinates: GPS's WGS-84, or the offset systems of Chinese maps (AMap/Tencent's
# GCJ-02, Baidu's BD-09), 100-700 m off WGS-84.
COORD_SYSTEMS = ("wgs84", "gcj02", "bd09")
# The steps of a visit at which the phone records its position.
FIX_STEPS = ("arrive", "complete")


class Customer(db.Model):
    """A customer, known by phone: the call centre's way in to units, requests and history."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region = relationship("Region")


class ServiceRequest(db.Model):
    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    serial: Mapped[str] = mapped_column(String(64), default="", index=True)
    # The serial while the request is open, NULL once its job is closed or cancelled: the
    # unique constraint is what stops two open requests for one unit, even when two agents
    # record them at the same moment.
    open_serial: Mapped[str | None] = mapped_column(String(64), unique=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    customer_name: Mapped[str] = mapped_column(String(128), default="")
    customer_phone: Mapped[str] = mapped_column(String(32), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    fault_description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    # The time the customer would like the visit, if they said.
    # Where the address is, when the channel knows (a map pick, the sale record's): checked against the
    # technician's position at arrival. In ``coord_system``'s datum, converted to WGS-84 before measuring.
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    coord_system: Mapped[str | None] = mapped_column(String(8))
    preferred_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    preferred_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product = relationship("Product", lazy="joined")
    region = relationship("Region")
    customer = relationship("Customer")


class Job(db.Model):
    """A dispatch ticket (派工单): one owner from request to close-out."""

    __tablename__ = "jobs"
    __table_args__ = (
        # A technician's or a provider's jobs, newest first: the list every phone asks for.
        Index("ix_jobs_technician_created", "technician_id", "created_at"),
        Index("ix_jobs_provider_created", "provider_id", "created_at"),
        # The reports read a year of a national network, a million jobs, from these two alone. The jobs opened
        # in a range (SLA), with what the report groups, filters and counts by: SQLite, which has no hash
        # aggregation, otherwise read each job's whole row by its id, half of its time.
        Index("ix_jobs_created_report", "created_at", *REPORTED, *SLA_COLUMNS),
        # The jobs completed in a range (workload, complaint rates, the callback scan), grouped as above.
        Index("ix_jobs_completed_report", "completed_at", *REPORTED, "region_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    # The request's product, kept on the job too: the workload report groups a year of jobs by product
    # line, and a join to a million requests would cost it more than its whole time budget.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    job_type: Mapped[str] = mapped_column(String(16), default="warranty")
    # The service card the job type relied on: a unit out of its factory warranty under a customer's card.
    card_number: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    # The province of the region, kept so that scopes and reports need no walk up the tree.
    province_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SLA deadlines, fixed when the job is created, and when each stage was reached.
    contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrive_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complete_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Indexed (ix_jobs_completed_report): the callback scan and the reports take the jobs completed in a range.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the scheduler found a stage overdue and escalated it (once per stage).
    contact_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrive_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    complete_overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The completion record: what was done, and who confirmed it for the customer.
    completion_summary: Mapped[str] = mapped_column(Text, default="")
    confirmed_by: Mapped[str] = mapped_column(String(128), default="")
    # The knowledge base's fault code the technician diagnosed; counted in the defect statistics.
    fault_code: Mapped[str | None] = mapped_column(String(32), index=True)
    # The customer's confirmation of the completion (CONFIRMATION_METHODS). For a code: what the technician
    # typed, and whether it was the customer's (checked by the server: the phone never knows the code).
    # For a signature: the PNG's hash (a sync blob) and the hash of the completion summary the customer saw.
    # For none: why.
    confirmation_method: Mapped[str | None] = mapped_column(String(16))
    confirmation_code: Mapped[str] = mapped_column(String(16), default="", server_default="")
    confirmation_code_ok: Mapped[bool | None] = mapped_column(Boolean)
    signature_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # The hash of the signature's decoded pixels: the same drawing saved again as another file has the same.
    signature_pixels_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    signed_summary_sha256: Mapped[str | None] = mapped_column(String(64))
    confirmation_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The completion code sent to the customer at dispatch, kept only as a keyed digest, and when it was sent.
    completion_code_digest: Mapped[str | None] = mapped_column(String(64))
    completion_code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # Indexed (ix_jobs_created_report) for the SLA report, which takes the jobs opened in its range.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Every change bumps it; an update based on a stale read fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    request = relationship("ServiceRequest", lazy="joined", innerjoin=True)
    region = relationship("Region", foreign_keys=[region_id])
    province = relationship("Region", foreign_keys=[province_id])
    provider = relationship("Provider")
    technician = relationship("User")
    # The proof of the visit: where the phone was at arrival and completion, the repair's photos (evidence's).
    fixes = relationship("PositionFix", order_by="PositionFix.id", viewonly=True, lazy="selectin")
    evidence_photos = relationship("EvidencePhoto", order_by="EvidencePhoto.id", viewonly=True, lazy="selectin")

    def due_at(self, stage):
        return getattr(self, DUE_AT[stage])

    def overdue_stages(self, now):
        """The SLA stages whose deadline has passed without being reached (nothing once the job has ended)."""
        if self.state in ("closed", "cancelled"):
            return []
        # Each value read once, by its column's name: every job of a device's first pull is asked this.
        overdue = []
        for stage in SLA_STAGES:
            due = getattr(self, DUE_AT[stage])
            if due is not None and due < now and getattr(self, REACHED_AT[stage]) is None:
                overdue.append(stage)
        return overdue


class JobEvent(db.Model):
    """One thing that happened to a job: a transition, an assignment, a contact, an escalation.

    ``at`` is the server's time; ``device_time`` is the phone's clock for field
    steps, kept as a fact beside it and never used to order anything.
    """

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    # None when the scheduler acted.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User")


class Scan(db.Model):
    """A serial read off a unit on a job: by barcode (camera or photo) or typed by hand."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    serial: Mapped[str] = mapped_column(String(64), index=True)
    symbology: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the label photo kept as evidence, when there is one.
    photo_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For a photo read on the server: the serial the technician typed, every barcode read,
    # how the serial was chosen and why, and the flags raised.
    typed_serial: Mapped[str] = mapped_column(String(64), default="", server_default="")
    serial_source: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    barcodes: Mapped[list | None] = mapped_column(JSON)
    flags: Mapped[list | None] = mapped_column(JSON)


class SlaPolicy(db.Model):
    """Deadlines of one area class, in minutes from the job's creation."""

    __tablename__ = "sla_policies"

    area_class: Mapped[str] = mapped_column(String(16), primary_key=True)
    contact_minutes: Mapped[int]
    arrive_minutes: Mapped[int]
    complete_minutes: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PositionFix(db.Model):
    """Where the technician's phone was at a step of a visit (WGS-84, from the browser's Geolocation API,
    taken offline too): the proof that somebody stood at the customer's door."""

    __tablename__ = "position_fixes"
    __table_args__ = (
        # A technician's fixes in time order: the travel and overlap checks read the neighbours of a visit, from
        # the index alone on PostgreSQL (a technician's fixes lie all over the table).
        Index(
            "ix_position_fixes_technician_time",
            "technician_id",
            "fix_time",
            postgresql_include=["id", "job_id", "step", "lat", "lng", "accuracy_m"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    step: Mapped[str] = mapped_column(String(16))  # FIX_STEPS
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    fix_time: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
