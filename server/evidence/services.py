"""Rules of serial scans from photos: read the label, choose the serial, keep the photo, raise flags.

The scanning package does the reading and the fingerprints; this module adds
what only the server knows: the install base, the products' serial formats,
the photos already stored, and who may see what.
"""

from datetime import UTC
from datetime import datetime
from typing import Any
from typing import TypedDict

from flask import current_app
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union

from scanning import Barcode
from scanning import ImageRejected
from scanning import decode
from scanning import open_image
from scanning.fingerprints import CANDIDATE_BITS
from scanning.fingerprints import compare
from scanning.fingerprints import fingerprint
from scanning.fingerprints import hamming
from scanning.serials import SerialChoice
from scanning.serials import SerialRule
from scanning.serials import normalise_serial
from scanning.serials import select_serial
from server.core.locks import serialise_on
from server.core.reference import invalid
from server.core.roles import ADMIN
from server.core.roles import AUDITOR
from server.errors import DomainError
from server.errors import NotFound
from server.evidence.models import Photo
from server.evidence.storage import photo_store
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Job
from server.jobs.models import Scan
from server.jobs.services import lifecycle
from server.jobs.services.queries import job_for
from server.jobs.services.queries import visible_jobs
from server.products.models import Product
from server.products.warranty import WarrantyStatus
from server.products.warranty import warranty_status
from server.users.models import User

_MASK = (1 << 64) - 1
# How many stored photos a new one is verified against at most (nearest by hash first).
MAX_CANDIDATES = 20


class InstallBase(TypedDict):
    serial: str
    model: str
    sale_date: str  # ISO
    province: str | None
    city: str | None


class ScanView(TypedDict):
    id: int
    job_id: int | None
    barcodes: list[dict[str, Any]]
    serial: str | None
    serial_source: str | None
    reason: str
    typed_serial: str | None
    install_base: InstallBase | None
    warranty: WarrantyStatus | None
    photo_sha256: str | None
    flags: list[dict[str, Any]]
    created_at: datetime


def scan_photo(
    user: User,
    data: bytes,
    content_type: str | None,
    job_id: int | None = None,
    typed_serial: str | None = "",
    now: datetime | None = None,
) -> ScanView:
    """Read a label photo, choose its serial, keep the photo, and flag what an auditor must know.

    Flags: UNKNOWN_SERIAL (no sale record), SCAN_MISMATCH (the typed serial
    differs), PHOTO_REUSED (the same photograph backs another job), NO_SERIAL
    (no barcode holds a serial).
    """
    job = job_for(user, job_id, lock=True) if job_id is not None else None
    if job is not None:
        lifecycle.check_step(job, user, "scan")
    typed = normalise_serial(typed_serial or "")
    if len(typed) > 64:
        raise invalid("typed_serial", "a serial has at most 64 characters")
    try:
        picture = open_image(data, current_app.config["SCAN_MAX_PIXELS"])
    except ImageRejected as exc:
        raise DomainError(
            exc.message, code=exc.code, status=422, details={"fields": {"image": [exc.message]}}
        ) from None

    rules = [
        SerialRule(product.model, product.serial_pattern, product.serial_check or None)
        for product in _products_for(job)
        if product.serial_pattern
    ]

    def known(serial: str) -> bool:
        return db.session.scalar(select(SaleRecord.id).where(SaleRecord.serial == serial)) is not None

    def choose(barcodes: list[Barcode]) -> SerialChoice:
        return select_serial(barcodes, rules, known)

    barcodes = decode(picture, wanted=lambda found: choose(found).serial is not None)
    choice = choose(barcodes)
    serial = choice.serial
    print_ = fingerprint(data, picture)
    flags: list[tuple[str, str]] = []
    sale: SaleRecord | None = (
        db.session.scalar(select(SaleRecord).where(SaleRecord.serial == serial)) if serial else None
    )
    if serial is None:
        flags.append(("NO_SERIAL", choice.reason))
    elif sale is None:
        flags.append(("UNKNOWN_SERIAL", f"No sale record has serial {serial}."))
    if typed and serial and typed != serial:
        flags.append(("SCAN_MISMATCH", f"The label reads {serial}; the serial typed was {typed}."))
    reused = _reused_by(print_, picture, serial, job)
    if reused is not None:
        where = f"job {reused.job_id}" if reused.job_id else "another scan"
        flags.append(("PHOTO_REUSED", f"The same photograph backs scan {reused.id} ({where})."))

    _keep_photo(print_, picture, data, content_type)
    chosen = next((b for b in barcodes if b.text.strip().upper() == serial), None) if serial else None
    fields = {
        "typed_serial": typed,
        "serial_source": choice.source,
        "reason": choice.reason,
        "barcodes": [barcode.as_dict() for barcode in barcodes],
        "flags": [{"code": code, "message": message} for code, message in flags],
    }
    if job is not None and serial is not None:
        scan = lifecycle.record_scan(
            job, user, serial, "photo", symbology=chosen.symbology if chosen else "", photo_sha256=print_.sha256
        )
        for key, value in fields.items():
            setattr(scan, key, value)
    else:
        scan = Scan(
            job_id=job.id if job else None,
            serial=serial or "",
            symbology=chosen.symbology if chosen else "",
            source="photo",
            photo_sha256=print_.sha256,
            created_by_id=user.id,
            **fields,
        )
        db.session.add(scan)
    db.session.flush()
    return scan_view(scan, sale)


def _products_for(job):
    """The products whose serial format may be on the plate: the job's own when it knows it, else all."""
    if job is not None and job.request.product is not None:
        return [job.request.product]
    return db.session.scalars(select(Product).where(Product.serial_pattern != "").order_by(Product.model)).all()


def _signed(value):
    """A 64-bit hash as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _keep_photo(print_, picture, data, content_type):
    # The same photo uploaded twice at once (a retry on a bad line) is stored once, not refused.
    serialise_on(f"photo:{print_.sha256}")
    if db.session.get(Photo, print_.sha256) is None:
        bands = print_.bands()
        db.session.add(
            Photo(
                sha256=print_.sha256,
                content_type=content_type or "application/octet-stream",
                size=len(data),
                width=picture.width,
                height=picture.height,
                phash=_signed(print_.phash),
                band0=bands[0],
                band1=bands[1],
                band2=bands[2],
                band3=bands[3],
            )
        )
    photo_store().put(print_.sha256, data)


def _reused_by(print_, picture, serial, job):
    """An earlier scan, for another job, whose photo is this very photograph (re-encoded or not), or None.

    Candidates: the same bytes; photos sharing a hash band (four index
    lookups); photos of earlier scans of the same serial. Each candidate within
    ``CANDIDATE_BITS`` of the hash is then verified by its grain.
    """
    others = select(Scan).where(Scan.photo_sha256.is_not(None))
    if job is not None:
        others = others.where(or_(Scan.job_id.is_(None), Scan.job_id != job.id))
    same_bytes = db.session.scalar(others.where(Scan.photo_sha256 == print_.sha256).order_by(Scan.id).limit(1))
    if same_bytes is not None:
        return same_bytes
    # Each source its own indexed lookup: one query OR-ing them lets a planner scan everything.
    bands = print_.bands()
    near = db.session.scalars(
        union(
            *(select(Photo.sha256).where(getattr(Photo, f"band{index}") == band) for index, band in enumerate(bands))
        ).limit(MAX_CANDIDATES * 5)
    ).all()
    rows: list[Any] = []
    if near:
        rows += db.session.execute(
            others.with_only_columns(Scan.id, Scan.photo_sha256)
            .where(Scan.photo_sha256.in_(near))
            .limit(MAX_CANDIDATES * 5)
        ).all()
    if serial:
        rows += db.session.execute(
            others.with_only_columns(Scan.id, Scan.photo_sha256).where(Scan.serial == serial).limit(MAX_CANDIDATES * 5)
        ).all()
    hashes = (
        dict(
            db.session.execute(
                select(Photo.sha256, Photo.phash).where(Photo.sha256.in_(sorted({sha for _, sha in rows})))
            ).all()
        )
        if rows
        else {}
    )
    candidates = [(scan_id, sha, hashes[sha]) for scan_id, sha in sorted(rows) if sha in hashes]
    distances = {sha: (hamming(phash & _MASK, print_.phash), scan_id) for scan_id, sha, phash in candidates}
    store = photo_store()
    for sha, (distance, scan_id) in sorted(distances.items(), key=lambda item: item[1])[:MAX_CANDIDATES]:
        if distance > CANDIDATE_BITS:
            continue
        data = store.get(sha)
        if data is None:
            continue
        if compare(open_image(data), picture).same_capture:
            return db.session.get(Scan, scan_id)
    return None


def scan_view(scan: Scan, sale: SaleRecord | None = None) -> ScanView:
    """What the API answers for a scan: the reads, the serial and why, the install base and warranty, the flags."""
    if sale is None and scan.serial:
        sale = db.session.scalar(select(SaleRecord).where(SaleRecord.serial == scan.serial))
    install_base: InstallBase | None = None
    warranty: WarrantyStatus | None = None
    if sale is not None:
        install_base = {
            "serial": sale.serial,
            "model": sale.product.model,
            "sale_date": sale.sale_date.isoformat(),
            "province": sale.province.code if sale.province else None,
            "city": sale.city.code if sale.city else None,
        }
        warranty = warranty_status(sale.product, sale.sale_date, datetime.now(UTC).date())
    return {
        "id": scan.id,
        "job_id": scan.job_id,
        "barcodes": scan.barcodes or [],
        "serial": scan.serial or None,
        "serial_source": scan.serial_source,
        "reason": scan.reason,
        "typed_serial": scan.typed_serial or None,
        "install_base": install_base,
        "warranty": warranty,
        "photo_sha256": scan.photo_sha256,
        "flags": scan.flags or [],
        "created_at": scan.created_at,
    }


def scan_for(user: User, scan_id: int) -> Scan:
    """A scan the caller may see: on a job of their slice, their own, or any for admins and auditors."""
    scan = db.session.get(Scan, scan_id)
    if scan is None:
        raise NotFound(f"There is no scan {scan_id}.", code="scan_not_found")
    if user.role in (ADMIN, AUDITOR) or scan.created_by_id == user.id:
        return scan
    if scan.job_id is not None and db.session.scalar(visible_jobs(user, select(Job.id)).where(Job.id == scan.job_id)):
        return scan
    raise NotFound(f"There is no scan {scan_id}.", code="scan_not_found")


def photo_of(user: User, scan_id: int) -> tuple[bytes, str]:
    """``(bytes, content type)`` of a scan's evidence photo."""
    scan = scan_for(user, scan_id)
    data = photo_store().get(scan.photo_sha256) if scan.photo_sha256 else None
    if data is None:
        raise NotFound(f"Scan {scan_id} has no stored photo.", code="photo_not_found")
    photo = db.session.get(Photo, scan.photo_sha256)
    return data, photo.content_type if photo else "application/octet-stream"
