"""Read every barcode in a label photo, with two engines and as little preprocessing as it takes.

zxing-cpp reads most photos and every 2D symbology (DataMatrix, PDF417, QR);
ZBar reads some blurred or low-contrast 1D photos zxing-cpp misses. Both run
on the photo as it is first; only when that finds nothing do prepared copies
follow (scaled, contrast-stretched, sharpened, binarised, tilted, tiles of a
large photo), cheapest first, stopping at the first copy that yields a read.

A misread serial is worse than none, so nothing is guessed: zxing-cpp checks
what it returns, and a ZBar read of a symbology without a mandatory check
digit (Code 39, ITF, Codabar, ...) counts only when a second, independent
read agrees with it.
"""

import io
import os
from dataclasses import dataclass

from PIL import Image
from PIL import ImageFilter
from PIL import ImageOps
from PIL import UnidentifiedImageError

# A phone photo is 12 to 50 megapixels; beyond this an image is a decompression bomb, not a label.
MAX_PIXELS = 60_000_000
# Below this shorter side a photo is scaled up: the bars of a small label are too thin to read.
SMALL_SIDE = 480
# Above this longer side a photo is also read in overlapping tiles.
LARGE_SIDE = 1400

# ZBar symbologies whose reads carry a check strong enough to trust one read (an EAN's single
# mod-10 digit is not: ZBar misreads blurred EANs into other valid ones).
ZBAR_CHECKED = {"CODE128", "QRCODE", "PDF417"}
ZBAR_NAMES = {"I25": "ITF", "ISBN10": "EAN13", "ISBN13": "EAN13", "DATABAR_EXP": "DATABAREXPANDED"}
ZXING_NAMES = {"DATABAREXP": "DATABAREXPANDED", "DATABARLTD": "DATABARLIMITED"}


@dataclass(frozen=True)
class Barcode:
    text: str
    symbology: str

    def as_dict(self):
        return {"text": self.text, "symbology": self.symbology}


class ImageRejected(ValueError):
    """The bytes are no image a label could be read from: a code and a sentence for the user."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def open_image(image, max_pixels=MAX_PIXELS):
    """A grayscale PIL image from bytes, a path or a PIL image, upright as the phone held it.

    Refuses empty, non-image, truncated and oversized input with ImageRejected,
    checking the size from the header before any pixel is decoded.
    """
    if isinstance(image, Image.Image):
        picture = image
    else:
        if isinstance(image, str | os.PathLike):
            with open(image, "rb") as handle:
                image = handle.read()
        if not image:
            raise ImageRejected("image_empty", "The image is empty.")
        try:
            picture = Image.open(io.BytesIO(image))
        except (UnidentifiedImageError, OSError):
            raise ImageRejected("not_an_image", "This is not an image (JPEG, PNG, WebP, ...).") from None
    width, height = picture.size
    if width * height > max_pixels:
        raise ImageRejected(
            "image_too_large", f"The image has {width}x{height} pixels; at most {max_pixels:,} are accepted."
        )
    try:
        picture.load()
        picture = ImageOps.exif_transpose(picture)
        return picture.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ImageRejected("image_unreadable", "The image is damaged or cut short.") from None


def _zxing(picture):
    import zxingcpp

    found = []
    # Plain: the payload exactly as encoded (HRI would rewrite GS1 data and control characters for display).
    for result in zxingcpp.read_barcodes(picture, text_mode=zxingcpp.TextMode.Plain):
        name = result.format.name.upper().replace("-", "")
        found.append(Barcode(_text(result.text), ZXING_NAMES.get(name, name)))
    return found


def _zbar(picture):
    from pyzbar import pyzbar

    found = []
    for result in pyzbar.decode(picture):
        try:
            text = result.data.decode("utf-8")
        except UnicodeDecodeError:
            text = result.data.decode("latin-1")
        found.append((Barcode(_text(text), ZBAR_NAMES.get(result.type, result.type)), result.type in ZBAR_CHECKED))
    return found


def _text(text):
    # Line breaks as the label meant them, whichever the encoder used.
    return text.replace("\r\n", "\n")


def _variants(picture):
    """Prepared copies of the photo, cheapest and most often useful first; each made only when asked for."""
    width, height = picture.size
    if min(width, height) < SMALL_SIDE:
        factor = min(4, -(-SMALL_SIDE * 2 // min(width, height)))
        yield "upscaled", picture.resize((width * factor, height * factor), Image.Resampling.LANCZOS)
    yield "contrast", ImageOps.autocontrast(picture, cutoff=2)
    yield "equalised", ImageOps.equalize(picture)
    yield "sharpened", picture.filter(ImageFilter.UnsharpMask(radius=2, percent=160, threshold=2))
    yield "binarised", _binarise(picture)
    if max(width, height) > LARGE_SIDE:
        yield from _tiles(picture)
    for angle in (12, -12, 25, -25):
        yield f"tilted {angle}", picture.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    yield "smoothed", picture.filter(ImageFilter.MedianFilter(3))


def _binarise(picture):
    """Black and white at the threshold that best separates the two halves of the histogram (Otsu)."""
    histogram = picture.histogram()
    total = sum(histogram)
    weighted_sum = sum(level * count for level, count in enumerate(histogram))
    below = below_sum = 0
    best, threshold = -1.0, 128
    for level, count in enumerate(histogram):
        below += count
        if below == 0 or below == total:
            continue
        below_sum += level * count
        mean_below = below_sum / below
        mean_above = (weighted_sum - below_sum) / (total - below)
        spread = below * (total - below) * (mean_below - mean_above) ** 2
        if spread > best:
            best, threshold = spread, level
    return picture.point(lambda value: 255 if value > threshold else 0)


def _tiles(picture):
    """Overlapping halves of a large photo, so a small label in a corner fills the engines' view."""
    width, height = picture.size
    tile_w, tile_h = int(width * 0.6), int(height * 0.6)
    for left in (0, width - tile_w):
        for top in (0, height - tile_h):
            yield f"tile {left},{top}", picture.crop((left, top, left + tile_w, top + tile_h))


def decode(image, wanted=None, max_pixels=MAX_PIXELS):
    """Every barcode read from ``image`` (bytes, a path or a PIL image), in the order found.

    ``wanted(barcodes)`` says when enough is found (e.g. a plausible serial);
    by default the first prepared copy that yields any read ends the search.
    Raises ImageRejected for input that is no readable image.
    """
    picture = open_image(image, max_pixels)
    wanted = wanted or bool
    accepted = []
    # ZBar reads of unchecked symbologies wait here until a second read confirms them.
    pending = {}

    def consider(zxing_reads, zbar_reads):
        for barcode in zxing_reads:
            if barcode not in accepted:
                accepted.append(barcode)
            pending.pop(barcode.text, None)
        for barcode, checked in zbar_reads:
            if barcode in accepted or any(b.text == barcode.text for b in accepted):
                continue
            if checked or pending.get(barcode.text, 0) >= 1:
                accepted.append(barcode)
                pending.pop(barcode.text, None)
            else:
                pending[barcode.text] = pending.get(barcode.text, 0) + 1

    consider(_zxing(picture), _zbar(picture))
    if accepted and wanted(accepted):
        return accepted
    for _name, variant in _variants(picture):
        consider(_zxing(variant), _zbar(variant))
        if accepted and wanted(accepted):
            break
    return accepted
