"""The record of what happened to a job."""

from server.core.clock import utcnow
from server.extensions import db
from server.jobs.models import JobEvent


def record(job, kind, actor, *, from_state=None, device_time=None, note="", data=None, at=None):
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
