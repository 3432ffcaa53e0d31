"""The customer's signature at completion: a PNG drawn on the phone, uploaded through the sync blob store, bound
to the job and to the completion summary it was drawn under.

A completion citing a signature is taken only when the technician uploaded that PNG before it (a hash is
easily learnt, so knowing one is not enough), and only when it is a PNG with something drawn on it. The hash
of its decoded pixels is kept on the completion's record beside the hash of its bytes, so the claim check
finds a signature used again even when it was re-encoded or saved again to change its bytes.
"""

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app
from PIL import Image

from scanning import ImageRejected
from scanning import photos
from server.errors import DomainError
from server.evidence import holders
from server.evidence.storage import photo_store
from server.jobs.models import Job
from server.jobs.services import lifecycle
from server.users.models import User

FIELD = "confirmation.signature_sha256"


def _refused(code: str, message: str) -> DomainError:
    return DomainError(message, code=code, status=422, details={"fields": {FIELD: [message]}})


def pixels_digest(picture: Image.Image) -> str:
    """The SHA-256 of a picture's pixels as they look on white: the same for any lossless re-encoding of them,
    with or without its transparency, and different for any other drawing.

    The size is hashed with the pixels, so one row of pixels cannot pass for another shape.
    """
    flat = Image.alpha_composite(Image.new("RGBA", picture.size, "white"), picture.convert("RGBA")).convert("RGB")
    digest = hashlib.sha256(f"{flat.width}x{flat.height}:".encode())
    digest.update(flat.tobytes())
    return digest.hexdigest()


def blank(picture: Image.Image) -> bool:
    """Whether nothing is drawn: every pixel, on white, alike."""
    flat = Image.alpha_composite(Image.new("RGBA", picture.size, "white"), picture.convert("RGBA")).convert("L")
    low, high = flat.getextrema()
    return low == high


def checked_signature(user: User, sha256: str) -> str:
    """The pixels' digest of the signature PNG ``sha256``, once it is known to be one ``user`` uploaded, a
    PNG, and not blank; else 422 naming ``confirmation.signature_sha256``:
    ``unknown_signature`` (not uploaded by them: the same answer whether the server lacks it or another holds
    it), ``signature_not_png`` or ``signature_empty``."""
    data = photo_store().get(sha256) if holders.uploaded(user, sha256) else None
    if data is None:
        raise _refused(
            "unknown_signature",
            "No signature with this SHA-256 was uploaded by you: upload the PNG first (PUT /api/sync/blobs/<sha256>).",
        )
    config = current_app.config
    try:
        picture, _ = photos.open_checked(data, (photos.PNG,), config["SCAN_MAX_PIXELS"], config["SCAN_MAX_SIDE"])
        picture.load()
        if blank(picture):
            raise _refused("signature_empty", "The signature is blank: nothing was drawn on it.")
        return pixels_digest(picture)
    except ImageRejected as exc:
        raise _refused("signature_not_png", f"The signature must be a PNG image: {exc.message}") from None
    except (OSError, ValueError, SyntaxError):
        raise _refused("signature_not_png", "The signature must be a PNG image: this one cannot be read.") from None


def complete(
    job: Job,
    user: User,
    summary: str,
    confirmed_by: str,
    device_time: datetime | None = None,
    fault_code: str | None = None,
    confirmation: dict[str, Any] | None = None,
    position: Mapping[str, Any] | None = None,
    unpaid_reason: str | None = None,
) -> Job:
    """Complete the job (``lifecycle.complete``), a signature's PNG checked first and its pixels' digest kept.

    The step's own rules come first, as for every step: a job that cannot be completed is a 409 whatever
    its signature.
    """
    if confirmation is not None and confirmation["method"] == "signature":
        lifecycle.check_step(job, user, "complete")
        pixels = checked_signature(user, confirmation["signature_sha256"])
        confirmation = {**confirmation, "signature_pixels_sha256": pixels}
    return lifecycle.complete(
        job,
        user,
        summary,
        confirmed_by,
        device_time=device_time,
        fault_code=fault_code,
        confirmation=confirmation,
        position=position,
        unpaid_reason=unpaid_reason,
    )
