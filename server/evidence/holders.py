"""Who holds a photo, who may see it, and who may cite it in a scan.

A photo is named by its SHA-256, and a hash is easily learnt (a scan shows it,
an op carries it). Knowing it must not be enough: a photo's bytes, and even
whether the server has them, are shown only to whoever sent them and to those
who may see a scan citing them; and a scan may cite only a photo its technician
sent, or one their provider holds already (a colleague sent it, or a scan on
one of the provider's jobs cites it).
"""

from typing import Any

from sqlalchemy import Select
from sqlalchemy import or_
from sqlalchemy import select

from server.core.roles import ADMIN
from server.core.roles import AUDITOR
from server.errors import DomainError
from server.evidence.models import PhotoUpload
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import Scan
from server.jobs.services.queries import visible_jobs
from server.users.models import User


def visible_scans(user: User, statement: Select[Any]) -> Select[Any]:
    """``statement`` (over scans) narrowed to those ``user`` may see: their own, those on a job of their
    slice, every one for admins and auditors."""
    if user.role in (ADMIN, AUDITOR):
        return statement
    return statement.where(or_(Scan.created_by_id == user.id, Scan.job_id.in_(visible_jobs(user, select(Job.id)))))


def record_upload(user: User, sha256: str) -> bool:
    """Note that ``user`` sent the bytes of ``sha256``; True when they had not before.

    The caller holds the photo's lock (``serialise_on("photo:<sha256>")``), so one user's two uploads
    of a photo at once make one row.
    """
    if db.session.get(PhotoUpload, (sha256, user.id)) is not None:
        return False
    db.session.add(PhotoUpload(sha256=sha256, user_id=user.id))
    db.session.flush()
    return True


def _exists(statement: Select[Any]) -> bool:
    return bool(db.session.scalar(select(statement.exists())))


def uploaded(user: User, sha256: str) -> bool:
    return _exists(select(PhotoUpload.sha256).where(PhotoUpload.sha256 == sha256, PhotoUpload.user_id == user.id))


def may_see(user: User, sha256: str) -> bool:
    """Whether ``user`` sent this photo or may see a scan citing it."""
    if uploaded(user, sha256):
        return True
    return _exists(visible_scans(user, select(Scan.id).where(Scan.photo_sha256 == sha256)))


def provider_holds(provider_id: int | None, sha256: str) -> bool:
    """Whether someone of the provider sent this photo, or a scan on one of its jobs cites it."""
    if provider_id is None:
        return False
    sent = (
        select(PhotoUpload.sha256)
        .join(User, User.id == PhotoUpload.user_id)
        .where(PhotoUpload.sha256 == sha256, User.provider_id == provider_id)
    )
    cited = (
        select(Scan.id)
        .join(Job, Job.id == Scan.job_id)
        .where(Scan.photo_sha256 == sha256, Job.provider_id == provider_id)
    )
    return _exists(sent) or _exists(cited)


def check_citable(user: User, sha256: str) -> None:
    """422 ``unknown_photo`` unless ``user`` may cite this photo in a scan.

    The same answer whether the server lacks the photo or someone else holds it: its existence is not told.
    """
    if may_see(user, sha256) or provider_holds(user.provider_id, sha256):
        return
    message = (
        "No photo with this SHA-256 was uploaded by you or is held by your provider: "
        "upload it first (PUT /api/sync/blobs/<sha256>)."
    )
    raise DomainError(message, code="unknown_photo", status=422, details={"fields": {"photo_sha256": [message]}})
