"""Evidence photos, content-addressed by SHA-256, with the fingerprint that finds reused ones."""

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db


class Photo(db.Model):
    """One stored photo. Its bytes live in the photo store; here is what finds it again."""

    __tablename__ = "photos"
    __table_args__ = (
        # The hash cut in four bands, each indexed: a near copy shares at least one band exactly,
        # so candidates come from four index lookups however many millions of photos there are.
        Index("ix_photos_band0", "band0"),
        Index("ix_photos_band1", "band1"),
        Index("ix_photos_band2", "band2"),
        Index("ix_photos_band3", "band3"),
    )

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    phash: Mapped[int] = mapped_column(BigInteger)
    band0: Mapped[int]
    band1: Mapped[int]
    band2: Mapped[int]
    band3: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PhotoBlob(db.Model):
    """The bytes of a photo, for deployments whose app servers share only the database."""

    __tablename__ = "photo_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class PhotoUpload(db.Model):
    """Who sent a photo's bytes to the server: they hold the photo and may cite it in a scan.

    One row a user and photo: the same bytes sent by two users (one photo passed from phone to phone)
    are held by both. Photos kept before uploads were recorded have no row; a scan citing one still
    shows it to those who may see the scan's job.
    """

    __tablename__ = "photo_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# When an evidence photo of a repair was taken: before the work, or after it.
EVIDENCE_STAGES = ("before", "after")


class EvidencePhoto(db.Model):
    """A photo of the repair on a job, taken in the app: stamped on the phone with the job's number, the
    time and the position (visible on the image, ``sha256``), the unstamped original's hash kept beside it.
    ``taken_at`` is the capture time the original's EXIF gives (else the phone's clock)."""

    __tablename__ = "evidence_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # EVIDENCE_STAGES
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_sha256: Mapped[str] = mapped_column(String(64), index=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
