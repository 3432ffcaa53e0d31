"""The record of what happened to a job."""

from datetime import datetime
from typing import Any

from server.core.clock import utcnow
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.users.models import User


def record(
    job: Job,
    kind: str,
    actor: User | None,
    *,
    from_state: str | None = None,
    device_time: datetime | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> JobEvent:
    """Append one event to the job's history: what, who, when, and the phone's clock for field steps."""
    event = JobEvent(
        job_id=job.id,
        kind=kind,
        from_state=from_state,
        to_state=job.state,
        actor_id=actor.id if actor is not None else None,
        at=at or utcnow(),
        device_time=device_time,
        note=note or "",
        data=data,
    )
    db.session.add(event)
    return event
