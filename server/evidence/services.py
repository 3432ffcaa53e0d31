"""Rules of serial scans from photos: read the label, choose the serial, keep the photo, raise flags.

The scanning package does the reading and the fingerprints; this module adds
what only the server knows: the install base, the products' serial formats,
the photos already stored, and who may see what.
"""

import contextlib
import logging
from collections.abc import Callable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any
from typing import TypedDict
from typing import TypeVar

from flask import current_app
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union

from scanning import Barcode
from scanning import ImageRejected
from scanning import isolated
from scanning import photos
from scanning import sandbox
from scanning.fingerprints import CANDIDATE_BITS
from scanning.fingerprints import hamming
from scanning.serials import SerialChoice
from scanning.serials import SerialRule
from scanning.serials import normalise_serial
from scanning.serials import select_serial
from server.core.locks import serialise_on
from server.core.reference import invalid
from server.errors import DomainError
from server.errors import NotFound
from server.errors import Unavailable
from server.evidence import holders
from server.evidence.models import Photo
from server.evidence.storage import photo_store
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Job
from server.jobs.models import Scan
from server.jobs.services import lifecycle
from server.jobs.services.queries import job_for
from server.products.models import Product
from server.products.warranty import WarrantyStatus
from server.products.warranty import warranty_status
from server.users.models import User

_MASK = (1 << 64) - 1
# How many stored photos a new one is verified against at most (nearest by hash first).
MAX_CANDIDATES = 20

log = logging.getLogger(__name__)
T = TypeVar("T")


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
    job_id: int | None = None,
    typed_serial: str | None = "",
    now: datetime | None = None,
) -> ScanView:
    """Read a label photo, choose its serial, keep the photo, and flag what an auditor must know.

    Flags: UNKNOWN_SERIAL (no sale record), SCAN_MISMATCH (the typed serial
    differs), PHOTO_REUSED (the same photograph backs another job), NO_SERIAL
    (no barcode holds a serial).

    The photo is typed by its own bytes and refused (422) when it is no
    image of the kinds read, or larger than ``SCAN_MAX_PIXELS`` or
    ``SCAN_MAX_SIDE``, from its header alone. It is read in a child process
    with ``SCAN_DECODE_SECONDS`` of CPU (scanning.sandbox), a few at once on
    the machine: past the budget, 422 ``image_too_complex``; no turn within
    ``SCAN_DECODE_WAIT_SECONDS``, 503 with Retry-After.
    """
    job = job_for(user, job_id, lock=True) if job_id is not None else None
    if job is not None:
        lifecycle.check_step(job, user, "scan")
    typed = normalise_serial(typed_serial or "")
    if len(typed) > 64:
        raise invalid("typed_serial", "a serial has at most 64 characters")
    max_pixels, max_side = current_app.config["SCAN_MAX_PIXELS"], current_app.config["SCAN_MAX_SIDE"]
    # The kind and size from the header, here: what no label photo is waits for no turn at the decoders.
    header = _image_checked(lambda: photos.inspect(data, photos.READABLE, max_pixels, max_side))

    rules = [
        SerialRule(product.model, product.serial_pattern, product.serial_check or None)
        for product in _products_for(job)
        if product.serial_pattern
    ]

    def known(serial: str) -> bool:
        return db.session.scalar(select(SaleRecord.id).where(SaleRecord.serial == serial)) is not None

    def choose(barcodes: list[Barcode]) -> SerialChoice:
        return select_serial(barcodes, rules, known)

    def enough(found: list[Barcode]) -> bool:
        return choose(found).serial is not None

    with _decoder_turn():
        read = _image_checked(lambda: run_isolated(isolated.read_label, data, max_pixels, max_side, answer=enough))
        barcodes = read.barcodes
        choice = choose(barcodes)
        serial = choice.serial
        print_ = read.fingerprint
        reused = _reused_by(print_, data, serial, job)
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
    if reused is not None:
        where = f"job {reused.job_id}" if reused.job_id else "another scan"
        flags.append(("PHOTO_REUSED", f"The same photograph backs scan {reused.id} ({where})."))

    _keep_photo(user, print_, read, header.kind, data)
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


def keep_fingerprint(print_: Any, content_type: str, size: int, width: int, height: int) -> None:
    """The photo's row with its perceptual hash cut in bands (what finds it again), unless it has one."""
    if db.session.get(Photo, print_.sha256) is not None:
        return
    bands = print_.bands()
    db.session.add(
        Photo(
            sha256=print_.sha256,
            content_type=content_type,
            size=size,
            width=width,
            height=height,
            phash=signed_hash(print_.phash),
            band0=bands[0],
            band1=bands[1],
            band2=bands[2],
            band3=bands[3],
        )
    )


def signed_hash(value: int) -> int:
    """A 64-bit hash as the signed integer a BIGINT column holds."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _image_checked(step: Callable[[], T]) -> T:
    """``step()``, its refusal of the image a 422 naming the ``image`` field."""
    try:
        return step()
    except ImageRejected as exc:
        raise DomainError(
            exc.message, code=exc.code, status=422, details={"fields": {"image": [exc.message]}}
        ) from None


@contextlib.contextmanager
def _decoder_turn() -> Iterator[None]:
    """One of the machine's decoder slots for the ``with`` block; 503 with Retry-After when none comes free."""
    config = current_app.config
    directory = config["SCAN_DECODE_DIR"] or Path(current_app.instance_path) / "decoders"
    count = config["SCAN_DECODE_SLOTS"] or sandbox.default_slots()
    waiting = config["SCAN_DECODE_WAITING"]
    slots = sandbox.Slots(directory, count, waiting if waiting >= 0 else count)
    try:
        with slots.hold(
            config["SCAN_DECODE_WAIT_SECONDS"], retry_after=sandbox.cpu_limit(config["SCAN_DECODE_SECONDS"])
        ):
            yield
    except sandbox.Busy as busy:
        raise _busy(busy) from None


def _busy(busy: sandbox.Busy) -> Unavailable:
    return Unavailable(
        f"Photos are being read for others just now; send this one again in {busy.retry_after} s.",
        code="decoders_busy",
        details={"retry_after": busy.retry_after},
        headers={"Retry-After": str(busy.retry_after)},
    )


def run_isolated(func: Callable[..., T], *args: Any, answer: Callable[[Any], Any] | None = None) -> T:
    """``func(*args, ask)`` run by ``scanning.sandbox`` with the configured CPU budget.

    Over the budget: 422 ``image_too_complex``. A reader that crashed: 422 ``image_unreadable`` (the photo
    is what it could not read). No CPU to be had in time: 503 with Retry-After.
    """
    config = current_app.config
    try:
        return sandbox.run(
            func,
            *args,
            cpu_seconds=config["SCAN_DECODE_SECONDS"],
            wall_seconds=config["SCAN_DECODE_WALL_SECONDS"],
            answer=answer,
        )
    except sandbox.OverBudget as over:
        raise ImageRejected(
            "image_too_complex",
            f"The photo could not be read within {over.cpu_seconds} s of processing. "
            "Photograph the label alone, sharp and filling the picture.",
        ) from None
    except sandbox.ChildFailed as failed:
        log.warning("reading a photo failed: %s", failed)
        raise ImageRejected("image_unreadable", "The image is damaged or cannot be read.") from None
    except sandbox.Busy as busy:
        raise _busy(busy) from None


def _keep_photo(user, print_, read, kind, data):
    # The same photo uploaded twice at once (a retry on a bad line) is stored once, not refused.
    serialise_on(f"photo:{print_.sha256}")
    holders.record_upload(user, print_.sha256)
    keep_fingerprint(print_, kind.content_type, len(data), read.width, read.height)
    photo_store().put(print_.sha256, data)


def _reused_by(print_, data, serial, job):
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
    held = []
    for sha, (distance, scan_id) in sorted(distances.items(), key=lambda item: item[1])[:MAX_CANDIDATES]:
        if distance > CANDIDATE_BITS:
            continue
        stored = store.get(sha)
        if stored is not None:
            held.append((scan_id, stored))
    if not held:
        return None
    try:
        same = run_isolated(isolated.first_same_capture, data, [stored for _, stored in held])
    except ImageRejected as exc:
        # The new photo was read already; what ran out is the comparison with many stored ones.
        log.warning("the reuse check of photo %s stopped: %s", print_.sha256, exc.message)
        return None
    return db.session.get(Scan, held[same][0]) if same is not None else None


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
    scan: Scan | None = db.session.scalar(holders.visible_scans(user, select(Scan)).where(Scan.id == scan_id))
    if scan is None:
        raise NotFound(f"There is no scan {scan_id}.", code="scan_not_found")
    return scan


class StoredPhoto(TypedDict):
    data: bytes
    content_type: str
    # "inline" for an image a browser shows as one; "attachment" for bytes of no kind a phone sends.
    disposition: str
    filename: str


def photo_of(user: User, scan_id: int) -> StoredPhoto:
    """A scan's evidence photo, typed by its own bytes (never by what its sender claimed)."""
    scan = scan_for(user, scan_id)
    data = photo_store().get(scan.photo_sha256) if scan.photo_sha256 else None
    if data is None:
        raise NotFound(f"Scan {scan_id} has no stored photo.", code="photo_not_found")
    return typed(data, f"scan-{scan_id}")


def job_image(user: User, job_id: int, sha256: str | None = None) -> StoredPhoto:
    """An image of a visit, to those who may see its job: one of its evidence photos (``sha256``), or the
    customer's signature (no ``sha256``). 404 for an image that is not this job's."""
    job = job_for(user, job_id)
    if sha256 is None:
        wanted, name = job.signature_sha256, f"job-{job.number}-signature"
    else:
        photo = next((each for each in job.evidence_photos if each.sha256 == sha256), None)
        wanted, name = (photo.sha256, f"job-{job.number}-{photo.stage}") if photo is not None else (None, "")
    data = photo_store().get(wanted) if wanted else None
    if data is None:
        raise NotFound(f"Job {job.number} has no such image.", code="photo_not_found")
    return typed(data, name)


def typed(data: bytes, name: str) -> StoredPhoto:
    """Stored bytes as they are served: typed by themselves (never by what their sender claimed)."""
    kind = photos.kind_of(data)
    if kind is None:
        return {
            "data": data,
            "content_type": "application/octet-stream",
            "disposition": "attachment",
            "filename": f"{name}.bin",
        }
    return {
        "data": data,
        "content_type": kind.content_type,
        "disposition": "inline",
        "filename": f"{name}.{kind.extension}",
    }


def record_field_scan(
    job: Job,
    user: User,
    serial: str,
    source: str,
    symbology: str = "",
    photo_sha256: str | None = None,
    device_time: datetime | None = None,
) -> Scan:
    """A serial read on the phone (camera, photo or typed), citing the label photo it uploaded, if any.

    The photo must be one the technician sent or their provider holds (422
    ``unknown_photo`` otherwise, whether or not the server has it); the step's
    own rules come first, as for every step.
    """
    if photo_sha256 is not None:
        lifecycle.check_step(job, user, "scan")
        holders.check_citable(user, photo_sha256)
    return lifecycle.record_scan(job, user, serial, source, symbology, photo_sha256, device_time=device_time)
