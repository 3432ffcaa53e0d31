"""scanning.decode: every barcode of a label photo, read exactly or not at all."""

import importlib

import pytest
from PIL import Image
from PIL import ImageChops
from PIL import ImageDraw
from PIL import ImageFile
from PIL import ImageFilter
from PIL import ImageFont
from PIL import ImageStat

from scanning.decode import Barcode
from scanning.decode import ImageRejected
from scanning.decode import decode
from scanning.decode import open_image
from tests.helpers import png_header
from tests.scanning.plates import bent
from tests.scanning.plates import capture
from tests.scanning.plates import glared
from tests.scanning.plates import plate as label_plate
from tests.scanning.plates import wrinkled

# The module itself: ``import scanning.decode`` would give the function, which scanning/__init__.py
# re-exports under the same name.
decoding = importlib.import_module("scanning.decode")
real_variants = decoding._variants


def has_serial(found):
    """What the app asks for: enough once something that looks like one of our serials is read."""
    return any(barcode.text.startswith("WM") for barcode in found)


def never(found):
    return False


def texts(found):
    return [barcode.text for barcode in found]


@pytest.fixture
def requested(monkeypatch):
    """The names of the prepared copies decode asks for, in order, as it asks for them."""
    names = []

    def spy(picture):
        for name, variant in real_variants(picture):
            names.append(name)
            yield name, variant

    monkeypatch.setattr(decoding, "_variants", spy)
    return names


# ---------------------------------------------------------------- a clean label


def test_clean_label_yields_its_four_barcodes_exactly(make_label, plate):
    found = decode(make_label())

    assert len(found) == 4
    assert set(found) == plate.barcodes


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(lambda picture, as_bytes, tmp_path: as_bytes(picture), id="PNG bytes"),
        pytest.param(lambda picture, as_bytes, tmp_path: save(picture, tmp_path / "label.png"), id="Path"),
        pytest.param(lambda picture, as_bytes, tmp_path: str(save(picture, tmp_path / "label.png")), id="str path"),
        pytest.param(lambda picture, as_bytes, tmp_path: picture.convert("RGB"), id="RGB PIL image"),
    ],
)
def test_every_kind_of_input_gives_the_same_barcodes_as_the_pil_image(make_label, plate, as_bytes, tmp_path, given):
    picture = make_label()

    found = decode(given(picture, as_bytes, tmp_path))

    assert found == decode(picture)
    assert set(found) == plate.barcodes


def save(picture, path):
    picture.save(path)
    return path


# ---------------------------------------------------------------- degraded photos

DEGRADATIONS = [
    pytest.param({"blur": 1.5}, id="blur 1.5"),
    pytest.param({"blur": 2.5}, id="blur 2.5"),
    pytest.param({"rotate": 7}, id="rotated 7"),
    pytest.param({"rotate": -12}, id="rotated -12"),
    pytest.param({"rotate": 20}, id="rotated 20"),
    pytest.param({"light": 0.85}, id="dark uneven light"),
    pytest.param({"quality": 25}, id="JPEG 25"),
    pytest.param({"quality": 10}, id="JPEG 10"),
    pytest.param({"width": 400}, id="400 px wide"),
    pytest.param({"blur": 1.5, "rotate": 7, "light": 0.7, "quality": 25}, id="blurred tilted dim JPEG"),
    pytest.param({"rotate": 7, "light": 0.85, "width": 400, "quality": 25}, id="tilted dark 400 px JPEG"),
    pytest.param({"blur": 1.5, "rotate": -12, "width": 400, "quality": 25}, id="blurred tilted 400 px JPEG"),
    # At 400 px wide this one leaves the serial 1.4 pixels a module, under JPEG blocks: 450 px is 1.6.
    pytest.param({"blur": 1.5, "rotate": -12, "light": 0.85, "width": 450, "quality": 25}, id="all five, 450 px"),
]


@pytest.mark.parametrize("degradations", DEGRADATIONS)
def test_serial_is_read_exactly_from_a_degraded_photo(make_label, plate, degradations):
    found = decode(make_label(**degradations), wanted=has_serial)

    assert Barcode(plate.serial, "CODE128") in found


# Photos on which an engine misreads the serial's bars, and decode passes the misread on:
MISREAD_PRONE = [
    # ZBar reads "WMzzB1240100123" (CODE128, trusted on one read) in the upscaled copy.
    pytest.param({"rotate": -12, "light": 0.85, "width": 340, "quality": 25}, id="tilted dark 340 px JPEG"),
    # zxing-cpp reads "WM1UB1240104823" in the photo itself, where ZBar reads the serial right.
    pytest.param({"blur": 1.5, "rotate": -12, "width": 380}, id="blurred tilted 380 px"),
    # ZBar reads "WM1&B1240000123" (CODE128) in the photo itself.
    pytest.param({"blur": 2, "rotate": -12, "light": 0.7, "quality": 25}, id="blur 2 tilted dim JPEG"),
    # ZBar reads ITF "958968" in the photo and again in its contrast-stretched copy: not independent reads.
    pytest.param({"blur": 2.5, "rotate": -12, "light": 0.7, "quality": 25}, id="blur 2.5 tilted dim JPEG"),
]


@pytest.mark.parametrize("degradations", DEGRADATIONS + MISREAD_PRONE)
def test_degraded_photo_yields_no_text_that_is_not_on_the_plate(make_label, plate, degradations):
    found = decode(make_label(**degradations), wanted=has_serial)

    assert set(texts(found)) <= plate.texts


@pytest.mark.parametrize(
    "sticker",
    [
        pytest.param({"module": 1.3}, id="tiny: 1.3 pixels a module"),
        pytest.param({"scale": 3, "ink": 110, "paper": 130, "blur": 1.5}, id="faint and blurred"),
    ],
)
def test_preprocessing_reads_what_neither_engine_reads_in_the_photo(make_sticker, plate, sticker):
    picture = make_sticker(**sticker)
    photo = open_image(picture)

    assert decoding._zxing(photo) == []
    assert [barcode for barcode, _ in decoding._zbar(photo)] == []
    assert decode(picture) == [Barcode(plate.serial, "CODE128")]


# ---------------------------------------------------------------- never a guess


@pytest.mark.parametrize(
    ("size", "seed"),
    [((800, 600), 1), ((800, 600), 2), ((200, 150), 3), ((1500, 1000), 4)],
)
def test_random_pixels_read_nothing(make_noise, size, seed):
    assert decode(make_noise(size, seed), wanted=never) == []


def blank(make_noise):
    return Image.new("L", (800, 600), 255)


def gradient_photo(make_noise):
    """A smooth radial gradient under soft blobs: the shading of a photo without a label in it."""
    blobs = make_noise((120, 90), 3).resize((1200, 900), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(8))
    return Image.blend(Image.radial_gradient("L").resize((1200, 900)), blobs, 0.5)


def text_only(make_noise):
    picture = Image.new("L", (1000, 700), 255)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=22)
    for row in range(18):
        draw.text(
            (40, 30 + 36 * row), f"Rated voltage 220-240V~ 50Hz  Rated power 2000W  IPX4  {row}", fill=0, font=font
        )
    return picture


def vent_grille(make_noise):
    """Evenly spaced black slats: bars without a code in them."""
    picture = Image.new("L", (800, 600), 255)
    draw = ImageDraw.Draw(picture)
    for left in range(0, 800, 12):
        draw.rectangle((left, 100, left + 5, 500), fill=0)
    return picture


@pytest.mark.parametrize("build", [blank, gradient_photo, text_only, vent_grille])
def test_picture_without_a_barcode_reads_nothing(make_noise, build):
    assert decode(build(make_noise), wanted=never) == []


@pytest.mark.parametrize("keep", ["left", "right"])
def test_half_a_barcode_reads_nothing_but_its_own_text(make_sticker, plate, keep):
    sticker = make_sticker()
    middle = sticker.width // 2
    half = sticker.crop(
        (0, 0, middle, sticker.height) if keep == "left" else (middle, 0, sticker.width, sticker.height)
    )

    assert set(texts(decode(half, wanted=never))) <= {plate.serial}


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("keep", ["left", "right"])
def test_label_cut_through_the_serial_reads_nothing_that_is_not_on_it(make_label, plate, cut, keep):
    label = make_label()
    # The serial's bars run from x=80 to x=704.
    x = round(80 + cut * 624)
    piece = label.crop((0, 0, x, label.height) if keep == "left" else (x, 0, label.width, label.height))

    assert set(texts(decode(piece, wanted=never))) <= plate.texts


# ---------------------------------------------------------------- what only zxing-cpp reads


@pytest.mark.parametrize(
    ("symbology", "text"),
    [
        ("DATAMATRIX", "WM10B1240100123"),
        ("PDF417", "WM10B1240100123 XQG100-B124 2025-03"),
    ],
)
def test_2d_symbology_zbar_cannot_read_is_read(make_sticker, symbology, text):
    sticker = make_sticker(text, symbology, scale=4)

    assert [barcode for barcode, _ in decoding._zbar(open_image(sticker))] == []
    assert decode(sticker) == [Barcode(text, symbology)]


# ---------------------------------------------------------------- what only OpenCV reads

BENT = [
    pytest.param(60, 10, id="60 degrees round, rows bowed 10 px"),
    pytest.param(60, 20, id="60 degrees round, rows bowed 20 px"),
    pytest.param(100, 10, id="100 degrees round, rows bowed 10 px"),
]


@pytest.fixture
def bent_qr(make_sticker, plate):
    """``bent_qr(arc, bow)``: the plate's QR code stuck on a curve and photographed."""

    def make(arc, bow):
        return bent(make_sticker(plate.url, "QRCODE", scale=6), arc, bow)

    return make


@pytest.mark.parametrize(("arc", "bow"), BENT)
def test_qr_code_bent_round_a_curve_is_read(bent_qr, plate, arc, bow):
    photo = bent_qr(arc, bow)

    assert decoding._zxing(photo) == []
    assert [barcode for barcode, _ in decoding._zbar(photo)] == []
    assert decode(photo) == [Barcode(plate.url, "QRCODE")]


@pytest.mark.parametrize(("arc", "bow"), BENT)
def test_bent_qr_code_is_read_by_opencv_where_zxing_found_it(bent_qr, monkeypatch, arc, bow):
    monkeypatch.setattr(decoding, "_read_opencv", lambda picture, box: [])

    assert decode(bent_qr(arc, bow), wanted=never) == []


@pytest.fixture
def opencv_calls(monkeypatch):
    """The pictures and boxes OpenCV is handed, in order."""
    calls = []
    real = decoding._read_opencv

    def spy(picture, box):
        calls.append((picture.size, box))
        return real(picture, box)

    monkeypatch.setattr(decoding, "_read_opencv", spy)
    return calls


def random_pixels(make_noise):
    return make_noise((800, 600), 5)


@pytest.mark.parametrize("build", [blank, gradient_photo, text_only, vent_grille, random_pixels])
def test_opencv_is_not_called_where_no_qr_code_was_seen(make_noise, opencv_calls, build):
    assert decode(build(make_noise), wanted=never) == []

    assert opencv_calls == []


def test_opencv_is_not_called_for_a_photo_the_other_engines_read(make_label, plate, opencv_calls):
    assert set(decode(make_label())) == plate.barcodes

    assert opencv_calls == []


@pytest.mark.parametrize("build", [text_only, vent_grille, random_pixels])
def test_opencv_reads_nothing_in_a_picture_without_a_qr_code(make_noise, build):
    picture = open_image(build(make_noise))

    assert decoding._read_opencv(picture, (100, 100, 400, 400)) == []


def test_opencv_gets_at_most_its_side_in_pixels(bent_qr, monkeypatch):
    photo = bent_qr(60, 10)
    large = photo.resize((photo.width * 4, photo.height * 4), Image.Resampling.BICUBIC)
    seen = []
    cv2 = pytest.importorskip("cv2")
    real = cv2.QRCodeDetector.detectAndDecodeCurved

    def spy(self, pixels):
        seen.append(pixels.shape)
        return real(self, pixels)

    monkeypatch.setattr(cv2.QRCodeDetector, "detectAndDecodeCurved", spy, raising=False)
    decoding._read_opencv(large, (0, 0, large.width, large.height))

    assert seen
    assert all(max(shape) <= decoding.OPENCV_SIDE for shape in seen)


GLARE = [
    pytest.param(0.98, 0.15, id="glare 98%, narrow"),
    pytest.param(0.98, 0.25, id="glare 98%, wide"),
]


@pytest.mark.parametrize(("strength", "spread"), GLARE)
def test_barcode_half_lost_in_glare_is_read_through_its_local_contrast(make_sticker, plate, strength, spread):
    photo = glared(make_sticker(plate.ean, "EAN13", scale=2), strength, spread)

    assert decoding._zxing(photo) == []
    assert decode(photo) == [Barcode(plate.ean, "EAN13")]


@pytest.mark.parametrize(("strength", "spread"), GLARE)
def test_without_the_local_contrast_copies_the_glared_barcode_reads_nothing(
    make_sticker, plate, monkeypatch, strength, spread
):
    photo = glared(make_sticker(plate.ean, "EAN13", scale=2), strength, spread)
    monkeypatch.setattr(decoding, "_local_contrast", lambda picture: picture)

    assert decode(photo, wanted=never) == []


def test_local_contrast_lifts_bars_washed_out_where_the_glare_is(make_sticker, plate):
    photo = glared(make_sticker(plate.ean, "EAN13", scale=2), 0.98, 0.25)
    washed = photo.crop((60, 20, 100, 60))

    lifted = decoding._local_contrast(photo).crop((60, 20, 100, 60))

    assert ImageStat.Stat(lifted).stddev[0] > 2 * ImageStat.Stat(washed).stddev[0]


def test_local_contrast_of_the_upscaled_copy_only_for_a_small_photo(make_label, requested):
    decode(make_label(width=1000), wanted=never)
    large = list(requested)
    requested.clear()
    decode(make_label(width=400), wanted=never)

    assert "local contrast" in large
    assert "upscaled local contrast" not in large
    assert requested.index("local contrast") < requested.index("upscaled local contrast")


# A small photo of a serial (pixels a module, blur radius, gray level of the bars) that only the upscaled,
# sharpened copy reads.
BLURRED_SMALL = [
    pytest.param(1.5, 1.0, 0, id="1.5 px a module, blur 1.0"),
    pytest.param(1.5, 1.0, 60, id="1.5 px a module, blur 1.0, gray bars"),
    pytest.param(2.0, 1.3, 0, id="2 px a module, blur 1.3"),
]


@pytest.mark.parametrize(("module", "blur", "ink"), BLURRED_SMALL)
def test_small_blurred_barcode_is_read_from_its_upscaled_sharpened_copy(
    make_sticker, plate, requested, module, blur, ink
):
    photo = make_sticker(plate.serial, "CODE128", module=module, ink=ink, blur=blur)

    assert decode(photo) == [Barcode(plate.serial, "CODE128")]
    assert requested[-1] == "upscaled sharpened"


@pytest.mark.parametrize(("module", "blur", "ink"), BLURRED_SMALL)
def test_without_the_upscaled_sharpened_copy_the_small_blurred_barcode_reads_nothing(
    make_sticker, plate, monkeypatch, module, blur, ink
):
    photo = make_sticker(plate.serial, "CODE128", module=module, ink=ink, blur=blur)

    def without(picture):
        return ((name, copy) for name, copy in real_variants(picture) if name != "upscaled sharpened")

    monkeypatch.setattr(decoding, "_variants", without)

    assert decode(photo, wanted=never) == []


@pytest.fixture
def wrinkled_qr(make_sticker, plate):
    """The plate's QR code (version 3, 6 pixels a module) on rippled cloth: zxing-cpp finds it, cannot decode it."""
    return wrinkled(make_sticker(plate.url, "QRCODE", scale=6), amplitude=3, wavelength=60)


def test_wrinkled_qr_code_is_read(wrinkled_qr, plate):
    assert decoding._zxing(wrinkled_qr) == []
    assert [barcode for barcode, _ in decoding._zbar(wrinkled_qr)] == []
    assert decode(wrinkled_qr) == [Barcode(plate.url, "QRCODE")]


def test_wrinkled_qr_code_is_read_from_the_photo_itself_on_a_grid_fitted_to_it(wrinkled_qr, plate, requested):
    _, unread = decoding._read_zxing(wrinkled_qr)

    assert [code.version for code in unread] == [3]
    assert [barcode for barcode, _ in decoding._read_grid(wrinkled_qr, unread[0])] == [Barcode(plate.url, "QRCODE")]
    assert decode(wrinkled_qr) == [Barcode(plate.url, "QRCODE")]
    assert requested == []


def test_without_the_fitted_grid_the_wrinkled_photo_itself_reads_nothing(wrinkled_qr, monkeypatch):
    # The photo alone: zxing-cpp reads some prepared copies of this synthetic code, a real photo's need not.
    monkeypatch.setattr(decoding, "_variants", lambda picture: iter(()))
    assert decode(wrinkled_qr, wanted=never) != []

    monkeypatch.setattr(decoding, "_read_grid", lambda picture, code: [])
    assert decode(wrinkled_qr, wanted=never) == []


def test_wrinkled_qr_code_is_read_by_the_fitted_grid_straight_and_opencv_is_not_asked(wrinkled_qr, plate, opencv_calls):
    assert decode(wrinkled_qr) == [Barcode(plate.url, "QRCODE")]

    assert opencv_calls == []


def test_fitted_grid_on_the_straight_grid_alone_does_not_read_the_wrinkled_qr_code(wrinkled_qr, monkeypatch):
    _, unread = decoding._read_zxing(wrinkled_qr)
    monkeypatch.setattr(decoding, "GRID_STIFFNESS", (None,))

    assert decoding._read_grid(wrinkled_qr, unread[0]) == []


@pytest.mark.parametrize("build", [text_only, vent_grille, random_pixels])
@pytest.mark.parametrize("version", [1, 3, 10])
def test_fitted_grid_reads_nothing_in_a_picture_without_a_qr_code(make_noise, build, version):
    picture = open_image(build(make_noise))
    code = decoding._Unread((100, 100, 400, 400), ((100, 100), (400, 100), (400, 400), (100, 400)), version)

    assert decoding._read_grid(picture, code) == []


@pytest.mark.parametrize(
    "corners",
    [
        pytest.param(((10, 10),) * 4, id="one point"),
        pytest.param(((0, 0), (100, 100), (200, 200), (300, 300)), id="on a line"),
        pytest.param(((-50, -50), (900, -50), (900, 700), (-50, 700)), id="beyond the picture"),
    ],
)
def test_fitted_grid_reads_nothing_from_corners_that_span_no_code(make_noise, corners):
    picture = open_image(make_noise((800, 600), 5))

    assert decoding._read_grid(picture, decoding._Unread((0, 0, 300, 300), corners, 3)) == []


@pytest.mark.parametrize("version", [None, 0, decoding.GRID_MOST_VERSION + 1])
def test_fitted_grid_is_not_tried_without_a_version_it_may_sample(wrinkled_qr, monkeypatch, version):
    _, unread = decoding._read_zxing(wrinkled_qr)
    calls = []
    monkeypatch.setattr(decoding, "_bend", lambda *args: calls.append(args))

    code = decoding._Unread(unread[0].box, unread[0].corners, version)

    assert decoding._read_grid(wrinkled_qr, code) == []
    assert calls == []


QR = Barcode("https://reg.example.com/r?sn=WM10B1240100123", "QRCODE")
OTHER_QR = Barcode("https://reg.example.com/r?sn=WM10B1240100124", "QRCODE")


def test_opencv_read_alone_is_accepted():
    evidence = decoding._Evidence()

    evidence.add("photo", [], [], [(QR, (0, 0, 100, 100))])

    assert evidence.accepted() == [QR]


def test_opencv_and_zbar_reading_different_qr_texts_at_one_place_leave_neither():
    evidence = decoding._Evidence()

    evidence.add("photo", [], [(OTHER_QR, (10, 10, 90, 90))], [(QR, (0, 0, 100, 100))])

    assert evidence.accepted() == []


def test_opencv_and_zxing_reading_different_qr_texts_at_one_place_leave_neither():
    evidence = decoding._Evidence()

    evidence.add("photo", [(OTHER_QR, (10, 10, 90, 90))], [], [(QR, (0, 0, 100, 100))])

    assert evidence.accepted() == []


# ---------------------------------------------------------------- wanted


def test_wanted_satisfied_by_the_photo_itself_asks_for_no_prepared_copy(make_label, plate, requested):
    found = decode(make_label(), wanted=has_serial)

    assert requested == []
    assert set(found) == plate.barcodes


# The QR code is read in the photo itself; the serial only in a prepared copy.
SERIAL_NEEDS_A_COPY = {"blur": 1.5, "rotate": 7, "light": 0.7, "width": 420, "quality": 25}


def test_wanted_ends_the_search_as_soon_as_it_is_satisfied(make_label, monkeypatch):
    events = []

    def spy(picture):
        for name, variant in real_variants(picture):
            events.append(("copy", name))
            yield name, variant

    def wanted(found):
        events.append(("wanted", has_serial(found)))
        return has_serial(found)

    monkeypatch.setattr(decoding, "_variants", spy)
    picture = make_label(**SERIAL_NEEDS_A_COPY)
    decode(picture, wanted=wanted)
    copies = [event for event in events if event[0] == "copy"]

    assert copies
    assert events.index(("wanted", True)) == len(events) - 1
    assert len(copies) < len(list(real_variants(open_image(picture))))


def test_wanted_never_satisfied_tries_every_copy_and_returns_what_it_found(make_label, plate, requested):
    picture = make_label(**SERIAL_NEEDS_A_COPY)

    found = decode(picture, wanted=never)

    assert requested == [name for name, _ in real_variants(open_image(picture))]
    assert {plate.serial, plate.url} <= set(texts(found))


def test_without_wanted_the_first_read_ends_the_search(make_label, plate, requested):
    found = decode(make_label(**SERIAL_NEEDS_A_COPY))

    assert requested == []
    assert found == [Barcode(plate.url, "QRCODE")]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("given", "code"),
    [
        pytest.param(lambda png, jpeg: b"", "image_empty", id="empty"),
        pytest.param(lambda png, jpeg: b"not an image", "not_an_image", id="text"),
        pytest.param(lambda png, jpeg: png[:20], "not_an_image", id="PNG signature only"),
        pytest.param(lambda png, jpeg: half(png), "image_unreadable", id="first half of a PNG"),
        pytest.param(lambda png, jpeg: half(jpeg), "image_unreadable", id="first half of a JPEG"),
        pytest.param(lambda png, jpeg: png_header(8000, 8000), "image_too_large", id="64 MP header"),
        # Pillow's own bomb check runs inside Image.open, before open_image's: a warning above 89 MP,
        # DecompressionBombError above 179 MP.
        pytest.param(lambda png, jpeg: png_header(10000, 10000), "image_too_large", id="100 MP header"),
        pytest.param(lambda png, jpeg: png_header(20000, 20000), "image_too_large", id="400 MP header"),
    ],
)
def test_bad_input_is_rejected_with_its_code(make_label, as_bytes, given, code):
    label = make_label()

    with pytest.raises(ImageRejected) as rejected:
        decode(given(as_bytes(label), as_bytes(label, "JPEG")))

    assert rejected.value.code == code
    assert rejected.value.message


def half(data):
    return data[: len(data) // 2]


def test_empty_file_is_rejected_as_empty(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")

    with pytest.raises(ImageRejected) as rejected:
        decode(path)

    assert rejected.value.code == "image_empty"


def test_image_over_max_pixels_is_refused_before_any_pixel_is_decoded(as_bytes, monkeypatch):
    data = as_bytes(Image.new("L", (5000, 5000), 200))

    def load(self):
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    with pytest.raises(ImageRejected) as rejected:
        decode(data, max_pixels=1_000_000)

    assert rejected.value.code == "image_too_large"


# ---------------------------------------------------------------- EXIF orientation


@pytest.fixture
def turned_jpeg(make_label, as_bytes):
    """The label stored a quarter turn counter-clockwise, with EXIF orientation 6 to turn it back."""
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = make_label().transpose(Image.Transpose.ROTATE_90)
    return as_bytes(stored, "JPEG", quality=90, exif=exif.tobytes())


def test_exif_orientation_is_applied(make_label, turned_jpeg):
    label = make_label()

    upright = open_image(turned_jpeg)

    assert upright.size == label.size
    assert ImageStat.Stat(ImageChops.difference(upright, label)).mean[0] < 3


def test_photo_with_exif_orientation_is_read(plate, turned_jpeg):
    assert set(decode(turned_jpeg)) == plate.barcodes


# ---------------------------------------------------------------- cost


@pytest.fixture
def engine_calls(monkeypatch):
    """The size of every picture handed to an engine, in order, as ``(engine, (width, height))``."""
    calls = []
    for engine in ("_read_zxing", "_read_zbar"):
        real = getattr(decoding, engine)

        def spy(picture, real=real, engine=engine):
            calls.append((engine, picture.size))
            return real(picture)

        monkeypatch.setattr(decoding, engine, spy)
    return calls


def flat(make_noise):
    return Image.new("L", (3000, 2000), 200)


def noise(make_noise):
    return make_noise((1600, 1200), 5)


def large_noise(make_noise):
    return make_noise((3000, 3000), 6)


@pytest.mark.parametrize("build", [flat, noise, large_noise, gradient_photo])
def test_photo_without_anything_barcode_like_is_read_once_by_each_engine(make_noise, engine_calls, build):
    assert decode(build(make_noise), wanted=never) == []

    assert [engine for engine, _ in engine_calls] == ["_read_zxing", "_read_zbar"]


def test_large_photo_is_handed_to_the_engines_scaled_down(make_noise, engine_calls):
    decode(large_noise(make_noise), wanted=never)

    assert all(width * height <= decoding.ENGINE_PIXELS for _, (width, height) in engine_calls)


@pytest.mark.parametrize("size", [(4096, 4096), (4096, 1000), (2000, 1500), (300, 3000)])
def test_no_prepared_copy_has_more_pixels_than_an_engine_call_may_see(size):
    copies = list(decoding._variants(Image.new("L", size, 255)))

    assert copies
    assert all(copy.width * copy.height <= decoding.ENGINE_PIXELS for _, copy in copies)


def test_tiles_of_a_large_photo_cover_it_at_full_resolution():
    tiles = [copy for name, copy in decoding._variants(Image.new("L", (4096, 3072), 255)) if name.startswith("tile")]
    corners = [(name.split()[1]) for name, _ in decoding._tiles(Image.new("L", (4096, 3072), 255))]
    lefts = {int(corner.split(",")[0]) for corner in corners}
    tops = {int(corner.split(",")[1]) for corner in corners}
    width, height = tiles[0].size

    assert {tile.size for tile in tiles} == {(width, height)}
    assert (min(lefts), max(lefts) + width) == (0, 4096)
    assert (min(tops), max(tops) + height) == (0, 3072)
    # Neighbours overlap: no column or row of the photo falls between two tiles.
    assert all(right - left < width for left, right in zip(sorted(lefts), sorted(lefts)[1:], strict=False))
    assert all(lower - upper < height for upper, lower in zip(sorted(tops), sorted(tops)[1:], strict=False))


class Clock:
    """A clock that moves only when told to."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def slow_engines(monkeypatch, engine_calls):
    """Engines that each take one second of a fake clock; returns the clock."""
    clock = Clock()
    monkeypatch.setattr(decoding, "_clock", clock)
    for engine in ("_read_zxing", "_read_zbar"):
        counted = getattr(decoding, engine)

        def slow(picture, counted=counted):
            clock.now += 1.0
            return counted(picture)

        monkeypatch.setattr(decoding, engine, slow)
    return clock


@pytest.mark.parametrize(("budget", "calls"), [(0, 0), (0.5, 1), (1, 1), (3.5, 4), (6, 6)])
def test_no_engine_is_called_once_the_budget_is_spent(make_label, engine_calls, slow_engines, budget, calls):
    decode(make_label(**SERIAL_NEEDS_A_COPY), wanted=never, budget_seconds=budget)

    assert len(engine_calls) == calls


def test_what_was_read_before_the_budget_ran_out_is_returned(make_label, plate, slow_engines):
    found = decode(make_label(**SERIAL_NEEDS_A_COPY), wanted=has_serial, budget_seconds=1)

    assert found == [Barcode(plate.url, "QRCODE")]


@pytest.mark.parametrize("seed", range(1, 7))
def test_photo_of_a_label_is_barcode_like(seed):
    photo = capture(label_plate("WM10B1240100123"), seed)

    assert decoding._barcode_like(photo)


@pytest.mark.parametrize("degradations", DEGRADATIONS)
def test_degraded_label_is_barcode_like(make_label, degradations):
    assert decoding._barcode_like(open_image(make_label(**degradations)))


@pytest.mark.parametrize("build", [flat, noise, large_noise, gradient_photo])
def test_photo_without_a_barcode_is_not_barcode_like(make_noise, build):
    assert not decoding._barcode_like(decoding._fit(open_image(build(make_noise))))


def test_a_film_edge_code_is_never_read_as_a_label(make_label, plate, monkeypatch):
    """zxing-cpp reads DX film-edge codes out of grilles and slats; no product's label carries one."""
    import zxingcpp

    real = zxingcpp.read_barcodes

    def with_film_edge(picture, **options):
        found = real(picture, **options)
        film = real(zxingcpp.create_barcode("127-10/42A", zxingcpp.BarcodeFormat.DXFilmEdge).to_image(scale=4))
        assert [result.format for result in film] == [zxingcpp.BarcodeFormat.DXFilmEdge]
        return [*film, *found]

    monkeypatch.setattr(zxingcpp, "read_barcodes", with_film_edge)

    assert set(decode(make_label())) == plate.barcodes
