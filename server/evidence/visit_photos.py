"""Evidence photos of a repair: before and after, taken in the app, stamped on the phone, kept on the job.

The phone uploads the stamped JPEG through the sync blob store first, then
names it in ``photo.add`` (or ``POST /api/jobs/<id>/photos``). The server
keeps when it was taken (the earliest capture time anything tells: the EXIF
the phone read from the original, the EXIF still in the stamped file, else
the phone's clock), and fingerprints it like a label photo, so a before or
after photo copied from another job is found when it arrives.
"""

import contextlib
import io
import logging
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import current_app
from PIL import Image
from sqlalchemy import select
from sqlalchemy import union

from scanning import ImageRejected
from scanning import isolated
from scanning import photos
from scanning.fingerprints import CANDIDATE_BITS
from scanning.fingerprints import Fingerprint
from scanning.fingerprints import hamming
from server.core.clock import local_offset
from server.core.reference import invalid
from server.core.roles import PROVIDER_MANAGER
from server.core.roles import TECHNICIAN
from server.errors import Conflict
from server.errors import DomainError
from server.errors import Forbidden
from server.evidence import holders
from server.evidence.models import EVIDENCE_STAGES
from server.evidence.models import EvidencePhoto
from server.evidence.models import Photo
from server.evidence.services import MAX_CANDIDATES
from server.evidence.services import keep_fingerprint
from server.evidence.services import run_isolated
from server.evidence.storage import photo_store
from server.extensions import db
from server.jobs.models import OPEN_STATES
from server.jobs.models import Job
from server.jobs.services.events import record
from server.users.models import User

log = logging.getLogger(__name__)

# A photo may be added while the job is open, and once it is completed until it is closed: the after photo is
# often taken, or synced, just after the completion.
PHOTO_STATES = (*OPEN_STATES, "completed")
# EXIF tags: the Exif sub-IFD, the capture time in it, and the capture time's offset from UTC (EXIF 2.31).
_EXIF_IFD = 0x8769
_DATE_TIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_MASK = (1 << 64) - 1


def add_photo(
    job: Job,
    user: User,
    stage: str,
    sha256: str,
    original_sha256: str,
    exif_taken_at: datetime | None = None,
    position: dict[str, Any] | None = None,
    device_time: datetime | None = None,
) -> EvidencePhoto:
    """Keep a before or after photo of the repair on ``job``; the same photo named again is kept once.

    Only the job's technician, or provider staff of the job's provider, on a
    job still open or just completed (409 ``illegal_transition`` otherwise).
    The photo must be a JPEG that ``user`` uploaded (422 naming ``sha256``:
    ``unknown_photo``, ``not_an_image``…); ``stage`` is ``before`` or ``after``.
    """
    _check_may_add(job, user)
    if stage not in EVIDENCE_STAGES:
        raise invalid("stage", f"give one of {', '.join(EVIDENCE_STAGES)}")
    # The job is locked by the caller: two adds of one photo take turns, and the second finds the first.
    kept = db.session.scalar(
        select(EvidencePhoto).where(EvidencePhoto.job_id == job.id, EvidencePhoto.sha256 == sha256)
    )
    if kept is not None:
        return kept
    data = photo_store().get(sha256) if holders.uploaded(user, sha256) else None
    if data is None:
        message = "No photo with this SHA-256 was uploaded by you: upload it first (PUT /api/sync/blobs/<sha256>)."
        raise DomainError(message, code="unknown_photo", status=422, details={"fields": {"sha256": [message]}})
    try:
        picture, _ = photos.open_checked(data, (photos.JPEG,), *_limits())
    except ImageRejected as exc:
        raise DomainError(
            exc.message, code=exc.code, status=422, details={"fields": {"sha256": [exc.message]}}
        ) from None
    in_file = exif_capture_time(picture.getexif(), local_offset())
    earliest = min((t for t in (exif_taken_at, in_file) if t is not None), default=None)
    photo = EvidencePhoto(
        job_id=job.id,
        stage=stage,
        sha256=sha256,
        original_sha256=original_sha256,
        exif_taken_at=earliest,
        taken_at=earliest or device_time,
        lat=position["lat"] if position else None,
        lng=position["lng"] if position else None,
        accuracy_m=position["accuracy_m"] if position else None,
        created_by_id=user.id,
        device_time=device_time,
    )
    db.session.add(photo)
    db.session.flush()
    event: dict[str, Any] = {"evidence_photo_id": photo.id, "stage": stage, "sha256": sha256}
    print_ = _fingerprint(sha256, data)
    if print_ is not None:
        reused = _reused_by(job, photo, print_, data)
        if reused is not None:
            other = db.session.get_one(Job, reused.job_id)
            event["reused_from"] = {"job_id": other.id, "job_number": other.number, "sha256": reused.sha256}
    record(job, "photo", user, from_state=job.state, device_time=device_time, data=event)
    db.session.flush()
    return photo


def _limits() -> tuple[int, int]:
    return current_app.config["SCAN_MAX_PIXELS"], current_app.config["SCAN_MAX_SIDE"]


def _check_may_add(job: Job, user: User) -> None:
    if user.role == TECHNICIAN:
        if job.technician_id != user.id:
            raise Forbidden(f"Job {job.number} is not assigned to you.", code="not_your_job")
    elif user.role == PROVIDER_MANAGER:
        if job.provider_id is None or job.provider_id != user.provider_id:
            raise Forbidden(f"Job {job.number} is not your company's.", code="not_your_job")
    else:
        raise Forbidden(
            f"A {user.role} may not add photos to a job.",
            code="role_forbidden",
            details={"allowed_roles": [TECHNICIAN, PROVIDER_MANAGER]},
        )
    if job.state not in PHOTO_STATES:
        raise Conflict(
            f"Job {job.number} is {job.state}; photos can no longer be added.",
            code="illegal_transition",
            details={"state": job.state, "action": "photo", "allowed_from": list(PHOTO_STATES)},
        )


def exif_capture_time(exif: Image.Exif, default_offset: timedelta) -> datetime | None:
    """When the camera says it took the photo (EXIF DateTimeOriginal), in UTC; None when it does not say.

    A camera writes the local time; the offset beside it when it wrote one,
    else ``default_offset`` (the users' zone). A value that is no date is none.
    """
    tags = exif.get_ifd(_EXIF_IFD)
    written = tags.get(_DATE_TIME_ORIGINAL)
    if not isinstance(written, str):
        return None
    try:
        moment = datetime.strptime(written.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = default_offset
    zone = tags.get(_OFFSET_TIME_ORIGINAL)
    if isinstance(zone, str):
        with contextlib.suppress(ValueError):
            offset = datetime.strptime(zone.strip("\x00 "), "%z").utcoffset() or default_offset
    return (moment - offset).replace(tzinfo=UTC)


def _fingerprint(sha256: str, data: bytes) -> Fingerprint | None:
    """The photo's fingerprint, its Photo row kept so later photos find it; None when it could not be made.

    The photo is already kept on the job: a fingerprint that could not be made
    now (the decoders busy, the picture too costly) costs the reuse check of
    this one photo, never the technician's evidence.
    """
    try:
        print_: Fingerprint = run_isolated(isolated.photo_print, data, *_limits())
    except (ImageRejected, DomainError) as exc:
        log.warning("evidence photo %s was kept without a fingerprint: %s", sha256, exc)
        return None
    picture = Image.open(io.BytesIO(data))
    keep_fingerprint(print_, photos.JPEG.content_type, len(data), picture.width, picture.height)
    return print_


def _reused_by(job: Job, photo: EvidencePhoto, print_: Fingerprint, data: bytes) -> EvidencePhoto | None:
    """An evidence photo of another job that is this very photograph (copied, re-encoded, cropped…), or None.

    Candidates: the same stamped bytes or the same original on another job, and
    photos sharing a hash band; each within ``CANDIDATE_BITS`` is verified by its grain.
    """
    others = select(EvidencePhoto).where(EvidencePhoto.job_id != job.id).order_by(EvidencePhoto.id)
    same = db.session.scalar(
        others.where(
            (EvidencePhoto.sha256 == photo.sha256) | (EvidencePhoto.original_sha256 == photo.original_sha256)
        ).limit(1)
    )
    if same is not None:
        return same
    bands = print_.bands()
    near = union(
        *(select(Photo.sha256).where(getattr(Photo, f"band{index}") == band) for index, band in enumerate(bands))
    ).limit(MAX_CANDIDATES * 5)
    rows = db.session.execute(
        select(EvidencePhoto.id, Photo.sha256, Photo.phash)
        .join(Photo, Photo.sha256 == EvidencePhoto.sha256)
        .where(EvidencePhoto.job_id != job.id, EvidencePhoto.sha256.in_(near))
        .limit(MAX_CANDIDATES * 5)
    ).all()
    nearest = sorted((hamming(phash & _MASK, print_.phash), photo_id, sha) for photo_id, sha, phash in rows)
    store = photo_store()
    held = []
    for distance, photo_id, sha in nearest[:MAX_CANDIDATES]:
        stored = store.get(sha) if distance <= CANDIDATE_BITS else None
        if stored is not None:
            held.append((photo_id, stored))
    if not held:
        return None
    try:
        index = run_isolated(isolated.first_same_capture, data, [stored for _, stored in held])
    except (ImageRejected, DomainError) as exc:
        log.warning("the reuse check of evidence photo %s stopped: %s", photo.sha256, exc)
        return None
    return db.session.get(EvidencePhoto, held[index][0]) if index is not None else None
