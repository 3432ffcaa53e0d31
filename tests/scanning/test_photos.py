"""scanning.photos: a photo's kind from its first bytes and its size from its header, before any pixel."""

import pytest
from PIL import Image

from scanning import photos
from scanning.photos import ImageRejected


@pytest.mark.parametrize(
    ("format", "options", "kind"),
    [
        ("JPEG", {}, photos.JPEG),
        # Many phones write a JPEG with a second picture in it (MPO): Pillow reads it as a JPEG.
        ("MPO", {"save_all": True, "append_images": [Image.new("L", (64, 48), 90)]}, photos.JPEG),
        ("PNG", {}, photos.PNG),
        ("WEBP", {}, photos.WEBP),
    ],
)
def test_what_the_app_uploads_is_told_by_its_bytes(as_bytes, format, options, kind):
    header = photos.inspect(as_bytes(Image.new("L", (64, 48), 200), format, **options), photos.UPLOADED)

    assert (header.kind, header.width, header.height) == (kind, 64, 48)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "image_empty"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "not_an_image"),
        (b"GIF89a\x01\x00\x01\x00", "not_an_image"),
        (b"\x89PNG\r\n\x1a\n", "not_an_image"),
    ],
    ids=["empty", "riff-but-wave", "gif-not-uploaded", "png-signature-alone"],
)
def test_anything_else_is_refused_with_its_code(data, code):
    with pytest.raises(ImageRejected) as rejected:
        photos.inspect(data, photos.UPLOADED)

    assert rejected.value.code == code
    assert rejected.value.message


@pytest.mark.parametrize(("size", "refused"), [((4096, 4096), False), ((4097, 10), True), ((100, 5000), True)])
def test_the_limits_leave_twice_the_apps_2000_px(as_bytes, size, refused):
    data = as_bytes(Image.new("1", size, 1))
    if refused:
        with pytest.raises(ImageRejected) as rejected:
            photos.inspect(data)
        assert rejected.value.code == "image_too_large"
    else:
        assert photos.inspect(data).width == 4096
