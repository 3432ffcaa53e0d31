"""Benchmark: does the reuse check tell a copy of a photograph from a new photograph of the same unit?

Reads the real photographs in ``SANBAO_BARCODES`` (default ``../shared/barcodes``; each ``NAME.ext`` with
``NAME.txt`` holding the text its code encodes). Two photographs in one capture series (folder) whose codes
read the same text are two captures of one label: the "new photograph of the same plate" a technician takes
at a later visit. Only camera photographs count (lossy WebP or JPEG); rendered codes (PNG) have no grain and
are left out. Each photograph is then altered the ways a reused photo is (crop, rescale, recompression,
brightness and contrast, a small rotation, the phone's stamp, a screenshot of a screenshot).

Prints, for the decision ``scanning.fingerprints.compare`` makes: copies caught, re-shots flagged, the
spread of the grain correlation of each set (the margin between them) and the time per comparison.
"""

import io
import itertools
import os
import statistics
import time
from collections import defaultdict
from pathlib import Path

import pytest
from PIL import Image
from PIL import ImageDraw
from PIL import ImageEnhance

from scanning.fingerprints import SAME_CAPTURE
from scanning.fingerprints import compare

ROOT = Path(os.environ.get("SANBAO_BARCODES", Path(__file__).resolve().parents[3] / "shared" / "barcodes"))
PHOTOGRAPHS = {".webp", ".jpg", ".jpeg"}


def series():
    """``{(folder, text): [path, ...]}`` of camera photographs, two or more per key."""
    found = defaultdict(list)
    for folder in sorted(p for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("falsepositives")):
        for path in sorted(folder.iterdir()):
            expected = path.with_suffix(".txt")
            if path.suffix.lower() in PHOTOGRAPHS and expected.exists():
                found[(folder.name, expected.read_text(encoding="utf-8").strip())].append(path)
    return {key: paths for key, paths in found.items() if len(paths) > 1}


def load(path):
    return Image.open(path).convert("RGB")


def recompressed(picture, quality):
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def cropped(picture, share):
    width, height = picture.size
    return picture.crop((int(width * share), int(height * share * 0.6), width - int(width * share * 0.4), height))


def rescaled(picture, factor):
    return picture.resize((max(8, round(picture.width * factor)), max(8, round(picture.height * factor))))


def rotated(picture, degrees):
    turned = picture.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(0, 0, 0))
    return cropped(turned, 0.06)


def stamped(picture):
    """The phone's stamp: a dark band along the bottom with the job number, the time and the position."""
    stamp = picture.copy()
    draw = ImageDraw.Draw(stamp)
    band = max(12, stamp.height // 9)
    draw.rectangle((0, stamp.height - band, stamp.width, stamp.height), fill=(0, 0, 0))
    draw.text((4, stamp.height - band + 2), "J2025-000123 2025-06-01 10:32 31.2304,121.4737", fill=(255, 255, 255))
    return recompressed(stamp, 85)


def screenshot_of_screenshot(picture):
    """Shown on a phone at 2x, captured with the status bar, sent, shown again at 1.5x and captured again."""
    shots = picture
    for ratio in (2.0, 1.5):
        screen = Image.new("RGB", (round(shots.width * ratio) + 40, round(shots.height * ratio) + 120), (250, 250, 250))
        screen.paste(rescaled(shots, ratio), (20, 80))
        ImageDraw.Draw(screen).rectangle((0, 0, screen.width, 40), fill=(30, 30, 30))
        shots = recompressed(rescaled(screen, 0.5), 80)
    return shots


ALTERATIONS = {
    "recompressed q40": lambda p: recompressed(p, 40),
    "recompressed q60": lambda p: recompressed(p, 60),
    "halved": lambda p: rescaled(p, 0.5),
    "enlarged 1.5x, q70": lambda p: recompressed(rescaled(p, 1.5), 70),
    "cropped 10%": lambda p: cropped(p, 0.10),
    "cropped 15%, q60": lambda p: recompressed(cropped(p, 0.15), 60),
    "brightened 30%": lambda p: ImageEnhance.Brightness(p).enhance(1.3),
    "contrast +40%, q70": lambda p: recompressed(ImageEnhance.Contrast(p).enhance(1.4), 70),
    "rotated 2 degrees": lambda p: recompressed(rotated(p, 2), 80),
    "stamped": stamped,
    "screenshot of a screenshot": screenshot_of_screenshot,
}


def spread(values):
    cuts = sorted(values)
    return f"min {cuts[0]:.3f}  median {statistics.median(cuts):.3f}  max {cuts[-1]:.3f}"


def test_copies_caught_and_new_photographs_never_flagged(machine):
    if not ROOT.is_dir():
        pytest.skip(f"no barcode photographs at {ROOT}; set SANBAO_BARCODES")
    groups = series()
    reshots = [pair for paths in groups.values() for pair in itertools.combinations(paths, 2)]
    originals = sorted({path for paths in groups.values() for path in paths})
    print(f"\n{len(reshots)} pairs of new photographs of one label, {len(originals)} photographs, on {machine}")

    timings = []

    def judged(first, second):
        began = time.perf_counter()
        verdict = compare(first, second)
        timings.append((time.perf_counter() - began) * 1000)
        return verdict

    flagged, new_scores = [], []
    for a, b in reshots:
        verdict = judged(load(a), load(b))
        new_scores.append(verdict.noise_correlation)
        if verdict.same_capture:
            flagged.append((a, b, verdict))
    caught, missed, copy_scores = 0, [], []
    by_alteration = defaultdict(int)
    for path in originals:
        original = load(path)
        for name, alter in ALTERATIONS.items():
            verdict = judged(original, alter(original))
            copy_scores.append(verdict.noise_correlation)
            if verdict.same_capture:
                caught += 1
                by_alteration[name] += 1
            else:
                missed.append((path, name, verdict))
    copies = len(originals) * len(ALTERATIONS)
    print(f"threshold {SAME_CAPTURE}")
    print(f"copies caught       {caught}/{copies}   scores {spread(copy_scores)}")
    print(f"re-shots flagged    {len(flagged)}/{len(reshots)}   scores {spread(new_scores)}")
    for name in ALTERATIONS:
        print(f"  {name:<28} {by_alteration[name]}/{len(originals)}")
    for a, b, verdict in flagged:
        print(f"  flagged re-shot: {a.parent.name}/{a.name} ~ {b.name}  {verdict}")
    for path, name, verdict in missed[:20]:
        print(f"  missed copy: {path.parent.name}/{path.name} {name}  {verdict.noise_correlation:.3f}")
    cuts = statistics.quantiles(timings, n=20)
    print(f"comparison: median {statistics.median(timings):.1f} ms  p95 {cuts[18]:.1f} ms  over {len(timings)}")
