"""Photo fingerprints: a reused label photo is found however it was re-encoded; a new photo never is.

Plates are rendered, then "photographed": placed on a background with a pose,
uneven light, sensor noise and JPEG encoding. Reused copies are that photo
re-encoded, resized, cropped or brightened; new photos are new captures of
the same plate (from another spot, or from exactly the same one) and captures
of another unit's plate, which has the same layout.
"""

import io
import random

import numpy as np
import pytest
import zxingcpp
from PIL import Image
from PIL import ImageDraw
from PIL import ImageEnhance
from PIL import ImageFilter

from scanning.fingerprints import CANDIDATE_BITS
from scanning.fingerprints import compare
from scanning.fingerprints import difference_hash
from scanning.fingerprints import fingerprint
from scanning.fingerprints import hamming


def barcode(text, kind, scale=3):
    image = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, kind), scale=scale)
    height, width = image.shape
    return Image.frombuffer("L", (width, height), bytes(memoryview(image)), "raw", "L", 0, 1)


def plate(serial):
    picture = Image.new("L", (1400, 900), 225)
    draw = ImageDraw.Draw(picture)
    for row, line in enumerate(["SANBAO WASHER WM-D10B1", "220V~ 50Hz 2000W", "MADE IN CHINA", "SERIAL " + serial]):
        draw.text((60, 40 + row * 40), line, fill=30)
    picture.paste(barcode(serial, zxingcpp.BarcodeFormat.Code128), (60, 260))
    picture.paste(barcode("WM-D10B1", zxingcpp.BarcodeFormat.Code128), (60, 480))
    picture.paste(barcode(f"https://reg.example.com/r?sn={serial}", zxingcpp.BarcodeFormat.QRCode, 6), (900, 300))
    return picture


def pose(seed):
    rng = random.Random(seed)
    return rng.uniform(-3, 3), rng.randint(-40, 40), rng.randint(-40, 40), rng.uniform(0.6, 1.0)


def capture(picture, seed, where=None):
    """A photograph of ``picture``: pose (angle, shift, light) from ``where`` or the seed, grain from the seed."""
    angle, dx, dy, light = where or pose(seed)
    scene = Image.new("L", (1800, 1300), 60)
    scene.paste(
        picture.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=60), (200 + dx, 150 + dy)
    )
    values = np.asarray(scene, dtype=np.float32) * np.linspace(light, 1.0, scene.width)[None, :]
    values += np.random.default_rng(seed).normal(0, 5, values.shape)
    photo = Image.fromarray(np.clip(values, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    return jpeg(photo, 88)


def jpeg(picture, quality):
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def crop(picture, share):
    width, height = picture.size
    return picture.crop(
        (
            int(width * share),
            int(height * share * 0.7),
            width - int(width * share * 0.3),
            height - int(height * share * 0.5),
        )
    )


def resize(picture, factor):
    return picture.resize((int(picture.width * factor), int(picture.height * factor)))


SERIAL = "WM10B1240100123"


@pytest.fixture(scope="module")
def original():
    return capture(plate(SERIAL), 1)


REUSED = {
    "recompressed at quality 50": lambda p: jpeg(p, 50),
    "recompressed at quality 40": lambda p: jpeg(p, 40),
    "halved": lambda p: resize(p, 0.5),
    "halved and recompressed at 60": lambda p: jpeg(resize(p, 0.5), 60),
    "a third the size": lambda p: resize(p, 0.35),
    "cropped by 8%": lambda p: crop(p, 0.08),
    "cropped by 12% and recompressed at 60": lambda p: jpeg(crop(p, 0.12), 60),
    "brightened by 30%": lambda p: ImageEnhance.Brightness(p).enhance(1.3),
    "darkened, cropped and recompressed": lambda p: jpeg(crop(ImageEnhance.Brightness(p).enhance(0.7), 0.05), 70),
}

NEW = {
    "the same plate on a later visit": lambda: capture(plate(SERIAL), 2),
    "the same plate, another later visit": lambda: capture(plate(SERIAL), 3),
    "the same plate from exactly the same spot": lambda: capture(plate(SERIAL), 7, where=pose(1)),
    "another unit of the model": lambda: capture(plate("WM10B1240100999"), 4),
    "another unit from exactly the same spot": lambda: capture(plate("WM10B1240100999"), 8, where=pose(1)),
}


@pytest.mark.parametrize("how", list(REUSED))
def test_a_reused_photo_is_the_same_capture(original, how):
    verdict = compare(original, REUSED[how](original))
    assert verdict.same_capture, verdict


@pytest.mark.parametrize("how", list(REUSED))
def test_the_comparison_works_either_way_round(original, how):
    assert compare(REUSED[how](original), original).same_capture


@pytest.mark.parametrize("what", list(NEW))
def test_a_new_photograph_is_never_the_same_capture(original, what):
    verdict = compare(original, NEW[what]())
    assert not verdict.same_capture, verdict


@pytest.mark.parametrize("what", list(NEW))
def test_new_photographs_look_alike_to_a_hash_which_is_why_they_are_verified(original, what):
    """The hash alone would flag them: they come as close as reused copies do."""
    assert hamming(difference_hash(original), difference_hash(NEW[what]())) <= CANDIDATE_BITS


@pytest.mark.parametrize("how", list(REUSED))
def test_a_reused_photo_is_a_hash_candidate(original, how):
    assert hamming(difference_hash(original), difference_hash(REUSED[how](original))) <= CANDIDATE_BITS


def test_the_alignment_finds_the_crop(original):
    verdict = compare(original, crop(original, 0.08))
    # The crop keeps 89.6% of the width; its left edge was 8% in.
    assert verdict.scale == pytest.approx(0.896, abs=0.004)
    assert verdict.shift[1] == pytest.approx(round(0.08 * 768), abs=3)


def test_the_fingerprint_holds_the_bytes_hash_and_four_index_bands(original):
    buffer = io.BytesIO()
    original.save(buffer, "PNG")
    print_ = fingerprint(buffer.getvalue(), original)
    assert len(print_.sha256) == 64
    assert print_.phash == difference_hash(original)
    assert sum(band << (16 * index) for index, band in enumerate(print_.bands())) == print_.phash
