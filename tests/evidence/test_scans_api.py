"""POST /api/scans: a label photo in; the serial, the unit, the flags out; the photo kept as evidence."""

import hashlib
import io

import numpy as np
import pytest
from PIL import Image
from PIL import ImageFile
from sqlalchemy import func
from sqlalchemy import select

from scanning import sandbox
from server.evidence.models import Photo
from server.evidence.models import PhotoBlob
from server.evidence.storage import photo_store
from server.extensions import db
from server.jobs.models import Scan
from tests.helpers import assert_error
from tests.races import send_together
from tests.scanning.plates import capture
from tests.scanning.plates import crop
from tests.scanning.plates import jpeg
from tests.scanning.plates import jpeg_bytes
from tests.scanning.plates import plate

pytestmark = pytest.mark.both_backends


@pytest.fixture(autouse=True)
def photo_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path / "photos"))
    return tmp_path / "photos"


@pytest.fixture(scope="module")
def photo():
    """A photograph of SN-IN's plate (model TV55), as JPEG bytes."""
    return jpeg_bytes(capture(plate("SN-IN", model="TV55"), 1))


@pytest.fixture
def on_site(open_job, walk, people):
    """``on_site(serial)`` → a job for that unit, tech1 on site."""

    def make(serial="SN-IN"):
        return walk(open_job(serial=serial), "on_site", technician=people.tech1)

    return make


@pytest.fixture
def upload(client, people):
    def post(data, job=None, typed_serial=None, user=None, filename="label.jpg", content_type="image/jpeg"):
        form = {"image": (io.BytesIO(data), filename, content_type)}
        if job is not None:
            form["job_id"] = str(job["id"])
        if typed_serial is not None:
            form["typed_serial"] = typed_serial
        headers = (user or people.tech1).headers
        return client.post("/api/scans", data=form, headers=headers, content_type="multipart/form-data")

    return post


def counts():
    return (
        db.session.scalar(select(func.count()).select_from(Scan)),
        db.session.scalar(select(func.count()).select_from(Photo)),
    )


def test_a_photo_gives_the_serial_the_unit_and_its_warranty(upload, on_site, photo):
    job = on_site()
    response = upload(photo, job=job)
    assert response.status_code == 201, response.get_json()
    scan = response.get_json()
    assert scan["serial"] == "SN-IN"
    assert scan["serial_source"] == "install_base"
    assert "install base" in scan["reason"]
    assert {"text": "SN-IN", "symbology": "CODE128"} in scan["barcodes"]
    assert scan["install_base"]["model"] == "TV55"
    assert scan["warranty"]["whole_unit"]["active"] is True
    assert scan["flags"] == []
    assert scan["job_id"] == job["id"]
    assert len(scan["photo_sha256"]) == 64


def test_a_photo_scan_lets_a_warranty_job_close(client, upload, on_site, photo, people):
    job = on_site()
    assert upload(photo, job=job).status_code == 201
    done = client.post(
        f"/api/jobs/{job['id']}/complete",
        json={"summary": "换主板", "confirmed_by": "王先生"},
        headers=people.tech1.headers,
    )
    assert done.status_code == 200, done.get_json()
    closed = client.post(f"/api/jobs/{job['id']}/close", json={}, headers=people.dispatcher.headers)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["state"] == "closed"


def test_the_serial_format_of_a_model_chooses_the_serial(upload, photo, make_product):
    make_product("WM-D10B1", category="washer", serial_pattern=r"WM10B1\d{9}")
    response = upload(jpeg_bytes(capture(plate("WM10B1240100123"), 2)))
    scan = response.get_json()
    assert response.status_code == 201, scan
    assert (scan["serial"], scan["serial_source"]) == ("WM10B1240100123", "serial_format")
    assert [flag["code"] for flag in scan["flags"]] == ["UNKNOWN_SERIAL"]


def test_a_typed_serial_that_differs_is_flagged(upload, on_site, photo):
    scan = upload(photo, job=on_site(), typed_serial="sn-old").get_json()
    assert [flag["code"] for flag in scan["flags"]] == ["SCAN_MISMATCH"]
    assert "SN-OLD" in scan["flags"][0]["message"]


def test_a_typed_serial_that_agrees_raises_nothing(upload, on_site, photo):
    assert upload(photo, job=on_site(), typed_serial=" sn-in ").get_json()["flags"] == []


def test_a_photo_without_barcodes_has_no_serial(upload):
    blank = Image.new("L", (800, 600), 200)
    scan = upload(jpeg_bytes(blank)).get_json()
    assert scan["serial"] is None
    assert scan["barcodes"] == []
    assert [flag["code"] for flag in scan["flags"]] == ["NO_SERIAL"]


def test_the_same_photo_for_another_job_is_reused(upload, on_site, photo):
    first = upload(photo, job=on_site("SN-IN")).get_json()
    second = upload(photo, job=on_site("SN-OTHER")).get_json()
    codes = [flag["code"] for flag in second["flags"]]
    assert "PHOTO_REUSED" in codes
    assert f"scan {first['id']}" in next(f["message"] for f in second["flags"] if f["code"] == "PHOTO_REUSED")


def test_a_reencoded_cropped_copy_for_another_job_is_reused(upload, on_site, photo):
    upload(photo, job=on_site("SN-IN"))
    copy = jpeg_bytes(jpeg(crop(Image.open(io.BytesIO(photo)).convert("L"), 0.06), 60), 70)
    scan = upload(copy, job=on_site("SN-OTHER")).get_json()
    assert "PHOTO_REUSED" in [flag["code"] for flag in scan["flags"]]


def test_a_new_photograph_of_the_same_plate_is_not_reused(upload, on_site, photo):
    upload(photo, job=on_site("SN-IN"))
    job = on_site("SN-OTHER")
    # The same unit again later: close enough to share hash bands and the serial, but a new capture.
    later = jpeg_bytes(capture(plate("SN-IN", model="TV55"), 5))
    scan = upload(later, job=job).get_json()
    assert "PHOTO_REUSED" not in [flag["code"] for flag in scan["flags"]]


def test_a_retake_for_the_same_job_is_not_reuse(upload, on_site, photo):
    job = on_site()
    upload(photo, job=job)
    assert upload(photo, job=job).get_json()["flags"] == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "image_empty"),
        (b"this is not an image", "not_an_image"),
    ],
)
def test_what_is_not_an_image_is_refused_and_nothing_is_kept(upload, photo_folder, data, code):
    before = counts()
    error = assert_error(upload(data), 422, code)
    assert error["details"]["fields"]["image"]
    assert counts() == before
    assert not photo_folder.exists()


def test_a_truncated_photo_is_refused(upload, photo):
    assert_error(upload(photo[: len(photo) // 3]), 422, "image_unreadable")


def test_a_decompression_bomb_is_refused_before_decoding(upload, app, monkeypatch):
    monkeypatch.setitem(app.config, "SCAN_MAX_PIXELS", 1_000_000)
    buffer = io.BytesIO()
    Image.new("L", (2000, 2000), 255).save(buffer, "PNG")
    assert_error(upload(buffer.getvalue()), 422, "image_too_large")


def test_an_upload_over_the_limit_is_413(upload, app, monkeypatch, photo):
    monkeypatch.setitem(app.config, "SCAN_MAX_BYTES", 1000)
    before = counts()
    assert_error(upload(photo), 413, "payload_too_large")
    assert counts() == before


def test_a_scan_needs_an_image(client, people):
    response = client.post("/api/scans", data={}, headers=people.tech1.headers, content_type="multipart/form-data")
    assert_error(response, 422, "validation_error")


def test_a_job_that_is_not_yours_is_404_and_nothing_kept(upload, on_site, photo, people):
    job = on_site()
    before = counts()
    assert_error(upload(photo, job=job, user=people.tech2), 404, "job_not_found")
    assert counts() == before


def test_a_job_not_yet_accepted_cannot_be_scanned(upload, open_job, walk, photo, people):
    job = walk(open_job(), "assigned", technician=people.tech1)
    before = counts()
    error = assert_error(upload(photo, job=job), 409, "illegal_transition")
    assert error["details"]["action"] == "scan"
    assert counts() == before


def test_the_evidence_photo_is_returned_to_those_who_may_see_it(client, upload, on_site, photo, people, as_role):
    scan = upload(photo, job=on_site()).get_json()
    mine = client.get(f"/api/scans/{scan['id']}/photo", headers=people.tech1.headers)
    assert mine.status_code == 200
    assert mine.data == photo
    assert mine.mimetype == "image/jpeg"
    assert client.get(f"/api/scans/{scan['id']}/photo", headers=as_role("auditor")).data == photo
    assert client.get(f"/api/scans/{scan['id']}", headers=people.pm1.headers).get_json()["serial"] == "SN-IN"
    assert_error(client.get(f"/api/scans/{scan['id']}/photo", headers=people.tech2.headers), 404, "scan_not_found")
    assert_error(client.get(f"/api/scans/{scan['id']}", headers=people.pm2.headers), 404, "scan_not_found")


def test_the_database_store_keeps_the_photo_for_every_app_server(client, app, upload, photo, people, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_STORE", "database")
    scan = upload(photo).get_json()
    assert db.session.get(PhotoBlob, scan["photo_sha256"]).data == photo
    assert client.get(f"/api/scans/{scan['id']}/photo", headers=people.tech1.headers).data == photo


def test_one_photo_is_stored_once(upload, photo, photo_folder):
    upload(photo)
    upload(photo)
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
    assert len([path for path in photo_folder.rglob("*") if path.is_file()]) == 1


def test_a_serial_failing_the_models_check_digit_is_not_chosen(upload, make_product):
    make_product("WM-D10B1", category="washer", serial_pattern=r"WM10B1\d{9}", serial_check="luhn")
    # WM10B1240100123 matches the pattern but is no Luhn number (it has letters): no serial by format.
    scan = upload(jpeg_bytes(capture(plate("WM10B1240100123"), 2))).get_json()
    assert scan["serial"] is None
    assert [flag["code"] for flag in scan["flags"]] == ["NO_SERIAL"]


@pytest.mark.commits
def test_the_same_photo_uploaded_twice_at_once_is_stored_once(app, people, photo):
    """Two uploads of one photo from two connections at the same moment: both answered, one photo kept."""
    uploads = [
        {
            "method": "POST",
            "path": "/api/scans",
            "data": {"image": (io.BytesIO(photo), "label.jpg", "image/jpeg")},
            "content_type": "multipart/form-data",
            "headers": people.tech1.headers,
        }
        for _ in range(2)
    ]

    answers = send_together(app, uploads)

    assert [status for status, _ in answers] == [201, 201], answers
    db.session.expire_all()
    assert counts() == (2, 1)


# ---------------------------------------------------------------- issue 21: what a security review found


def png(picture):
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_scan_cannot_cite_another_providers_photo_to_read_it(
    client, upload, on_site, open_job, walk, photo, people, snapshot
):
    """Finding 2: a technician recorded a scan on their own job citing another provider's photo_sha256,
    then read the photo through GET /api/scans/<new id>/photo."""
    sha = upload(photo, job=on_site()).get_json()["photo_sha256"]
    theirs = walk(open_job(serial="SN-OLD"), "on_site", technician=people.tech3)
    before = snapshot()

    response = client.post(
        f"/api/jobs/{theirs['id']}/scans",
        json={"serial": "SN-OLD", "source": "photo", "photo_sha256": sha},
        headers=people.tech3.headers,
    )

    error = assert_error(response, 422, "unknown_photo")
    assert error["details"]["fields"]["photo_sha256"]
    assert snapshot() == before
    # The answer of a photo the server has never had: nothing tells that this one exists.
    never = client.post(
        f"/api/jobs/{theirs['id']}/scans",
        json={"serial": "SN-OLD", "source": "photo", "photo_sha256": hashlib.sha256(b"none").hexdigest()},
        headers=people.tech3.headers,
    )
    assert assert_error(never, 422, "unknown_photo") == error


def test_a_colleague_of_the_same_provider_may_cite_the_photo(client, upload, on_site, open_job, walk, photo, people):
    sha = upload(photo, job=on_site()).get_json()["photo_sha256"]
    job = walk(open_job(serial="SN-OLD"), "on_site", technician=people.tech2)

    response = client.post(
        f"/api/jobs/{job['id']}/scans",
        json={"serial": "SN-OLD", "source": "photo", "photo_sha256": sha},
        headers=people.tech2.headers,
    )

    assert response.status_code == 201, response.get_json()
    assert client.get(f"/api/scans/{response.get_json()['id']}/photo", headers=people.tech2.headers).data == photo


@pytest.mark.parametrize(
    ("size", "colour"),
    [
        pytest.param((7000, 7000), 200, id="7000x7000 of one colour, 47 KB, 7-16 s of CPU before"),
        pytest.param((5000, 100), 200, id="a side over 4096"),
    ],
)
def test_a_photo_larger_than_a_phone_sends_is_refused_from_its_header(upload, monkeypatch, size, colour):
    """Finding 3: a 7000x7000 PNG of one colour was decoded (7-16 s of CPU). The limits fit what the app sends
    (2,000 px on the longest side) with a margin, and are read from the header: no pixel is decoded."""
    data = png(Image.new("L", size, colour))

    def decoded(*args, **kwargs):
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)
    monkeypatch.setattr(sandbox, "run", decoded)
    before = counts()

    error = assert_error(upload(data, filename="label.png", content_type="image/png"), 422, "image_too_large")

    assert "4096" in error["message"]
    assert counts() == before


def tiled_noise(width, height):
    """A photo of nothing but noise (a 64 px tile of it, so that it stays small as a PNG, 250 KB at 4000x3000):
    every engine and every prepared copy looks everywhere and finds nothing, for about 3 s of CPU."""
    tile = np.random.default_rng(7).integers(0, 256, (64, 64), dtype=np.uint8)
    return png(Image.fromarray(np.tile(tile, (height // 64 + 1, width // 64 + 1))[:height, :width]))


def test_a_photo_that_takes_more_cpu_than_its_budget_is_refused(app, upload, monkeypatch):
    """Finding 3: reading runs in a child process with a CPU budget; past it the child is stopped and the
    photo refused. The budget here is 1 s."""
    monkeypatch.setitem(app.config, "SCAN_DECODE_SECONDS", 1)
    # However busy the machine, the child gets its second of CPU before it is given up on.
    monkeypatch.setitem(app.config, "SCAN_DECODE_WALL_SECONDS", 600)
    before = counts()

    response = upload(tiled_noise(4000, 3000), filename="label.png", content_type="image/png")

    error = assert_error(response, 422, "image_too_complex")
    assert error["details"]["fields"]["image"] == [error["message"]]
    assert counts() == before


def test_when_every_decoder_is_busy_an_upload_is_503_with_retry_after(app, upload, photo, tmp_path, monkeypatch):
    """Finding 3: four uploads at once took every core. Photos are read a few at a time on a machine; one
    that finds no turn in time is told when to come back."""
    monkeypatch.setitem(app.config, "SCAN_DECODE_DIR", str(tmp_path / "decoders"))
    monkeypatch.setitem(app.config, "SCAN_DECODE_SLOTS", 1)
    monkeypatch.setitem(app.config, "SCAN_DECODE_WAIT_SECONDS", 0)
    before = counts()

    with sandbox.Slots(tmp_path / "decoders", 1).hold(0, retry_after=1):
        response = upload(photo)

    error = assert_error(response, 503, "decoders_busy")
    assert response.headers["Retry-After"] == str(error["details"]["retry_after"]) == "10"
    assert counts() == before
    assert upload(photo).status_code == 201


def test_the_photo_is_served_as_what_its_bytes_are_whatever_its_sender_claimed(client, upload, photo, people):
    """Finding 10: a photo was served with the content type its sender claimed."""
    scan = upload(photo, filename="label.html", content_type="text/html").get_json()

    response = client.get(f"/api/scans/{scan['id']}/photo", headers=people.tech1.headers)

    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == f'inline; filename="scan-{scan["id"]}.jpg"'


def test_bytes_of_no_image_kept_before_the_checks_are_served_as_a_download(client, people):
    """A blob stored before the store checked what it took (HTML) comes as an attachment, never as a page."""
    page = b"<!doctype html><script>alert(document.domain)</script>"
    sha = hashlib.sha256(page).hexdigest()
    photo_store().put(sha, page)
    scan = Scan(serial="SN-IN", source="photo", photo_sha256=sha, created_by_id=people.tech1.id)
    db.session.add(scan)
    db.session.commit()

    response = client.get(f"/api/scans/{scan.id}/photo", headers=people.tech1.headers)

    assert response.status_code == 200
    assert response.data == page
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"] == f'attachment; filename="scan-{scan.id}.bin"'
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
