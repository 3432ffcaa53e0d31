"""The phone's EXIF reader (pwa/js/exif.js) on real JPEGs: written by Pillow, as a camera writes them, in both
byte orders, with and without the camera's time zone, and without the capture time at all. The capture time is
what the server holds against the job's dispatch (OLD_PHOTO), so a misread here accuses or clears a photo."""

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

HERE = Path(__file__).parent
PWA = HERE.parents[1] / "pwa"

EXIF_IFD = 0x8769
DATE_TIME = 0x0132
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


def jpeg(path, *, endian=">", ifd0=None, exif_ifd=None):
    """A small JPEG at ``path`` carrying the given IFD0 and Exif IFD tags (none: no APP1 segment at all)."""
    image = Image.new("RGB", (64, 48), "steelblue")
    buffer = io.BytesIO()
    if ifd0 is None and exif_ifd is None:
        image.save(buffer, "JPEG")
    else:
        exif = Image.Exif()
        exif.endian = endian
        for tag, value in (ifd0 or {}).items():
            exif[tag] = value
        if exif_ifd is not None:
            exif[EXIF_IFD] = exif_ifd
        image.save(buffer, "JPEG", exif=exif.tobytes())
    path.write_bytes(buffer.getvalue())
    return str(path)


def read(*paths):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH: the app's tests need Node.js 20 or later")
    run = subprocess.run(
        [node, str(HERE / "exif_read.mjs"), *paths],
        cwd=PWA,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        # The phone's own time zone for a capture time without one: China's, as the technicians' phones.
        env={"TZ": "Asia/Shanghai", "PATH": str(Path(node).parent)},
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("endian", [">", "<"], ids=["big-endian", "little-endian"])
def test_the_capture_time_with_the_cameras_time_zone_is_read_in_either_byte_order(tmp_path, endian):
    path = jpeg(
        tmp_path / "offset.jpg",
        endian=endian,
        ifd0={DATE_TIME: "2025:01:01 00:00:00"},
        exif_ifd={DATE_TIME_ORIGINAL: "2024:05:01 10:20:30", OFFSET_TIME_ORIGINAL: "+08:00"},
    )
    found = read(path)[path]
    assert found["exif"] == {"dateTimeOriginal": "2024:05:01 10:20:30", "offsetTimeOriginal": "+08:00"}
    assert found["takenAt"] == "2024-05-01T02:20:30.000Z"


def test_a_capture_time_without_a_time_zone_is_the_phones_local_time(tmp_path):
    path = jpeg(tmp_path / "local.jpg", exif_ifd={DATE_TIME_ORIGINAL: "2024:05:01 10:20:30"})
    found = read(path)[path]
    assert found["exif"] == {"dateTimeOriginal": "2024:05:01 10:20:30", "offsetTimeOriginal": None}
    assert found["takenAt"] == "2024-05-01T02:20:30.000Z"  # 10:20:30 in Shanghai


def test_a_photo_without_exif_or_without_its_capture_time_has_none(tmp_path):
    plain = jpeg(tmp_path / "plain.jpg")
    # The file's last change (IFD0 DateTime) is not when the photo was taken: it is not taken for it.
    changed = jpeg(tmp_path / "changed.jpg", ifd0={DATE_TIME: "2024:05:01 10:20:30"})
    zeros = jpeg(tmp_path / "zeros.jpg", exif_ifd={DATE_TIME_ORIGINAL: "0000:00:00 00:00:00"})
    impossible = jpeg(tmp_path / "feb31.jpg", exif_ifd={DATE_TIME_ORIGINAL: "2024:02:31 10:00:00"})
    found = read(plain, changed, zeros, impossible)
    assert found[plain] == {"exif": None, "takenAt": None}
    assert found[changed] == {"exif": None, "takenAt": None}
    assert found[zeros]["takenAt"] is None
    assert found[impossible]["takenAt"] is None
