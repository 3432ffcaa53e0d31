"""The record of what happened to a job."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from server.core.bulk import insert_rows
from server.core.clock import utcnow
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.users.models import User

# Where the events recorded inside ``written_together`` wait (in the session's info).
_TOGETHER = "job-events-together"


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
) -> None:
    """Append one event to the job's history: what, who, when, and the phone's clock for field steps.

    Written at the session's next flush, or inside ``written_together`` as it ends."""
    row = {
        "job_id": job.id,
        "kind": kind,
        "from_state": from_state,
        "to_state": job.state,
        "actor_id": actor.id if actor is not None else None,
        "at": at or utcnow(),
        "device_time": device_time,
        "note": note or "",
        "data": data,
    }
    waiting = db.session.info.get(_TOGETHER)
    if waiting is not None:
        waiting.append(row)
    else:
        db.session.add(JobEvent(**row))


@contextmanager
def written_together() -> Iterator[None]:
    """The events recorded inside are written as it ends, in one statement, in the order recorded; if it
    ends by an exception none is (the caller rolls back what they belonged to).

    A push records an event an op; as objects the session tracks, each cost more than the op's own work (an
    object built, its row's values collected again at the flush, its id read back). Nothing reads a job's
    history in the middle of an op, so a push's can wait for its end. Inside another, the outer one writes.
    """
    info = db.session.info
    if _TOGETHER in info:
        yield
        return
    waiting: list[dict[str, Any]] = []
    info[_TOGETHER] = waiting
    try:
        yield
    finally:
        del info[_TOGETHER]
    if waiting:
        insert_rows(JobEvent.__table__, waiting)
