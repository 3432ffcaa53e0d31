"""One notification per recipient, read or unread."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # A user's list, newest first, and the unread badge.
        Index("ix_notifications_user_read", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # What happened, as a stable code the app translates: job_escalated, job_overdue, ...
    kind: Mapped[str] = mapped_column(String(32))
    # The same in words (English), for clients that do not know the kind.
    message: Mapped[str] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Notifications that must go out once only (a reminder, an overdue stage) carry a key.
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
