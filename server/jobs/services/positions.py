"""The phone's position at a step of a visit, kept as the proof that somebody stood at the door."""

from collections.abc import Mapping
from typing import Any

from server.extensions import db
from server.jobs.models import FIX_STEPS
from server.jobs.models import Job
from server.jobs.models import PositionFix


def record_fix(job: Job, step: str, position: Mapping[str, Any] | None) -> PositionFix | None:
    """Keep the phone's ``position`` (PositionArgs, validated) at ``step`` of ``job``; None when none was given.

    The fix is the technician's who holds the job at this step: the travel and overlap checks follow a
    technician's fixes from job to job.
    """
    if position is None:
        return None
    assert step in FIX_STEPS
    assert job.technician_id is not None  # a field step is taken by the job's technician
    fix = PositionFix(
        job_id=job.id,
        technician_id=job.technician_id,
        step=step,
        lat=position["lat"],
        lng=position["lng"],
        accuracy_m=position["accuracy_m"],
        fix_time=position["fix_time"],
    )
    db.session.add(fix)
    db.session.flush()
    # The job's fixes were loaded with it: the answer must show the new one.
    db.session.expire(job, ["fixes"])
    return fix
