"""Rendered rating plates and simulated photographs of them, for the scanning and scan API tests.

``plate(serial)`` draws a washer's plate with the serial as Code 128, the model
code and a registration QR code; ``capture(plate, seed)`` photographs it: a
pose, uneven light, sensor grain and JPEG encoding, all from the seed; ``bent(picture, arc, bow)``
wraps a picture round a curve; ``wrinkled(picture, amplitude, wavelength)`` ripples it as cloth;
``glared(picture, strength, spread)`` washes part of it out in glare.
"""

import io
import math
import random

import numpy as np
import zxingcpp
from PIL import Image
from PIL import ImageDraw
from PIL import ImageFilter


def barcode(text, kind, scale=3):
    image = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, kind), scale=scale)
    height, width = image.shape
    return Image.frombuffer("L", (width, height), bytes(memoryview(image)), "raw", "L", 0, 1)


def plate(serial, model="WM-D10B1"):
    picture = Image.new("L", (1400, 900), 225)
    draw = ImageDraw.Draw(picture)
    for row, line in enumerate([f"SANBAO {model}", "220V~ 50Hz 2000W", "MADE IN CHINA", "SERIAL " + serial]):
        draw.text((60, 40 + row * 40), line, fill=30)
    picture.paste(barcode(serial, zxingcpp.BarcodeFormat.Code128), (60, 260))
    picture.paste(barcode(model, zxingcpp.BarcodeFormat.Code128), (60, 480))
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


def jpeg_bytes(picture, quality=88):
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def bent(picture, arc, bow, blur=0.8, background=40):
    """``picture`` wrapped round a cylinder, seen from the front, on a dark background.

    ``arc`` is the angle in degrees the picture covers round the cylinder
    (its columns crowd together towards the sides); ``bow`` is how many pixels
    its rows sag at the middle against the edges, as a label stuck on a curve.
    """
    pixels = np.asarray(picture, dtype=np.float32)
    height, width = pixels.shape
    radius = (width / 2) / math.radians(arc / 2)
    across = int(2 * radius * math.sin(math.radians(arc / 2))) + 1
    down = height + abs(bow) + 2
    out = np.full((down + 80, across + 80), float(background), dtype=np.float32)
    offsets = np.arange(across) - across / 2
    sources = radius * np.arcsin(np.clip(offsets / radius, -1, 1)) + width / 2
    for column, (offset, source) in enumerate(zip(offsets, sources, strict=True)):
        values = pixels[:, min(width - 1, max(0, round(source)))]
        rows = np.arange(down) - bow * (offset / (across / 2)) ** 2
        inside = (rows >= 0) & (rows < height)
        out[40 : 40 + down, 40 + column][inside] = values[rows[inside].astype(int)]
    return Image.fromarray(out.astype(np.uint8)).filter(ImageFilter.GaussianBlur(blur))


def wrinkled(picture, amplitude, wavelength, blur=0.8, background=40):
    """``picture`` rippled as a label on cloth, on a dark background.

    Ripples ``wavelength`` pixels apart run diagonally across it: each point
    moves up to ``amplitude`` pixels across them, and their slopes shade it.
    """
    import cv2

    pixels = np.asarray(picture, dtype=np.float32)
    height, width = pixels.shape
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = 2 * math.pi * (xs + 0.5 * ys) / wavelength
    shift = amplitude * np.sin(phase)
    out = cv2.remap(pixels, xs + 0.9 * shift, ys + 0.45 * shift, cv2.INTER_LINEAR)
    out = np.pad(out * (1 - 0.25 * np.cos(phase)), 40, constant_values=background)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(blur))


def glared(picture, strength, spread, blur=0.8):
    """``picture`` under a band of glare a third of the way across, ``spread`` of its width wide.

    At the band's middle each gray level is brought ``strength`` of the way to white.
    """
    pixels = np.asarray(picture, dtype=np.float32)
    width = pixels.shape[1]
    glare = strength * np.exp(-(((np.arange(width) - width * 0.35) / (width * spread)) ** 2))
    out = pixels + (255 - pixels) * glare[None, :]
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(blur))
