"""Photo blobs a device uploads before the ops that name them: content-addressed, stored once.

Only what the app uploads is taken: a label photo (JPEG, PNG or WebP, told by
its first bytes and its header) within the scan's pixel limits. A blob's
existence is told only to those who may see it (server.evidence.holders): to
anyone else, one that exists answers as one that does not.
"""

import hashlib
import re

from flask import current_app

from scanning import ImageRejected
from scanning import photos
from server.core.locks import serialise_on
from server.errors import DomainError
from server.errors import InvalidInput
from server.errors import NotFound
from server.evidence import holders
from server.evidence.storage import photo_store
from server.users.models import User

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def checked(sha256: str) -> str:
    if not SHA256.match(sha256):
        raise InvalidInput("The blob's name is its SHA-256 in 64 lowercase hex digits.", code="bad_hash")
    return sha256


def known(user: User, sha256: str) -> None:
    """404 unless the server holds these bytes and ``user`` may see them (they sent them, or may see a scan
    citing them): the same 404 whether the bytes are missing or another's."""
    if not (holders.may_see(user, checked(sha256)) and photo_store().has(sha256)):
        raise NotFound("No blob with this hash.", code="blob_not_found")


def store(user: User, sha256: str, data: bytes) -> bool:
    """Keep ``data`` under its hash for ``user``; True when they had not sent it before.

    422 ``hash_mismatch`` when the bytes are not their name; 422 with the
    image's refusal (``image_empty``, ``not_an_image``, ``image_too_large``)
    when they are no photo the app would send. Bytes another user sent already
    are answered as new to this one: whether anyone else has them is not told.
    """
    checked(sha256)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise InvalidInput(
            "The bytes do not match their name: the upload was cut short or altered. Send them again.",
            code="hash_mismatch",
            details={"received_bytes": len(data)},
        )
    config = current_app.config
    try:
        photos.inspect(data, photos.UPLOADED, config["SCAN_MAX_PIXELS"], config["SCAN_MAX_SIDE"])
    except ImageRejected as exc:
        raise DomainError(exc.message, code=exc.code, status=422, details={"received_bytes": len(data)}) from None
    # Two uploads of one photo at once take turns: one stores it, the other finds it.
    serialise_on(f"photo:{sha256}")
    new = holders.record_upload(user, sha256)
    photos_kept = photo_store()
    if not photos_kept.has(sha256):
        photos_kept.put(sha256, data)
    return new
