"""Photo blobs a device uploads before the ops that name them: content-addressed, stored once."""

import hashlib
import re

from server.core.locks import serialise_on
from server.errors import InvalidInput
from server.errors import NotFound
from server.evidence.storage import photo_store

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def checked(sha256: str) -> str:
    if not SHA256.match(sha256):
        raise InvalidInput("The blob's name is its SHA-256 in 64 lowercase hex digits.", code="bad_hash")
    return sha256


def known(sha256: str) -> None:
    """404 unless the server holds these bytes already."""
    if not photo_store().has(checked(sha256)):
        raise NotFound("No blob with this hash.", code="blob_not_found")


def store(sha256: str, data: bytes) -> bool:
    """Keep ``data`` under its hash; True when it was new. 422 ``hash_mismatch`` when the bytes are not it."""
    checked(sha256)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise InvalidInput(
            "The bytes do not match their name: the upload was cut short or altered. Send them again.",
            code="hash_mismatch",
            details={"received_bytes": len(data)},
        )
    # Two uploads of one photo at once take turns: one stores it, the other finds it.
    serialise_on(f"photo:{sha256}")
    photos = photo_store()
    if photos.has(sha256):
        return False
    photos.put(sha256, data)
    return True
