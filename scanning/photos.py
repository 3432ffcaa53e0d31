"""What a label photo may be: its kind, told by its first bytes, and its size, read from its header alone.

A phone scales a photo to 2,000 px on its longest side before it sends it
(pwa/js/photos.js); a label reads well far below that. So the limits here
leave a margin over what a phone sends and refuse, from the header and before
a single pixel is decoded, what only a decompression bomb would be.
"""

import io
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from PIL import Image
from PIL import UnidentifiedImageError

# Longest side and pixel count accepted: twice the phone's 2,000 px side, and a square of it (16.8 MP).
MAX_SIDE = 4096
MAX_PIXELS = MAX_SIDE * MAX_SIDE

Rejection = Literal["image_empty", "image_too_large", "not_an_image", "image_unreadable", "image_too_complex"]


class ImageRejected(ValueError):
    """The bytes are no image a label could be read from: a code and a sentence for the user."""

    def __init__(self, code: Rejection, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type["ImageRejected"], tuple[Rejection, str]]:
        # Raised in the process that reads the photo (scanning.sandbox) and raised again in the server's.
        return (type(self), (self.code, self.message))


@dataclass(frozen=True)
class Kind:
    """An image format: Pillow's name for it, ours, its MIME type and file extension, and how its bytes begin."""

    format: str
    name: str
    content_type: str
    extension: str
    signatures: tuple[bytes, ...]

    def matches(self, data: bytes) -> bool:
        if self.format == "WEBP":
            return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        return any(data.startswith(signature) for signature in self.signatures)


JPEG = Kind("JPEG", "JPEG", "image/jpeg", "jpg", (b"\xff\xd8\xff",))
PNG = Kind("PNG", "PNG", "image/png", "png", (b"\x89PNG\r\n\x1a\n",))
WEBP = Kind("WEBP", "WebP", "image/webp", "webp", (b"RIFF",))
GIF = Kind("GIF", "GIF", "image/gif", "gif", (b"GIF87a", b"GIF89a"))
BMP = Kind("BMP", "BMP", "image/bmp", "bmp", (b"BM",))
TIFF = Kind("TIFF", "TIFF", "image/tiff", "tif", (b"II*\x00", b"MM\x00*"))

# What the app uploads: a camera's JPEG, or the phone's own JPEG, PNG or WebP when it needed no scaling.
UPLOADED = (JPEG, PNG, WEBP)
# What a label photo sent to the server to be read may be. Pillow opens many more formats (some through
# outside programs); none of them is a photo a phone or a desk sends.
READABLE = (JPEG, PNG, WEBP, GIF, BMP, TIFF)


def kind_of(data: bytes, kinds: Collection[Kind] = READABLE) -> Kind | None:
    """The kind among ``kinds`` whose signature ``data`` begins with, or None."""
    return next((kind for kind in kinds if kind.matches(data)), None)


@dataclass(frozen=True)
class Header:
    kind: Kind
    width: int
    height: int


def describe(kinds: Collection[Kind]) -> str:
    """``JPEG, PNG or WebP``."""
    names = [kind.name for kind in kinds]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def open_checked(
    data: bytes, kinds: Collection[Kind] = READABLE, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE
) -> tuple[Image.Image, Header]:
    """The image opened lazily (no pixel decoded yet) and its header, once its kind and size are accepted.

    Raises ImageRejected: ``image_empty``, ``not_an_image`` (no bytes of an
    accepted kind, or a header Pillow cannot read as that kind),
    ``image_too_large`` (over ``max_pixels`` or ``max_side``).
    """
    if not data:
        raise ImageRejected("image_empty", "The image is empty.")
    kind = kind_of(data, kinds)
    if kind is None:
        raise ImageRejected("not_an_image", f"This is not an image of the kinds accepted ({describe(kinds)}).")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns well below our limit and refuses far above it; ours decides.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            # Only the kind the bytes announce: no other decoder of Pillow's ever sees them.
            picture = Image.open(io.BytesIO(data), formats=[kind.format])
    except Image.DecompressionBombError:
        raise ImageRejected("image_too_large", f"The image has more than {max_pixels:,} pixels.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageRejected("not_an_image", f"This is not a readable {kind.name} image.") from None
    width, height = picture.size
    check_size(width, height, max_pixels, max_side)
    return picture, Header(kind, width, height)


def check_size(width: int, height: int, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> None:
    """Refuse a picture larger than a phone sends (ImageRejected ``image_too_large``)."""
    if width * height > max_pixels or max(width, height) > max_side:
        raise ImageRejected(
            "image_too_large",
            f"The image has {width}x{height} pixels; at most {max_side} on a side and {max_pixels:,} in all "
            "are accepted. Send the photo scaled down.",
        )


def inspect(
    data: bytes, kinds: Collection[Kind] = READABLE, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE
) -> Header:
    """The kind and size of a photo, from its first bytes and its header; ImageRejected as ``open_checked``."""
    return open_checked(data, kinds, max_pixels, max_side)[1]
