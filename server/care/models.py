"""Callbacks (回访) to customers after a repair, complaints (投诉) and their close-out,
and customer-care reminders that become tasks for the call centre.

Callbacks and complaints carry the job's province, region, provider, technician and
product themselves, fixed when they are made: reports of satisfaction and complaint
rates aggregate these tables alone, and a job moved later does not rewrite history.
"""

from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import CheckConstraint
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import SmallInteger
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import false
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db

# A callback waits to be made (open), or is done: the customer was reached, or never was.
CALLBACK_OPEN = "open"
CALLBACK_REACHED = "reached"
CALLBACK_UNREACHABLE = "unreachable"
CALLBACK_STATUSES = (CALLBACK_OPEN, CALLBACK_REACHED, CALLBACK_UNREACHABLE)
# The three satisfaction scores of a callback, each 1 (very poor) to 5 (very good).
SCORES = ("timeliness", "attitude", "quality")

COMPLAINT_OPEN = "open"
COMPLAINT_CLOSED = "closed"
COMPLAINT_STATUSES = (COMPLAINT_OPEN, COMPLAINT_CLOSED)
COMPLAINT_CHANNELS = ("phone", "callback", "web", "wechat", "email")
COMPLAINT_CATEGORIES = ("late_visit", "parts_delay", "repair_quality", "attitude", "charges")

REMINDER_KINDS = ("filter_change", "warranty_ending", "other")
TASK_OPEN = "open"
TASK_DONE = "done"
TASK_STATUSES = (TASK_OPEN, TASK_DONE)


def _score_check(name):
    return CheckConstraint(f"{name} IS NULL OR ({name} >= 1 AND {name} <= 5)", name=f"{name}_1_to_5")


class Callback(db.Model):
    """The call to a customer some days after their job was completed: one per job, ever."""

    __tablename__ = "callbacks"
    __table_args__ = (
        # The agents' queue: open callbacks by when they may be tried, and by when they were due.
        Index("ix_callbacks_status_next_attempt", "status", "next_attempt_at"),
        Index("ix_callbacks_status_due", "status", "due_at"),
        # Reports drill down province → provider → technician over a period.
        Index("ix_callbacks_scope", "province_id", "provider_id", "technician_id"),
        Index("ix_callbacks_provider_closed", "provider_id", "closed_at"),
        _score_check("timeliness"),
        _score_check("attitude"),
        _score_check("quality"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: the scheduler run twice, or two at once, never calls a customer twice about one job.
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CALLBACK_OPEN)
    # When the call was due (the job's completion plus its job type's delay); overdue counts from here.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When it may be tried (again): the due time, then after each unanswered try the retry delay later.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the agents were told it is overdue (once).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    timeliness: Mapped[int | None] = mapped_column(SmallInteger)
    attitude: Mapped[int | None] = mapped_column(SmallInteger)
    quality: Mapped[int | None] = mapped_column(SmallInteger)
    comments: Mapped[str] = mapped_column(Text, default="")
    # The facts of the job at the time of the call, for reports that need no join.
    job_type: Mapped[str] = mapped_column(String(16))
    job_completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    product_category: Mapped[str | None] = mapped_column(String(32))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    job = relationship("Job")
    provider = relationship("Provider")
    # The complaint this callback opened, if any (the complaint holds the link: no cycle of keys).
    complaint = relationship(
        "Complaint", primaryjoin="Callback.id == Complaint.callback_id", uselist=False, viewonly=True
    )
    history = relationship("CallbackAttempt", order_by="CallbackAttempt.id", lazy="selectin")


class CallbackAttempt(db.Model):
    """One try at a callback: who called, when, whether the customer answered and what they said."""

    __tablename__ = "callback_attempts"
    __table_args__ = (_score_check("timeliness"), _score_check("attitude"), _score_check("quality"))

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reached: Mapped[bool]
    timeliness: Mapped[int | None] = mapped_column(SmallInteger)
    attitude: Mapped[int | None] = mapped_column(SmallInteger)
    quality: Mapped[int | None] = mapped_column(SmallInteger)
    comments: Mapped[str] = mapped_column(Text, default="")

    agent = relationship("User")


class Complaint(db.Model):
    """A customer's complaint, against a job and/or a provider, technician or product, until closed out."""

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_status_due", "status", "due_at"),
        # Reports drill down province → provider → technician over a period.
        Index("ix_complaints_scope", "province_id", "provider_id", "technician_id"),
        Index("ix_complaints_provider_created", "provider_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=COMPLAINT_OPEN)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    # The callback that opened it, when a low score or the customer's word did.
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id", ondelete="SET NULL"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    serial: Mapped[str] = mapped_column(String(64), default="", index=True)
    province_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    product_category: Mapped[str | None] = mapped_column(String(32))
    # Set on every complaint of a customer or unit that complained more than once within the repeat window.
    repeat: Mapped[bool] = mapped_column(default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(Text, default="")
    customer_confirmed: Mapped[bool] = mapped_column(default=False)
    # Found, at close-out, to be the provider's fault: its statement then carries a COMPLAINT_DEDUCTION.
    upheld: Mapped[bool] = mapped_column(default=False, server_default=false())

    job = relationship("Job")
    provider = relationship("Provider")
    product = relationship("Product")
    events = relationship("ComplaintEvent", order_by="ComplaintEvent.id", lazy="selectin")


class ComplaintEvent(db.Model):
    """One step in a complaint's handling: opened, assigned, a note, closed."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # None when the system acted (a complaint opened by a callback's low score is the agent's).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User")


class CustomerReminder(db.Model):
    """Something to do for a customer on a day (change a filter, offer a warranty extension)."""

    __tablename__ = "customer_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # The users' calendar day (local time) it falls due.
    due_on: Mapped[date] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    serial: Mapped[str] = mapped_column(String(64), default="")
    # Reminders the scheduler sets itself carry a key, so that it never sets one twice.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # When the scheduler turned it into a care task.
    raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CareTask(db.Model):
    """A due reminder in the agents' queue, until an agent has done it."""

    __tablename__ = "care_tasks"
    __table_args__ = (Index("ix_care_tasks_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: a reminder raised twice (two runs, two schedulers) is still one task.
    reminder_id: Mapped[int] = mapped_column(ForeignKey("customer_reminders.id", ondelete="CASCADE"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=TASK_OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    done_note: Mapped[str] = mapped_column(Text, default="")

    reminder = relationship("CustomerReminder", lazy="joined")
    customer = relationship("Customer", lazy="joined")
