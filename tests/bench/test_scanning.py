"""Benchmark: barcode decoding on real photos, each engine alone, the two pooled, and ``scanning.decode``.

Reads the photographs in ``SANBAO_BARCODES`` (default ``../shared/barcodes``):
each ``NAME.ext`` with ``NAME.txt`` holding the text it encodes; folders
named ``falsepositives-*`` hold images without a barcode. Prints, side by
side, the decode rate, misreads (something read, not the text expected),
false positives and the median and p95 milliseconds per image.
"""

import importlib
import os
import statistics
import time
from pathlib import Path

import pytest
from PIL import Image

# The module, not the function the package exports under the same name: the engines are compared alone.
decoding = importlib.import_module("scanning.decode")
ROOT = Path(os.environ.get("SANBAO_BARCODES", Path(__file__).resolve().parents[3] / "shared" / "barcodes"))
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"}


def samples():
    """``(path, expected text or None)`` of every image; None for the false-positive folders."""
    found = []
    for folder in sorted(p for p in ROOT.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            if folder.name.startswith("falsepositives"):
                found.append((path, None))
                continue
            expected = path.with_suffix(".txt")
            if expected.exists():
                found.append((path, expected.read_text(encoding="utf-8").replace("\r\n", "\n").rstrip("\n")))
    return found


def zbar_alone(picture):
    return [barcode for barcode, _ in decoding._zbar(picture)]


def zxing_alone(picture):
    return decoding._zxing(picture)


def pooled(picture):
    return zxing_alone(picture) + zbar_alone(picture)


def ours(path):
    return decoding.decode(str(path))


def score(label, read, items, takes_path=False):
    decoded = misread = false_positive = 0
    timings = []
    for path, expected in items:
        picture = None if takes_path else decoding.open_image(str(path))
        began = time.perf_counter()
        texts = [barcode.text.rstrip("\n") for barcode in read(path if takes_path else picture)]
        timings.append((time.perf_counter() - began) * 1000)
        if expected is None:
            false_positive += bool(texts)
        elif expected in texts:
            decoded += 1
        elif texts:
            misread += 1
    positives = sum(1 for _, expected in items if expected is not None)
    negatives = len(items) - positives
    cuts = statistics.quantiles(timings, n=20)
    print(
        f"{label:<18} decoded {decoded}/{positives} = {100 * decoded / positives:.1f}%  misread {misread}  "
        f"false positives {false_positive}/{negatives}  median {statistics.median(timings):.1f} ms  "
        f"p95 {cuts[18]:.1f} ms"
    )
    return decoded, misread, false_positive


def test_decoders_side_by_side(machine):
    if not ROOT.is_dir():
        pytest.skip(f"no barcode photographs at {ROOT}; set SANBAO_BARCODES")
    items = samples()
    Image.MAX_IMAGE_PIXELS = decoding.MAX_PIXELS
    print(f"\n{len(items)} images from {ROOT} on {machine}")
    score("pyzbar alone", zbar_alone, items)
    score("zxing-cpp alone", zxing_alone, items)
    pooled_decoded, _, _ = score("pooled", pooled, items)
    decoded, _, false_positive = score("scanning.decode", ours, items, takes_path=True)
    assert decoded > pooled_decoded
    assert false_positive == 0
