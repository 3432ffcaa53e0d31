"""The outbox of messages to customers: each one kept, with what became of it."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db

# pending: waiting for its (next) attempt; sent: the backend took it; failed: out of attempts.
MESSAGE_STATUSES = ("pending", "sent", "failed")


class Message(db.Model):
    """One message to one phone, written in the transaction that decided to send it."""

    __tablename__ = "messages"
    __table_args__ = (
        # The sender's queue: what is pending and due.
        Index("ix_messages_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    recipient: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    backend: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Where an opt-out came from: the customer's reply to a message (TD), an agent told on the phone, an admin.
OPT_OUT_SOURCES = ("reply", "agent", "admin")


class OptOut(db.Model):
    """A phone whose owner asked for no more care messages (退订): no campaign plans or sends to it."""

    __tablename__ = "opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
