"""Fixtures of the scanning tests: barcodes drawn by zxing-cpp, composed into rating-plate photos.

Nothing here is random: every degradation is a fixed parameter and every
noise image comes from a fixed seed, so a photo is the same pixels on every run.
"""

import io
import random
from dataclasses import dataclass

import pytest
import zxingcpp
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFilter
from PIL import ImageFont

from scanning.decode import Barcode

FORMATS = {
    "CODE128": zxingcpp.BarcodeFormat.Code128,
    "CODE39": zxingcpp.BarcodeFormat.Code39,
    "EAN13": zxingcpp.BarcodeFormat.EAN13,
    "QRCODE": zxingcpp.BarcodeFormat.QRCode,
    "DATAMATRIX": zxingcpp.BarcodeFormat.DataMatrix,
    "PDF417": zxingcpp.BarcodeFormat.PDF417,
}


@dataclass(frozen=True)
class Plate:
    """What a rating plate says: its serial, model code, product code and registration link."""

    serial: str = "WM10B1240100123"
    model: str = "XQG100-B124"
    ean: str = "6901234567892"

    @property
    def url(self):
        return f"https://reg.example.com/r?sn={self.serial}"

    @property
    def barcodes(self):
        return {
            Barcode(self.serial, "CODE128"),
            Barcode(self.model, "CODE39"),
            Barcode(self.ean, "EAN13"),
            Barcode(self.url, "QRCODE"),
        }

    @property
    def texts(self):
        return {barcode.text for barcode in self.barcodes}


def render_barcode(text, symbology="CODE128", scale=2):
    """A grayscale PIL image of one barcode with its quiet zones, drawn by zxing-cpp."""
    drawn = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, FORMATS[symbology]), scale=scale)
    height, width = drawn.shape[:2]
    return Image.frombuffer("L", (width, height), bytes(memoryview(drawn)), "raw", "L", 0, 1)


def compose_label(plate):
    """A clean rating plate, 1000x780: a few lines of text and four barcodes on white.

    The serial is the largest barcode (4 pixels a module), as on a real plate
    where it is meant to be scanned from arm's length.
    """
    label = Image.new("L", (1000, 780), 255)
    draw = ImageDraw.Draw(label)
    draw.rectangle((8, 8, 991, 771), outline=0, width=3)
    font = ImageFont.load_default(size=22)
    lines = ("SANBAO  Drum washing machine", "Rated voltage 220-240V~ 50Hz   Rated power 2000W", "Made in China")
    for row, line in enumerate(lines):
        draw.text((40, 30 + 34 * row), line, fill=0, font=font)
    draw.text((40, 140), "S/N", fill=0, font=font)
    label.paste(render_barcode(plate.serial, "CODE128", scale=4), (40, 170))
    draw.text((40, 395), "Model", fill=0, font=font)
    label.paste(render_barcode(plate.model, "CODE39", scale=2), (40, 425))
    label.paste(render_barcode(plate.ean, "EAN13", scale=3), (40, 570))
    label.paste(render_barcode(plate.url, "QRCODE", scale=5), (740, 460))
    return label


def degrade(picture, blur=0, rotate=0, light=0, width=None, quality=None):
    """``picture`` as a phone might have taken it, each step only when asked for, in this order.

    ``blur`` is a Gaussian radius; ``rotate`` degrees counter-clockwise (the
    corners filled white); ``light`` darkens the photo from right to left, the
    left edge keeping ``1 - light`` of its brightness; ``width`` scales it down
    to that many pixels wide; ``quality`` recompresses it as a JPEG.
    """
    if blur:
        picture = picture.filter(ImageFilter.GaussianBlur(blur))
    if rotate:
        picture = picture.rotate(rotate, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if light:
        # linear_gradient runs black to white downwards; turned a quarter counter-clockwise, rightwards.
        gradient = Image.linear_gradient("L").rotate(90)
        gradient = gradient.resize(picture.size).point(lambda value: round(255 - light * (255 - value)))
        picture = Image.composite(picture, Image.new("L", picture.size, 0), gradient)
    if width:
        picture = picture.resize((width, round(picture.height * width / picture.width)), Image.Resampling.LANCZOS)
    if quality:
        picture = Image.open(io.BytesIO(encode(picture, "JPEG", quality=quality)))
        picture.load()
    return picture


def encode(picture, format="PNG", **options):
    """The bytes of ``picture`` saved as ``format`` (a PIL format name)."""
    buffer = io.BytesIO()
    picture.save(buffer, format, **options)
    return buffer.getvalue()


@pytest.fixture
def plate():
    return Plate()


@pytest.fixture
def make_label(plate):
    """``make_label(blur=1.5, rotate=7, light=0.85, width=400, quality=25)``: a photo of ``plate``."""

    def make(**degradations):
        return degrade(compose_label(plate), **degradations)

    return make


@pytest.fixture
def make_sticker(plate):
    """``make_sticker(text, symbology, scale=3, module=None, ink=0, paper=255, blur=0)``: one barcode alone.

    ``module`` (pixels, may be fractional) draws the barcode at 8 pixels a
    module and scales it down to that; ``ink`` and ``paper`` are the gray
    levels of bars and spaces.
    """

    def make(text=None, symbology="CODE128", scale=3, module=None, ink=0, paper=255, blur=0):
        picture = render_barcode(text or plate.serial, symbology, scale=8 if module else scale)
        if module:
            size = (round(picture.width * module / 8), round(picture.height * module / 8))
            picture = picture.resize(size, Image.Resampling.LANCZOS)
        if (ink, paper) != (0, 255):
            picture = picture.point(lambda value: ink + (paper - ink) * value // 255)
        if blur:
            picture = picture.filter(ImageFilter.GaussianBlur(blur))
        return picture

    return make


@pytest.fixture
def make_noise():
    """``make_noise(size, seed)``: uniformly random gray pixels, the same for the same seed."""

    def make(size=(800, 600), seed=7):
        return Image.frombytes("L", size, random.Random(seed).randbytes(size[0] * size[1]))

    return make


@pytest.fixture
def as_bytes():
    """``as_bytes(picture, "JPEG", quality=90)``: the encoded file, PNG unless told."""
    return encode
