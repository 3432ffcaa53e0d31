"""The record of each scheduler run."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db

RUN_OUTCOMES = ("running", "ok", "error")


class SchedulerRun(db.Model):
    __tablename__ = "scheduler_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="running")
    # What the run did ("3 jobs overdue") or why it failed.
    detail: Mapped[str] = mapped_column(Text, default="")
    # Which scheduler process acted: host and pid.
    worker: Mapped[str] = mapped_column(String(128), default="")
