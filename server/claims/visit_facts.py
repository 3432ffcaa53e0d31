"""What a claim's visit checks know of its job, read in one query: where the phone was (its fixes and the
address), what the customer confirmed, and whether it holds evidence photos.

The position checks, the confirmation checks and the photo checks all start from the same job row: reading it
once, with its address and its fixes joined (a row per fix), is one round trip where each check reading its own
columns took three, and most of a claim's visit checks is round trips. The values are plain frozen dataclasses,
so the rules that judge them are tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam
from sqlalchemy import exists
from sqlalchemy import select

from server.core.geo import to_wgs84
from server.evidence.models import EvidencePhoto
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import PositionFix
from server.jobs.models import ServiceRequest

if TYPE_CHECKING:  # checks.py imports the checks that import this module
    from server.claims.checks import ClaimFacts


@dataclass(frozen=True)
class Fix:
    """A phone's position at a step of a job (WGS-84)."""

    job_id: int
    job_number: str
    step: str
    lat: float
    lng: float
    accuracy_m: float
    fix_time: datetime


@dataclass(frozen=True)
class Visit:
    """What the position checks know of one job's visit."""

    job_id: int
    job_number: str
    job_type: str
    arrived_at: datetime | None
    completed_at: datetime | None
    address: tuple[float, float] | None  # WGS-84, converted from the address's datum
    fixes: tuple[Fix, ...]


@dataclass(frozen=True)
class Confirmation:
    """What a job holds of its customer's confirmation."""

    job_id: int
    job_number: str
    completed_at: datetime | None
    method: str | None  # None: no completion, or one sent without a confirmation (an older app)
    reason: str = ""
    code_typed: str = ""
    code_ok: bool | None = None
    code_sent_at: datetime | None = None  # None: no completion code was ever sent for the job
    signature_sha256: str | None = None
    signature_pixels_sha256: str | None = None  # the hash of its decoded pixels


@dataclass(frozen=True)
class JobVisit:
    """A claim's job as its visit checks read it."""

    visit: Visit
    confirmation: Confirmation
    technician_id: int | None
    created_at: datetime
    has_photos: bool


FIX_COLUMNS = (
    PositionFix.job_id,
    PositionFix.step,
    PositionFix.lat,
    PositionFix.lng,
    PositionFix.accuracy_m,
    PositionFix.fix_time,
)

# Built once, with a bound parameter: building a statement costs more than running this one.
_READ = (
    select(
        Job.number,
        Job.job_type,
        Job.arrived_at,
        Job.completed_at,
        Job.technician_id,
        Job.created_at,
        Job.confirmation_method,
        Job.confirmation_reason,
        Job.confirmation_code,
        Job.confirmation_code_ok,
        Job.completion_code_sent_at,
        Job.completion_code_digest,
        Job.signature_sha256,
        Job.signature_pixels_sha256,
        ServiceRequest.lat.label("address_lat"),
        ServiceRequest.lng.label("address_lng"),
        ServiceRequest.coord_system,
        exists().where(EvidencePhoto.job_id == Job.id).label("has_photos"),
        PositionFix.step,
        PositionFix.lat.label("fix_lat"),
        PositionFix.lng.label("fix_lng"),
        PositionFix.accuracy_m,
        PositionFix.fix_time,
    )
    .join(ServiceRequest, ServiceRequest.id == Job.request_id)
    .outerjoin(PositionFix, PositionFix.job_id == Job.id)
    .where(Job.id == bindparam("job_id"))
    .order_by(PositionFix.fix_time, PositionFix.id)
)


def read_job_visit(job_id: int) -> JobVisit | None:
    """The job ``job_id`` as its visit checks see it; None: no such job."""
    # What this transaction changed is written first, as a query through the session would; the checks then read
    # through the connection (the ORM's execution costs more than these queries take to run).
    db.session.flush()
    rows = db.session.connection().execute(_READ, {"job_id": job_id}).all()
    if not rows:
        return None
    row = rows[0]
    address = None
    if row.address_lat is not None and row.address_lng is not None and row.coord_system is not None:
        address = to_wgs84(row.address_lat, row.address_lng, row.coord_system)
    fixes = tuple(
        Fix(job_id, row.number, fix.step, fix.fix_lat, fix.fix_lng, fix.accuracy_m, fix.fix_time)
        for fix in rows
        if fix.step is not None
    )
    visit = Visit(job_id, row.number, row.job_type, row.arrived_at, row.completed_at, address, fixes)
    confirmation = Confirmation(
        job_id=job_id,
        job_number=row.number,
        completed_at=row.completed_at,
        method=row.confirmation_method,
        reason=row.confirmation_reason,
        code_typed=row.confirmation_code,
        code_ok=row.confirmation_code_ok,
        code_sent_at=row.completion_code_sent_at if row.completion_code_digest else None,
        signature_sha256=row.signature_sha256,
        signature_pixels_sha256=row.signature_pixels_sha256 if row.confirmation_method == "signature" else None,
    )
    return JobVisit(visit, confirmation, row.technician_id, row.created_at, bool(row.has_photos))


def job_visit(facts: ClaimFacts) -> JobVisit | None:
    """The claim's job as its visit checks see it, read once for all of them (kept on ``facts``); None for a
    claim on no job."""
    if facts.job_id is None:
        return None
    cached = vars(facts).get("_job_visit")
    if cached is None or cached.visit.job_id != facts.job_id:
        cached = read_job_visit(facts.job_id)
        vars(facts)["_job_visit"] = cached
    return cached
