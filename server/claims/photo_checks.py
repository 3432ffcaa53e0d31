"""The checks of a claim's evidence photos: taken before the job existed, or copied from another job.

Both are computed at claim time from what the job holds: the photos' capture
times (kept when each photo arrived, from its EXIF or the phone's clock) and
what the reuse check found when each arrived (the job's ``photo`` events).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from sqlalchemy import select

from server.claims.visit_facts import job_visit
from server.evidence.models import EvidencePhoto
from server.extensions import db
from server.jobs.models import JobEvent

if TYPE_CHECKING:
    # checks.py runs these checks, so it imports this module: the types alone come back the other way.
    from server.claims.checks import ClaimFacts
    from server.claims.checks import Flag


def old_photo_flags(photos: Sequence[Any], dispatched_at: datetime, job_number: str) -> list["Flag"]:
    """OLD_PHOTO for each photo (its ``stage``, ``sha256`` and ``taken_at``) whose capture time is before the job
    was dispatched (the rule alone)."""
    flags: list[Flag] = []
    for photo in photos:
        if photo.taken_at is None or photo.taken_at >= dispatched_at:
            continue
        flags.append(
            (
                "OLD_PHOTO",
                f"The {photo.stage} photo {photo.sha256[:12]} was taken at {photo.taken_at.isoformat()}, before job "
                f"{job_number} was dispatched at {dispatched_at.isoformat()}.",
                {
                    "photo_sha256": photo.sha256,
                    "stage": photo.stage,
                    "taken_at": photo.taken_at.isoformat(),
                    "dispatched_at": dispatched_at.isoformat(),
                    "job_number": job_number,
                },
            )
        )
    return flags


def dispatched_at(job_id: int, created_at: datetime) -> datetime:
    """When the job was first dispatched; its creation when it never was (a job worked without dispatch)."""
    first = db.session.scalar(
        select(JobEvent.at).where(JobEvent.job_id == job_id, JobEvent.kind == "dispatched").order_by(JobEvent.at)
    )
    return first or created_at


def _photos(facts: "ClaimFacts") -> Sequence[Any]:
    """The claim's job's evidence photos (stage, sha256, taken_at), read once for both checks (kept on
    ``facts``): a job without any (most) costs no read, the job's visit read says so."""
    read = job_visit(facts)
    if read is None or not read.has_photos:
        return ()
    cached = vars(facts).get("_evidence_photos")
    if cached is None or cached[0] != facts.job_id:
        rows = db.session.execute(
            select(EvidencePhoto.stage, EvidencePhoto.sha256, EvidencePhoto.taken_at)
            .where(EvidencePhoto.job_id == facts.job_id)
            .order_by(EvidencePhoto.id)
        ).all()
        cached = (facts.job_id, rows)
        vars(facts)["_evidence_photos"] = cached
    return cached[1]


def old_photo(facts: "ClaimFacts") -> list["Flag"]:
    photos = _photos(facts)
    if not photos:
        return []
    read = job_visit(facts)
    assert read is not None  # the job's photos were found
    return old_photo_flags(photos, dispatched_at(read.visit.job_id, read.created_at), read.visit.job_number)


def evidence_photo_reused(facts: "ClaimFacts") -> list["Flag"]:
    """PHOTO_REUSED for each evidence photo the reuse check found, on arrival, to be another job's photograph."""
    if not _photos(facts):  # what the reuse check found is on the photos' events: no photos, no events
        return []
    events = db.session.scalars(
        select(JobEvent).where(JobEvent.job_id == facts.job_id, JobEvent.kind == "photo").order_by(JobEvent.id)
    )
    flags: list[Flag] = []
    for event in events:
        data = event.data or {}
        other = data.get("reused_from")
        if not other:
            continue
        flags.append(
            (
                "PHOTO_REUSED",
                f"The {data.get('stage')} photo {str(data.get('sha256'))[:12]} is the same photograph as one on job "
                f"{other['job_number']}.",
                {
                    "photo_sha256": data.get("sha256"),
                    "stage": data.get("stage"),
                    "other_job_id": other["job_id"],
                    "other_job_number": other["job_number"],
                    "other_photo_sha256": other["sha256"],
                },
            )
        )
    return flags


PHOTO_CHECKS = (old_photo, evidence_photo_reused)
