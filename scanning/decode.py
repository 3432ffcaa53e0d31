"""Read every barcode in a label photo, with three engines and as little preprocessing as it takes.

zxing-cpp reads most photos and every 2D symbology (DataMatrix, PDF417, QR);
ZBar reads some blurred or low-contrast 1D photos zxing-cpp misses. Both run
on the photo as it is first; only when that finds nothing do prepared copies
follow (scaled, contrast-stretched, sharpened, binarised, tilted, tiles of a
large photo), cheapest first, stopping at the first copy that yields a read.
Where zxing-cpp finds a QR code it cannot decode (a label wrinkled or bent
round a curve), its modules are sampled again on a grid fitted to the
code's own module edges and the sampled matrix decoded, and OpenCV's QR
reader, which follows a curved edge, tries that part of the copy.

A misread serial is worse than none, so nothing is guessed: zxing-cpp and
OpenCV check what they return (OpenCV reads only QR, whose Reed-Solomon
code is its check), and a ZBar read of a symbology without a mandatory check
digit (Code 39, ITF, Codabar, ...) counts only when a second, independent
read agrees with it.
"""

import math
import os
import time
import warnings
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from typing import TypedDict

from PIL import Image
from PIL import ImageFilter
from PIL import ImageOps

from scanning.photos import MAX_PIXELS
from scanning.photos import MAX_SIDE
from scanning.photos import ImageRejected
from scanning.photos import Rejection
from scanning.photos import check_size
from scanning.photos import open_checked

if TYPE_CHECKING:
    # For annotations only: numpy, as the engines, is loaded on the first photo.
    import numpy as np

__all__ = ["MAX_PIXELS", "MAX_SIDE", "Barcode", "ImageRejected", "Rejection", "decode", "open_image"]

# Below this shorter side a photo is scaled up: the bars of a small label are too thin to read.
SMALL_SIDE = 480
# Above this longer side a photo is also read in overlapping tiles.
LARGE_SIDE = 1400
# A photo with nothing readable is not tried for ever: no engine is called after this long.
BUDGET_SECONDS = 3.0
# The most pixels one engine call is given: a call's cost grows with its pixels (4 MP of noise takes
# zxing-cpp about 0.3 s, 16 MP over a second) and the budget can only be checked between calls.
# A larger photo is read scaled down to this, then in tiles of at most this at full resolution.
ENGINE_PIXELS = 4_000_000
# Which copies sample the photo's pixels alike: a read confirmed only within one sampling is one read.
SAMPLING = {
    "contrast": "photo",
    "local": "photo",
    "equalised": "photo",
    "sharpened": "photo",
    "binarised": "photo",
    "tile": "photo",
    "smoothed": "photo",
    "lightened": "photo",
    "darkened": "photo",
    "upscaled": "upscaled",
}

# ZBar symbologies whose reads carry a check strong enough to trust one read: QR's Reed-Solomon.
# An EAN's mod-10 digit or Code 128's mod-103 is not: ZBar misreads blurred bars into valid codes.
ZBAR_CHECKED = {"QRCODE"}
ERROR_CORRECTED = {"QRCODE", "MICROQRCODE", "RMQRCODE", "DATAMATRIX", "PDF417", "AZTEC", "MAXICODE"}
ZBAR_NAMES = {"I25": "ITF", "ISBN10": "EAN13", "ISBN13": "EAN13", "DATABAR_EXP": "DATABAREXPANDED"}
ZXING_NAMES = {"DATABAREXP": "DATABAREXPANDED", "DATABARLTD": "DATABARLIMITED"}
# zxing-cpp formats never printed on a product's label: the DX code on the edge of photographic film reads
# out of grilles and slatted surfaces, and no serial is ever one.
NOT_ON_LABELS = {"DXFilmEdge"}
# zxing-cpp formats whose failed reads send that part of the copy to the fitted grid and to OpenCV (which
# reads QR Model 2 only).
OPENCV_QR = {"QRCode"}
# OpenCV tries at most this many unread QR codes of one copy: a photo of many costs a bounded time.
OPENCV_TRIES = 2
# Around an unread QR code OpenCV is given this share of its side on each edge, for the quiet zone.
OPENCV_MARGIN = 0.25
# The local threshold of OpenCV's second try: each pixel against the mean of a square a fifth of the
# code's side (a few modules: a fold's shadow stays inside it) less this many gray levels.
OPENCV_BLOCK_SHARE = 5
OPENCV_OFFSET = 5
# The longest side OpenCV is given, the part of the copy scaled down to it if larger: its time grows fast with
# size (a 900-pixel square takes it ten times a 300-pixel one), and 400 pixels give even a QR code of
# version 10 (57 modules) seven a module.
OPENCV_SIDE = 400

# The local contrast copy: tiles across and down, and how far any gray level's share of a tile may be
# stretched (a multiple of an even share). A quarter of the photo holds most of a label's barcode and a
# patch of glare; a higher cap raises paper grain and print noise as much as faint bars.
LOCAL_TILES = 4
LOCAL_CLIP = 3.0
# The radius, in the photo's pixels, at which the upscaled local-contrast copy of a small photo is sharpened.
UPSCALED_SHARPENING = 2

# The grid of a QR code zxing-cpp found but could not decode is fitted in a copy rectified from its corners
# at this many pixels a module, ...
GRID_MODULE = 10
# ... for versions up to this one (77 modules): a larger code's rectified copy costs more than it is likely
# to give back, and needs more pixels than a wrinkled photo of it usually has.
GRID_MOST_VERSION = 15
# How far a module edge is looked for from where the straight grid puts it, as a share of a module: a wrinkle
# moves edges by less than half a module, and further the next edge would be found instead.
GRID_SEARCH = 0.3
# How stiff the fitted grid is: the spread, in modules, over which each edge's shift is averaged with its
# neighbours' (None: not at all, the straight grid of the corners). A sharp fold moves the edges of a few
# modules, a gentle wave those of many: each is tried, stiffest first.
GRID_STIFFNESS = (None, 2.5, 1.5, 1.0)
# The sampled matrix is drawn for zxing-cpp at this many pixels a module, with a quiet zone this many wide.
GRID_DRAWN = 4
GRID_QUIET = 4

# What a photo may be given as: its bytes, a path to it, or a PIL image already opened.
ImageSource = bytes | str | os.PathLike[str] | Image.Image
# Where a barcode was read: (left, top, right, bottom) in the picture read.
Box = tuple[int, int, int, int]
# A code's corners in the picture read: top left, top right, bottom right, bottom left, as the code is upright.
Corners = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class _Unread:
    """A QR code zxing-cpp found but could not decode: where, and its version when it could read that."""

    box: Box
    corners: Corners
    version: int | None


class BarcodeDict(TypedDict):
    text: str
    symbology: str


@dataclass(frozen=True)
class Barcode:
    text: str
    symbology: str

    def as_dict(self) -> BarcodeDict:
        return {"text": self.text, "symbology": self.symbology}


def open_image(image: ImageSource, max_pixels: int = MAX_PIXELS, max_side: int = MAX_SIDE) -> Image.Image:
    """A grayscale PIL image from bytes, a path or a PIL image, upright as the phone held it.

    Refuses empty, non-image, truncated and oversized input with ImageRejected,
    checking the kind and the size from the header before any pixel is decoded.
    """
    if isinstance(image, Image.Image):
        picture = image
        check_size(*picture.size, max_pixels, max_side)
    else:
        if isinstance(image, str | os.PathLike):
            with open(image, "rb") as handle:
                image = handle.read()
        picture, _ = open_checked(image, max_pixels=max_pixels, max_side=max_side)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            picture.load()
            picture = ImageOps.exif_transpose(picture)
            return picture.convert("L")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ImageRejected("image_unreadable", "The image is damaged or cut short.") from None


def _read_zxing(picture: Image.Image) -> tuple[list[tuple[Barcode, Box]], list[_Unread]]:
    """``[(Barcode, box)]`` read by zxing-cpp, and the QR codes it found but could not decode.

    A box is (left, top, right, bottom) in the picture.
    """
    # Loaded on the first photo: the engines' native libraries cost start-up time in every process
    # that imports this package (web workers, the CLI) but reads no photo.
    import zxingcpp

    found = []
    unread = []
    # Plain: the payload exactly as encoded (HRI would rewrite GS1 data and control characters for display).
    # return_errors: a code found whose check failed is not read, but says where a third engine may look.
    for result in zxingcpp.read_barcodes(picture, text_mode=zxingcpp.TextMode.Plain, return_errors=True):
        corners = result.position
        xs = [corners.top_left.x, corners.top_right.x, corners.bottom_left.x, corners.bottom_right.x]
        ys = [corners.top_left.y, corners.top_right.y, corners.bottom_left.y, corners.bottom_right.y]
        box = (min(xs), min(ys), max(xs), max(ys))
        if result.format.name in NOT_ON_LABELS:
            continue
        if result.error:
            if result.format.name in OPENCV_QR:
                extra = result.extra
                version = str(extra.get("Version", "")) if isinstance(extra, dict) else ""
                points = (corners.top_left, corners.top_right, corners.bottom_right, corners.bottom_left)
                unread.append(
                    _Unread(
                        box,
                        (
                            (points[0].x, points[0].y),
                            (points[1].x, points[1].y),
                            (points[2].x, points[2].y),
                            (points[3].x, points[3].y),
                        ),
                        int(version) if version.isdigit() else None,
                    )
                )
            continue
        name = result.format.name.upper().replace("-", "")
        found.append((Barcode(_text(result.text), ZXING_NAMES.get(name, name)), box))
    return found, unread


def _read_zbar(picture: Image.Image) -> list[tuple[Barcode, Box]]:
    """``[(Barcode, box)]`` read by ZBar."""
    # Loaded on the first photo, as zxing-cpp above; pyzbar also opens libzbar through ctypes then.
    from pyzbar import pyzbar

    found = []
    for result in pyzbar.decode(picture):
        try:
            text = result.data.decode("utf-8")
        except UnicodeDecodeError:
            text = result.data.decode("latin-1")
        left, top, width, height = result.rect
        barcode = Barcode(_text(text), ZBAR_NAMES.get(result.type, result.type))
        found.append((barcode, (left, top, left + width, top + height)))
    return found


def _read_opencv(picture: Image.Image, box: Box) -> list[tuple[Barcode, Box]]:
    """``[(Barcode, box)]`` read by OpenCV's QR reader in ``box`` of the picture and a margin around it.

    Two tries, the second only if the first reads nothing: the gray pixels, then
    the same thresholded locally (a wrinkle's shading would otherwise blacken
    white modules on its dark side).
    """
    # Loaded only when a QR code resists zxing-cpp: few photos need OpenCV, and it costs start-up time.
    import cv2
    import numpy as np

    left, top, right, bottom = box
    side = max(right - left, bottom - top)
    margin = round(side * OPENCV_MARGIN)
    area = (
        max(0, left - margin),
        max(0, top - margin),
        min(picture.width, right + margin),
        min(picture.height, bottom + margin),
    )
    if min(area[2] - area[0], area[3] - area[1]) < 21:
        # Smaller than the smallest QR code at one pixel a module.
        return []
    part = picture.crop(area)
    scale = min(1.0, OPENCV_SIDE / max(part.size))
    if scale < 1:
        part = part.resize((round(part.width * scale), round(part.height * scale)), Image.Resampling.BOX)
    pixels = np.asarray(part)
    block = max(3, round(side * scale) // OPENCV_BLOCK_SHARE | 1)
    detector = cv2.QRCodeDetector()
    for attempt in (
        lambda: pixels,
        lambda: cv2.adaptiveThreshold(
            pixels, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, OPENCV_OFFSET
        ),
    ):
        try:
            text, _, _ = detector.detectAndDecodeCurved(attempt())
        except cv2.error:
            # Corners it found but could not fit a curve to: nothing read.
            continue
        if text:
            return [(Barcode(_text(text), "QRCODE"), area)]
    return []


def _read_grid(picture: Image.Image, code: _Unread) -> list[tuple[Barcode, Box]]:
    """``[(Barcode, box)]`` of a QR code zxing-cpp found but could not decode, its modules sampled anew.

    zxing-cpp samples a QR code on the straight grid its finder and alignment
    patterns span; on a wrinkled or bent label the modules between them drift
    off that grid, and too many are misread for the error correction. Here the
    code is rectified from its corners, each module edge looked for near where
    the straight grid puts it, the shifts found smoothed into a grid that bends
    as the label does, and the module at each cell's centre taken as dark or
    light. The matrix, drawn clean, goes back to zxing-cpp, whose Reed-Solomon
    check decides whether it is read: a wrong grid gives no text, not a wrong one.
    """
    # Loaded only when a QR code resists zxing-cpp, as OpenCV is for its reader.
    import cv2
    import numpy as np
    import zxingcpp

    if code.version is None or not 1 <= code.version <= GRID_MOST_VERSION:
        return []
    modules = 17 + 4 * code.version
    side = modules * GRID_MODULE
    square = np.array([[0, 0], [side, 0], [side, side], [0, side]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(np.array(code.corners, dtype=np.float32), square)
    pixels = cv2.warpPerspective(
        np.asarray(picture), transform, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    ).astype(np.float32)
    smooth = cv2.GaussianBlur(pixels, (0, 0), 1)
    # Edge strength across columns (edges between columns of modules) and across rows.
    across = np.abs(cv2.Sobel(smooth, cv2.CV_32F, 1, 0))
    down = np.abs(cv2.Sobel(smooth, cv2.CV_32F, 0, 1))
    mean = cv2.blur(pixels, (3, 3))
    for stiffness in GRID_STIFFNESS:
        grid = mean if stiffness is None else _bend(mean, across, down, modules, stiffness)
        # A module's value at its centre, against a threshold halfway between the mean of the modules
        # around it (shade across the label) and the middle of the code's darkest and lightest.
        centres = (np.arange(modules, dtype=np.float32) + 0.5) * GRID_MODULE
        xs, ys = np.meshgrid(centres, centres)
        values = cv2.remap(grid, xs, ys, cv2.INTER_LINEAR)
        threshold = (cv2.blur(values, (7, 7), borderType=cv2.BORDER_REFLECT) + (values.max() + values.min()) / 2) / 2
        matrix = np.where(values > threshold, 255, 0).astype(np.uint8)
        drawn = np.kron(matrix, np.ones((GRID_DRAWN, GRID_DRAWN), dtype=np.uint8))
        drawn = np.pad(drawn, GRID_QUIET * GRID_DRAWN, constant_values=255)
        for result in zxingcpp.read_barcodes(drawn, is_pure=True, text_mode=zxingcpp.TextMode.Plain):
            # Without a code, zxing-cpp answers a pure image with an empty result of no format.
            if result.valid and result.format.name in OPENCV_QR:
                return [(Barcode(_text(result.text), "QRCODE"), code.box)]
    return []


def _bend(
    pixels: "np.ndarray", across: "np.ndarray", down: "np.ndarray", modules: int, stiffness: float
) -> "np.ndarray":
    """The rectified ``pixels`` resampled so that the module edges found lie on the straight grid."""
    import cv2
    import numpy as np

    side = pixels.shape[0]
    search = max(1, round(GRID_MODULE * GRID_SEARCH))
    # Each column edge's shift in each row of modules, each row edge's in each column.
    shift_x = _edge_shifts(across, modules, search, stiffness)
    shift_y = _edge_shifts(down.T, modules, search, stiffness).T
    # Interpolated to every pixel: column edge b of row i lies at x = b modules, y = i + 1/2 modules.
    xs, ys = np.meshgrid(np.arange(side, dtype=np.float32), np.arange(side, dtype=np.float32))
    unit = np.float32(GRID_MODULE)
    dense_x = cv2.remap(shift_x, xs / unit, ys / unit - 0.5, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    dense_y = cv2.remap(shift_y, xs / unit - 0.5, ys / unit, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    bent: np.ndarray = cv2.remap(pixels, xs + dense_x, ys + dense_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return bent


def _edge_shifts(strength: "np.ndarray", modules: int, search: int, stiffness: float) -> "np.ndarray":
    """How far (pixels) each edge between columns of modules lies from the straight grid, in each row of modules.

    ``strength`` is the edge strength across the columns. In each row (with
    the rows either side, so that an edge two like modules hide in one row is
    still seen) the strongest edge within ``search`` of the grid's is taken;
    the shifts are then averaged over ``stiffness`` modules around, each
    weighed by how clearly its edge stood out. Returns rows x (modules + 1).
    """
    import cv2
    import numpy as np

    side = strength.shape[1]
    rows = np.add.reduceat(strength, np.arange(modules) * GRID_MODULE, axis=0)
    bands = rows.copy()
    bands[1:] += rows[:-1]
    bands[:-1] += rows[1:]
    bands = cv2.blur(bands, (3, 1))
    offsets = np.arange(-search, search + 1)
    places = np.clip(np.arange(modules + 1)[:, None] * GRID_MODULE + offsets[None, :], 0, side - 1)
    scores = bands[:, places]
    best = scores.argmax(axis=2)
    clearness = np.take_along_axis(scores, best[..., None], 2)[..., 0] - np.median(scores, axis=2)
    weights = (np.maximum(clearness, 0) + 1e-3).astype(np.float32)
    shifts = offsets[best].astype(np.float32)
    summed = cv2.GaussianBlur(shifts * weights, (0, 0), stiffness, borderType=cv2.BORDER_REPLICATE)
    weight = cv2.GaussianBlur(weights, (0, 0), stiffness, borderType=cv2.BORDER_REPLICATE)
    averaged: np.ndarray = summed / weight
    return averaged


def _zxing(picture: Image.Image) -> list[Barcode]:
    """What zxing-cpp alone reads (for comparisons and the benchmark)."""
    return [barcode for barcode, _ in _read_zxing(picture)[0]]


def _zbar(picture: Image.Image) -> list[tuple[Barcode, bool]]:
    """What ZBar alone reads, each with whether its symbology's check is strong enough to trust one read."""
    return [(barcode, barcode.symbology in ZBAR_CHECKED) for barcode, _ in _read_zbar(picture)]


def _text(text: str) -> str:
    # Line breaks as the label meant them, whichever the encoder used.
    return text.replace("\r\n", "\n")


def _variants(picture: Image.Image) -> Iterator[tuple[str, Image.Image]]:
    """Prepared copies of the photo, cheapest and most often useful first; each made only when asked for."""
    photo = _fit(picture)
    width, height = photo.size
    upscaled = None
    times = 1
    if min(width, height) < SMALL_SIDE:
        times = min(4, -(-SMALL_SIDE * 2 // min(width, height)), math.isqrt(ENGINE_PIXELS // (width * height)))
        if times > 1:
            upscaled = photo.resize((width * times, height * times), Image.Resampling.LANCZOS)
            yield "upscaled", upscaled
    # The photo sampled anew: a read made again here is a second, independent read.
    factor = 0.75 if min(width, height) >= 2 * SMALL_SIDE else 1.5
    yield "resampled", _fit(photo.resize((round(width * factor), round(height * factor)), Image.Resampling.BICUBIC))
    yield "contrast", ImageOps.autocontrast(photo, cutoff=2)
    yield "local contrast", _local_contrast(photo)
    if upscaled is not None:
        # The same on the small photo's upscaled copy: a second sampling, for a read disputed in the first.
        levelled = _local_contrast(upscaled)
        yield "upscaled local contrast", levelled
        # ... and that sharpened at the photo's own scale (the radius grows with the upscaling): the bars of a
        # small, blurred photo run into each other, and sharpening the photo itself at a two-pixel radius
        # spans several of them; upscaled first, the edges are steepened where they are.
        yield (
            "upscaled sharpened",
            levelled.filter(ImageFilter.UnsharpMask(radius=UPSCALED_SHARPENING * times, percent=150, threshold=2)),
        )
    yield "equalised", ImageOps.equalize(photo)
    yield "sharpened", photo.filter(ImageFilter.UnsharpMask(radius=2, percent=160, threshold=2))
    yield "binarised", _binarise(photo)
    # Mid-tones moved while black and white stay: bars washed out by glare, or spaces dimmed by shadow,
    # cross the engines' thresholds at a level no linear stretch gives them.
    yield "lightened", photo.point(lambda value: round(255 * (value / 255) ** 0.7))
    yield "darkened", photo.point(lambda value: round(255 * (value / 255) ** 1.5))
    if max(picture.size) > LARGE_SIDE:
        yield from _tiles(picture)
    for angle in (4, -4, 12, -12, 25, -25):
        tilted = photo.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
        yield f"tilted {angle}", _fit(tilted)
    yield "smoothed", photo.filter(ImageFilter.MedianFilter(3))


def _fit(picture: Image.Image, most: int = ENGINE_PIXELS) -> Image.Image:
    """``picture``, scaled down to at most ``most`` pixels if it has more."""
    width, height = picture.size
    if width * height <= most:
        return picture
    factor = math.sqrt(most / (width * height))
    size = (max(1, int(width * factor)), max(1, int(height * factor)))
    return picture.resize(size, Image.Resampling.BOX)


def _local_contrast(picture: Image.Image) -> Image.Image:
    """Each part of ``picture`` stretched to its own contrast (CLAHE): bars washed out by glare, dimmed by shade.

    A stretch of the whole photo cannot lift bars half lost in glare without
    burning out the rest; here each of a grid of tiles (LOCAL_TILES across,
    whatever the photo's size) gets its own histogram equalisation, blended
    with its neighbours', and capped (LOCAL_CLIP) so that the grain of
    plain paper is not blown up into bars.
    """
    # Loaded here as the engines are; the sandbox's fork server has it imported already.
    import cv2
    import numpy as np

    equaliser = cv2.createCLAHE(clipLimit=LOCAL_CLIP, tileGridSize=(LOCAL_TILES, LOCAL_TILES))
    return Image.fromarray(equaliser.apply(np.asarray(picture)))


def _binarise(picture: Image.Image) -> Image.Image:
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


def _tiles(picture: Image.Image, most: int = ENGINE_PIXELS) -> Iterator[tuple[str, Image.Image]]:
    """Overlapping tiles of a large photo at full resolution, so a small label in a corner fills the engines' view.

    Two by two, each 0.6 of the photo's width and height, or more of them,
    smaller, when one would have more than ``most`` pixels.
    """
    width, height = picture.size
    across = down = 2

    def side(length: int, count: int) -> int:
        # Neighbours overlap by a third of a tile, so a label cut by one edge is whole in the next tile.
        return min(length, math.ceil(length / (count * 2 / 3 + 1 / 3)))

    while side(width, across) * side(height, down) > most:
        if side(width, across) >= side(height, down):
            across += 1
        else:
            down += 1
    tile_w, tile_h = side(width, across), side(height, down)
    for row in range(down):
        for column in range(across):
            left = round(column * (width - tile_w) / (across - 1))
            top = round(row * (height - tile_h) / (down - 1))
            yield f"tile {left},{top}", picture.crop((left, top, left + tile_w, top + tile_h))


class _Evidence:
    """Every read so far, and which of them may be returned.

    A read counts when zxing-cpp or OpenCV made it (each checks what it
    returns; a fitted grid's matrix is decoded by zxing-cpp too), or ZBar of
    a symbology with a strong check, or when it was read in two differently
    sampled copies of the photo (the photo itself, a scaled
    copy, a tilted copy: a contrast change is the same pixels and proves
    nothing). Two engines reading different texts of one symbology at the same
    place dispute each other: a disputed text needs two samplings too, and if
    both sides of a dispute get them, neither counts.
    """

    def __init__(self) -> None:
        self.order: list[Barcode] = []
        self.trusted: set[Barcode] = set()
        self.samplings: dict[Barcode, set[str]] = {}
        self.disputes: set[frozenset[Barcode]] = set()

    def add(
        self,
        sampling: str,
        zxing_reads: list[tuple[Barcode, Box]],
        zbar_reads: list[tuple[Barcode, Box]],
        opencv_reads: Sequence[tuple[Barcode, Box]] = (),
    ) -> None:
        # A 2D code's error correction leaves no doubt about its bytes; when ZBar's text differs from
        # zxing-cpp's at the same place, it decoded the character set differently: zxing-cpp's stands.
        zbar_reads = [
            (barcode, box)
            for barcode, box in zbar_reads
            if barcode.symbology not in ERROR_CORRECTED
            or not any(
                other.symbology == barcode.symbology and other.text != barcode.text and _overlap(box, other_box)
                for other, other_box in zxing_reads
            )
        ]
        for barcode, _box in [*zxing_reads, *zbar_reads, *opencv_reads]:
            if barcode not in self.order:
                self.order.append(barcode)
            self.samplings.setdefault(barcode, set()).add(sampling)
        # OpenCV reads only where zxing-cpp could not, but two checked engines at odds would leave a doubt.
        pairs: list[tuple[Sequence[tuple[Barcode, Box]], Sequence[tuple[Barcode, Box]]]] = [
            (zxing_reads, zbar_reads),
            (opencv_reads, zbar_reads),
            (zxing_reads, opencv_reads),
        ]
        for first, second in pairs:
            for mine, mine_box in first:
                for theirs, their_box in second:
                    same_kind = mine.symbology == theirs.symbology and mine.text != theirs.text
                    if same_kind and _overlap(mine_box, their_box):
                        self.disputes.add(frozenset((mine, theirs)))
        for barcode, _ in [*zxing_reads, *opencv_reads]:
            self.trusted.add(barcode)
        for barcode, _ in zbar_reads:
            if barcode.symbology in ZBAR_CHECKED:
                self.trusted.add(barcode)

    def accepted(self) -> list[Barcode]:
        disputed = {barcode for pair in self.disputes for barcode in pair}
        sound = {
            barcode
            for barcode in self.order
            if len(self.samplings[barcode]) >= 2 or (barcode in self.trusted and barcode not in disputed)
        }
        for pair in self.disputes:
            if pair <= sound:
                sound -= pair
        return [barcode for barcode in self.order if barcode in sound]


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _distinct(codes: list[_Unread]) -> list[_Unread]:
    """``codes`` less those overlapping one before them: zxing-cpp may report one code's failure twice."""
    kept: list[_Unread] = []
    for code in codes:
        if not any(_overlap(code.box, other.box) for other in kept):
            kept.append(code)
    return kept


def decode(
    image: ImageSource,
    wanted: Callable[[list[Barcode]], bool] | None = None,
    max_pixels: int = MAX_PIXELS,
    budget_seconds: float = BUDGET_SECONDS,
    max_side: int = MAX_SIDE,
) -> list[Barcode]:
    """Every barcode read from ``image`` (bytes, a path or a PIL image), in the order found.

    ``wanted(barcodes)`` says when enough is found (e.g. a plausible serial);
    by default the first prepared copy that yields any read ends the search.
    No engine is called once ``budget_seconds`` have passed since the call
    began, and no call is given more than ENGINE_PIXELS, so the whole costs
    at most the budget and one bounded call. A photo in which nothing looks
    like a barcode gets no prepared copies.
    Raises ImageRejected for input that is no readable image.
    """
    deadline = _clock() + budget_seconds
    picture = open_image(image, max_pixels, max_side)
    wanted = wanted or bool
    evidence = _Evidence()
    copies = _variants(picture)
    name, copy = "photo", _fit(picture)
    third_samplings: set[str] = set()
    while True:
        if _clock() >= deadline:
            break
        zxing_reads, unread = _read_zxing(copy)
        zbar_reads = [] if _clock() >= deadline else _read_zbar(copy)
        sampling = SAMPLING.get(name.split()[0], name)
        evidence.add(sampling, zxing_reads, zbar_reads)
        found = evidence.accepted()
        if found and wanted(found):
            return found
        # The third tries only after the cheaper engines left something wanting, and only where a QR code was seen.
        read_qr = [box for barcode, box in zxing_reads + zbar_reads if barcode.symbology == "QRCODE"]
        unread = [code for code in unread if not any(_overlap(code.box, other) for other in read_qr)]
        third_reads: list[tuple[Barcode, Box]] = []
        if unread and sampling not in third_samplings:
            # Once a sampling: another contrast of the same pixels tells OpenCV, which thresholds them itself,
            # little new, and each try costs tens of milliseconds. The fitted grid, a few milliseconds a
            # stiffness, goes first; OpenCV only where it read nothing.
            third_samplings.add(sampling)
            for code in _distinct(unread)[:OPENCV_TRIES]:
                if _clock() >= deadline:
                    break
                grid_reads = _read_grid(copy, code)
                if not grid_reads and _clock() < deadline:
                    grid_reads = _read_opencv(copy, code.box)
                third_reads += grid_reads
        if third_reads:
            # The copy's reads again (adding one twice changes nothing), so that disputes with the third reads are seen.
            evidence.add(sampling, zxing_reads, zbar_reads, third_reads)
            found = evidence.accepted()
            if found and wanted(found):
                return found
        if name == "photo" and not evidence.order and not _barcode_like(copy):
            return []
        if _clock() >= deadline:
            break
        next_copy = next(copies, None)
        if next_copy is None:
            break
        name, copy = next_copy
    return evidence.accepted()


# Read through this name so that tests can give decode a clock of their own.
_clock = time.monotonic

# What counts as barcode-like in ``_barcode_like``, measured on 16-pixel squares: the mean strength of
# the edges (gray levels a pixel; the shading of a photo stays well under it, the edges of a faint,
# blurred label well over it) and how much they line up (1 when every edge of the square runs along
# one direction or at right angles to it, as bars and modules do; about 0.1 for noise). Two such
# squares are less than the smallest readable barcode covers.
BLOCK = 16
EDGE_STRENGTH = 4.0
EDGE_ALIGNMENT = 0.5
ALIGNED_BLOCKS = 2
RADIUS = 1.0


def _barcode_like(picture: Image.Image) -> bool:
    """Whether anything in ``picture`` has the sharp, straight, parallel or square edges of a barcode.

    A cheap test (a few milliseconds for a phone photo) that lets a photo of
    nothing (a blank wall, a smooth shaded surface, sensor noise) skip the
    prepared copies, whose cost is many times its own. It errs towards yes:
    text, grilles and any small picture pass it.
    """
    # Loaded on the first photo, as the engines are: numpy costs start-up time too.
    import numpy as np

    if min(picture.size) < SMALL_SIDE:
        # A small picture's prepared copies cost little, and in a small synthetic picture modules a
        # pixel wide, without anti-aliasing, look like noise to the test below.
        return True
    # Smoothed first: the stair steps of a slanted edge drawn without anti-aliasing point every way.
    pixels = np.asarray(picture.filter(ImageFilter.GaussianBlur(RADIUS)), dtype=np.float32)
    # Sobel's edge filter: the change of gray level across and down, smoothed along the edge.
    left, right = pixels[:, :-2], pixels[:, 2:]
    across = (right - left)[:-2] + 2 * (right - left)[1:-1] + (right - left)[2:]
    top, bottom = pixels[:-2], pixels[2:]
    down = (bottom - top)[:, :-2] + 2 * (bottom - top)[:, 1:-1] + (bottom - top)[:, 2:]
    across /= 8
    down /= 8
    strength = np.hypot(across, down)
    # Each edge as a vector at four times its angle, as long as the edge is strong: edges at right
    # angles to each other then point the same way and add up, edges in every direction cancel out.
    cube = np.maximum(strength, 1e-6) ** 3
    squares = across * across - down * down
    cosine = (squares * squares - 4 * across * across * down * down) / cube
    sine = 4 * across * down * squares / cube
    rows, columns = strength.shape[0] // BLOCK, strength.shape[1] // BLOCK

    def per_block(values: "np.ndarray") -> "np.ndarray":
        squares = values[: rows * BLOCK, : columns * BLOCK].reshape(rows, BLOCK, columns, BLOCK)
        summed: np.ndarray = squares.sum(axis=(1, 3))
        return summed

    total = per_block(strength)
    alignment = np.hypot(per_block(cosine), per_block(sine)) / np.maximum(total, 1e-6)
    aligned = (total >= EDGE_STRENGTH * BLOCK * BLOCK) & (alignment >= EDGE_ALIGNMENT)
    return int(aligned.sum()) >= ALIGNED_BLOCKS
