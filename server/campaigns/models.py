"""Message templates, campaigns and each campaign's recipients."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db

# draft: being written (editable); planned: recipients chosen and queued; sending: the scheduler sends it;
# paused: sending stopped for now; done: no recipient left pending; cancelled: stopped for good.
CAMPAIGN_STATUSES = ("draft", "planned", "sending", "paused", "done", "cancelled")
# pending: queued; sent: handed to the gateway (its message says what became of it); opted_out: the phone
# opted out after planning, so nothing was sent.
RECIPIENT_STATUSES = ("pending", "sent", "opted_out")


class MessageTemplate(db.Model):
    """A reusable care message with ``{placeholder}`` names filled from each recipient's unit."""

    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Campaign(db.Model):
    """One message to many customers: its text (a snapshot, so a template edited later changes nothing
    planned), who it goes to (``filters``), how fast, and where it stands."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    template_id: Mapped[int | None] = mapped_column(ForeignKey("message_templates.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    rate_per_minute: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Recipients queued at planning, and the customers the filters chose who had opted out (not queued).
    planned_count: Mapped[int] = mapped_column(default=0)
    opted_out_count: Mapped[int] = mapped_column(default=0)
    # The sender's clock: the rate allows rate_per_minute messages per minute after this moment.
    sent_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignRecipient(db.Model):
    """One phone a campaign goes to, once: the unit its placeholders are filled from, and its message."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone"),
        # The sender's queue and the results: a campaign's recipients by status.
        Index("ix_campaign_recipients_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(32))
    # No foreign key: a million rows written at planning check nothing they need not, and a sale record is
    # never deleted.
    sale_record_id: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    message_id: Mapped[int | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
