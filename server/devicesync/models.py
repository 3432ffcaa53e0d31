"""The change log of each audience, the devices that push, and every op they pushed with its result."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db


class Audience(db.Model):
    """One change feed (a technician's jobs, a provider's, a province's requisitions, the catalogue).

    ``last_seq`` is bumped inside the writing transaction, under the row's lock,
    so an audience's sequence numbers follow commit order: a reader that has
    seen seq N has seen everything below it. ``floor_seq``: changes at or below
    it were compacted away; a cursor below it must start again from a snapshot.
    """

    __tablename__ = "sync_audiences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    floor_seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Change(db.Model):
    """A ``put`` (the entity as it is now) or ``remove`` (gone from this audience) in one feed."""

    __tablename__ = "sync_changes"
    __table_args__ = (UniqueConstraint("audience", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    audience: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Client(db.Model):
    """A device (one app install) of one user, and the last op of its sequence the server has taken."""

    __tablename__ = "sync_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    schema_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PushedOp(db.Model):
    """An op a device pushed, kept with its result whatever it was: what the technician did is never lost."""

    __tablename__ = "sync_ops"
    __table_args__ = (
        UniqueConstraint("client_id", "seq"),
        Index("ix_sync_ops_result", "result", "received_at"),
    )

    op_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("sync_clients.client_id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    client_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    result: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64), default="")
    message: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")
    # The job the op was about, when it named one the user could see: dispatch reads it by its number.
    job = relationship("Job")
