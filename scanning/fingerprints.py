"""Photo fingerprints: is this label photo one we have seen before, re-encoded, resized, cropped or brightened?

Every plate of a model looks the same, so a perceptual hash cannot tell a
reused photo from a new photo of another unit, or of the same unit on a
later visit: they all come out within a few bits. The hash only finds
*candidates*; a candidate is confirmed as the same photograph by its noise.
Each capture carries its own sensor noise and grain; re-encoding, resizing,
cropping or brightening a photo keeps that pattern, while a new capture, even
of the same plate from the same spot, has a new one. So the two photos are
aligned (scale and shift, from the picture itself), and the noise left after
removing the picture is correlated over the flat parts of the plate, where
the noise is all there is. A copy correlates clearly; a new capture does not.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image
from PIL import ImageFilter
from PIL import ImageOps

# The working width of the comparison (at most): enough pixels to keep the grain, few enough to be quick.
MAX_WORK_WIDTH = 768
# Below this many pixels a side a picture holds no grain to compare: never judged the same capture.
MIN_SIDE = 16
# Scales searched when aligning two photos: one may be a crop of the other by up to ~20%.
COARSE_WIDTH = 256
COARSE_SCALES = tuple(0.80 + step * 0.02 for step in range(23))
# Grain correlation from which two photos are the same capture. New captures of one plate, from
# the same spot or another, measure 0.00 ± 0.01 on rendered plates; copies re-encoded at JPEG
# quality 40 to 60, resized to a third, cropped by 12% or darkened measure 0.10 to 0.9.
SAME_CAPTURE = 0.08
# Grain is a pixel's own: a copy's correlates where the two line up and not 3 pixels off. What still correlates
# 3 pixels off is the picture itself (print, texture), which a new photograph of the same plate shares. So
# the correlation at the alignment must stand this far above the best of the four 3 pixels off: new
# photographs of one label measured at most 0.044 above (real photographs, tests/bench/test_photo_reuse.py).
GRAIN_OFFSET = 3
GRAIN_MARGIN = 0.06
# Largest local edge strength (gradient x16, box-blurred) that still counts as flat plate.
FLAT_EDGES = 24
# Hash distance within which a stored photo is a candidate worth verifying.
CANDIDATE_BITS = 16

# A picture as numbers: grayscale levels, grain, or where the plate is flat, one value a pixel.
Levels = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]
Spectrum = npt.NDArray[np.complex128]
# (dy, dx) in pixels.
Shift = tuple[int, int]
ScalarT = TypeVar("ScalarT", bound=np.generic)


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    phash: int  # 64-bit difference hash of the normalised picture

    def bands(self) -> list[int]:
        """The hash cut in four 16-bit bands: the index keys (a copy within 3 bits shares one exactly)."""
        return [(self.phash >> (16 * band)) & 0xFFFF for band in range(4)]


@dataclass(frozen=True)
class Verdict:
    same_capture: bool
    noise_correlation: float
    scale: float
    shift: Shift


def fingerprint(data: bytes, picture: Image.Image) -> Fingerprint:
    """The fingerprint of a photo: its bytes' SHA-256, and the hash of its (grayscale, upright) picture."""
    return Fingerprint(hashlib.sha256(data).hexdigest(), difference_hash(picture))


def difference_hash(picture: Image.Image) -> int:
    """64 bits: is each of 8x8 cells darker than its right neighbour, after stretching the contrast."""
    small = ImageOps.autocontrast(picture.convert("L")).resize((9, 8), Image.Resampling.BOX)
    pixels = np.asarray(small, dtype=np.int16).ravel().tolist()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (pixels[row * 9 + col] < pixels[row * 9 + col + 1])
    return bits


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _smooth(picture: Image.Image, width: int) -> Levels:
    """The picture at ``width``, blurred: what aligning two photos needs."""
    gray = picture.convert("L")
    height = max(8, round(gray.height * width / gray.width))
    return np.asarray(
        gray.resize((width, height), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(2)), dtype=np.float32
    )


def _prepare(picture: Image.Image, width: int) -> tuple[Levels, Levels, Mask]:
    """The picture at ``width``: its smooth content, its grain, and where it is flat.

    Flat means no print nearby: the smoothed picture barely changes around the
    pixel, so what is left after the median is the capture's own grain.
    """
    gray = picture.convert("L")
    height = max(8, round(gray.height * width / gray.width))
    scaled = gray.resize((width, height), Image.Resampling.BILINEAR)
    smooth = np.asarray(scaled.filter(ImageFilter.GaussianBlur(2)), dtype=np.float32)
    # The grain as a band of frequencies: finer than the print's shapes, coarser than what JPEG
    # re-encoding and resizing erase first.
    noise = np.asarray(scaled.filter(ImageFilter.GaussianBlur(1)), dtype=np.float32) - np.asarray(
        scaled.filter(ImageFilter.GaussianBlur(3)), dtype=np.float32
    )
    gy, gx = np.gradient(smooth)
    edges = Image.fromarray(np.clip(np.hypot(gx, gy) * 16, 0, 255).astype(np.uint8)).filter(ImageFilter.BoxBlur(4))
    flat = (np.asarray(edges) < FLAT_EDGES) & (smooth > 8) & (smooth < 247)
    return smooth, noise, flat


def _spectrum(a: Levels, shape: tuple[int, int]) -> Spectrum:
    """The spectrum of ``a`` tapered to zero at its edges and padded to ``shape``.

    The taper keeps the picture's own borders (which a crop moves) from being
    what the correlation lines up.
    """
    window = np.outer(np.hanning(a.shape[0]), np.hanning(a.shape[1])).astype(np.float32)
    padded = np.zeros(shape, dtype=np.float32)
    padded[: a.shape[0], : a.shape[1]] = (a - a.mean()) * window
    return np.fft.rfft2(padded)


def _phase_correlation(base_spectrum: Spectrum, b: Levels, shape: tuple[int, int]) -> tuple[Shift, float]:
    """The shift of ``b`` (padded to ``shape``) against the base whose spectrum is given, and how sharp it is."""
    cross = base_spectrum * np.conj(_spectrum(b, shape))
    cross /= np.abs(cross) + 1e-9
    surface = np.fft.irfft2(cross, s=shape)
    peak = np.unravel_index(int(np.argmax(surface)), surface.shape)
    dy, dx = (p if p <= s // 2 else p - s for p, s in zip(peak, shape, strict=True))
    return (int(dy), int(dx)), float(surface[peak])


def _overlap(
    a: npt.NDArray[ScalarT], b: npt.NDArray[ScalarT], shift: Shift
) -> tuple[npt.NDArray[ScalarT], npt.NDArray[ScalarT]] | None:
    """The parts of ``a`` and ``b`` that lie on each other when ``b`` is moved by ``shift``; None if too little."""
    dy, dx = shift
    height = min(a.shape[0], b.shape[0] + dy) - max(0, dy)
    width = min(a.shape[1], b.shape[1] + dx) - max(0, dx)
    if height < 16 or width < 16:
        return None
    ay, ax = max(0, dy), max(0, dx)
    by, bx = max(0, -dy), max(0, -dx)
    return a[ay : ay + height, ax : ax + width], b[by : by + height, bx : bx + width]


def compare(first: Image.Image, second: Image.Image) -> Verdict:
    """Whether two pictures are the same capture: aligned by content, then judged by their noise.

    ``scale`` is the share of the first picture's width that the second spans
    (a crop of the first spans less, a wider shot more), found coarsely on
    small copies, then finely at working size; the shift comes from phase
    correlation at each scale. A picture under ``MIN_SIDE`` pixels a side is too small to judge.
    """
    first, second = first.convert("L"), second.convert("L")
    if min(first.size + second.size) < MIN_SIDE:
        return Verdict(False, 0.0, 1.0, (0, 0))
    small_second = second.resize((COARSE_WIDTH * 2, max(8, round(second.height * COARSE_WIDTH * 2 / second.width))))
    scale, _ = _best_scale(_smooth(first, COARSE_WIDTH), small_second, COARSE_WIDTH, COARSE_SCALES)
    # Both at the detail the smaller of the two still has: upsampling adds no grain to compare.
    width = min(MAX_WORK_WIDTH, first.width, round(second.width / scale))
    base_smooth, base_noise, base_flat = _prepare(first, width)
    # The scale finely on half-size copies, then to a thousandth, with the shift, at working size.
    fine = tuple(scale + step * 0.002 for step in range(-6, 7))
    half = max(64, width // 2)
    scale, _ = _best_scale(_smooth(first, half), second, half, fine)
    scale, shift = _best_scale(base_smooth, second, width, tuple(scale + step * 0.001 for step in range(-2, 3)))
    _, noise, flat = _prepare(second, max(16, round(width * scale)))
    correlation = _noise_correlation(base_noise, base_flat, noise, flat, shift)
    if correlation < SAME_CAPTURE:
        return Verdict(False, correlation, scale, shift)
    dy, dx = shift
    step = GRAIN_OFFSET
    beside = max(
        _noise_correlation(base_noise, base_flat, noise, flat, (dy + ay, dx + ax))
        for ay, ax in ((step, 0), (-step, 0), (0, step), (0, -step))
    )
    return Verdict(correlation - beside >= GRAIN_MARGIN, correlation, scale, shift)


def _best_scale(base: Levels, second: Image.Image, width: int, scales: Sequence[float]) -> tuple[float, Shift]:
    """The scale and shift that line ``second``, resized to ``width * scale``, up best with ``base``.

    Every scale is compared on one padded shape, so the base's spectrum is computed once.
    """
    widest = max(16, round(width * max(scales)))
    shape = (max(base.shape[0], -(-second.height * widest // second.width) + 1), max(base.shape[1], widest))
    base_spectrum = _spectrum(base, shape)
    best: tuple[float, float, Shift] | None = None
    for scale in scales:
        smooth = _smooth(second, max(16, round(width * scale)))
        shift, sharpness = _phase_correlation(base_spectrum, smooth, shape)
        if best is None or sharpness > best[0]:
            best = (sharpness, scale, shift)
    # The loop has run: max(scales) above has already refused an empty ``scales``.
    assert best is not None
    return best[1], best[2]


def _noise_correlation(base_noise: Levels, base_flat: Mask, noise: Levels, flat: Mask, shift: Shift) -> float:
    """Correlation of the two noise patterns where both pictures are flat (no print, no clipping)."""
    # The noise and the flat mask of a picture have one shape: both overlap, or neither does.
    noises = _overlap(base_noise, noise, shift)
    flats = _overlap(base_flat, flat, shift)
    if noises is None or flats is None:
        return 0.0
    (a_noise, b_noise), (a_flat, b_flat) = noises, flats
    both = a_flat & b_flat
    if both.sum() < 500:
        return 0.0
    a, b = a_noise[both].astype(np.float64), b_noise[both].astype(np.float64)
    a -= a.mean()
    b -= b.mean()
    denominator = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0
