"""The two costly steps of reading an uploaded label photo, as functions ``scanning.sandbox.run`` calls in a child.

Each takes the photo's bytes and plain data, and ``ask``: the way back to the
process that started it, which alone can answer what needs its database.
"""

from dataclasses import dataclass

from scanning.decode import Barcode
from scanning.decode import decode
from scanning.decode import open_image
from scanning.fingerprints import Fingerprint
from scanning.fingerprints import compare
from scanning.fingerprints import fingerprint
from scanning.photos import ImageRejected
from scanning.sandbox import Ask

# Photos kept before the pixel limit was lowered may be this large; they were accepted once and are compared.
STORED_MAX_PIXELS = 60_000_000
STORED_MAX_SIDE = 60_000


@dataclass(frozen=True)
class LabelRead:
    """What reading a label photo found: its barcodes, its size upright, and its fingerprint."""

    barcodes: list[Barcode]
    width: int
    height: int
    fingerprint: Fingerprint


def read_label(data: bytes, max_pixels: int, max_side: int, ask: Ask) -> LabelRead:
    """Decode ``data``, read its barcodes until ``ask(barcodes)`` says enough was found, and fingerprint it.

    Raises ImageRejected for bytes that are no readable image within the limits.
    """
    picture = open_image(data, max_pixels, max_side)

    def wanted(found: list[Barcode]) -> bool:
        return bool(ask(found))

    barcodes = decode(picture, wanted=wanted, max_pixels=max_pixels, max_side=max_side)
    return LabelRead(barcodes, picture.width, picture.height, fingerprint(data, picture))


def first_same_capture(data: bytes, candidates: list[bytes], ask: Ask) -> int | None:
    """The index of the first of ``candidates`` that is the same photograph as ``data``, or None.

    A candidate that cannot be read (damaged in the store) is passed over.
    """
    picture = open_image(data, STORED_MAX_PIXELS, STORED_MAX_SIDE)
    for index, candidate in enumerate(candidates):
        try:
            other = open_image(candidate, STORED_MAX_PIXELS, STORED_MAX_SIDE)
        except ImageRejected:
            continue
        if compare(other, picture).same_capture:
            return index
    return None


def photo_print(data: bytes, max_pixels: int, max_side: int, ask: Ask) -> Fingerprint:
    """The fingerprint of a photo that holds no label to read (a photo of the repair): its picture upright.

    Raises ImageRejected for bytes that are no readable image within the limits.
    """
    return fingerprint(data, open_image(data, max_pixels, max_side))
