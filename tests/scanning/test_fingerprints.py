"""Photo fingerprints: a reused label photo is found however it was re-encoded; a new photo never is.

Plates are rendered, then "photographed": placed on a background with a pose,
uneven light, sensor noise and JPEG encoding. Reused copies are that photo
re-encoded, resized, cropped or brightened; new photos are new captures of
the same plate (from another spot, or from exactly the same one) and captures
of another unit's plate, which has the same layout.
"""

import io

import pytest
from PIL import ImageEnhance

from scanning.fingerprints import CANDIDATE_BITS
from scanning.fingerprints import compare
from scanning.fingerprints import difference_hash
from scanning.fingerprints import fingerprint
from scanning.fingerprints import hamming
from tests.scanning.plates import capture
from tests.scanning.plates import crop
from tests.scanning.plates import jpeg
from tests.scanning.plates import plate
from tests.scanning.plates import pose
from tests.scanning.plates import resize

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


@pytest.mark.parametrize("size", [(1, 1), (1, 40), (40, 2), (15, 15)])
def test_a_picture_too_small_to_hold_grain_is_never_the_same_capture(original, size):
    """A sliver or a single pixel (a fuzzer's upload) is answered, not a crash in the gradient of a 1-pixel row."""
    tiny = original.resize(size)
    for first, second in ((tiny, tiny), (tiny, original), (original, tiny)):
        verdict = compare(first, second)
        assert not verdict.same_capture
        assert verdict.noise_correlation == 0.0
