"""Evidence photos of a repair: ``POST /api/jobs/<id>/photos`` and the sync op ``photo.add``.

The stamped JPEG is uploaded first through the sync blob store, then named. The capture time kept is the
earliest the original's EXIF (read on the phone) or the file's own EXIF tells, else the phone's clock; a photo
copied from another job is found by its fingerprint; bad input stores nothing.
"""

import hashlib
import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace

import pytest
from PIL import Image
from PIL import ImageEnhance
from sqlalchemy import func
from sqlalchemy import select

from server.claims.photo_checks import PHOTO_CHECKS
from server.evidence.models import EvidencePhoto
from server.evidence.models import Photo
from server.evidence.visit_photos import exif_capture_time
from server.extensions import db
from server.jobs.models import JobEvent
from tests.helpers import assert_error
from tests.scanning.plates import capture
from tests.scanning.plates import crop
from tests.scanning.plates import jpeg_bytes
from tests.scanning.plates import plate

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def photo_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path / "photos"))


@pytest.fixture
def on_site(open_job, walk, people):
    def make(state="on_site", serial="SN-IN"):
        return walk(open_job(serial=serial), state, technician=people.tech1)

    return make


def with_exif(picture, taken, offset=None):
    """JPEG bytes of ``picture`` whose EXIF says it was taken at ``taken`` (local time), with ``offset``."""
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if offset:
        ifd[0x9011] = offset
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=88, exif=exif)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def shot():
    return jpeg_bytes(capture(plate("SN-IN", model="TV55"), 11))


@pytest.fixture
def send(client, people):
    """``send(job, data, user=tech1, upload=True, **fields)`` → the response of POST /api/jobs/<id>/photos."""

    def post(job, data, user=None, upload=True, **fields):
        headers = (user or people.tech1).headers
        sha = hashlib.sha256(data).hexdigest()
        if upload:
            put = client.put(f"/api/sync/blobs/{sha}", data=data, content_type="image/jpeg", headers=headers)
            assert put.status_code in (200, 201), put.get_json()
        body = {"stage": "before", "sha256": sha, "original_sha256": "a" * 64}
        body["device_time"] = datetime.now(UTC).isoformat()
        body.update(fields)
        body = {key: value for key, value in body.items() if value is not None}
        return client.post(f"/api/jobs/{job['id']}/photos", json=body, headers=headers)

    return post


def kept():
    return db.session.scalar(select(func.count()).select_from(EvidencePhoto))


def test_a_photo_is_kept_on_the_job_with_its_position_and_shown_in_the_job(send, on_site, shot, fetch):
    job = on_site()
    fix = {"lat": 36.67, "lng": 117.0, "accuracy_m": 12.0, "fix_time": NOW.isoformat()}

    response = send(job, shot, stage="after", position=fix, device_time=NOW.isoformat())

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["stage"], body["sha256"], body["original_sha256"]) == (
        "after",
        hashlib.sha256(shot).hexdigest(),
        "a" * 64,
    )
    assert (body["lat"], body["lng"], body["accuracy_m"]) == (36.67, 117.0, 12.0)
    # No EXIF anywhere: the phone's clock is the capture time.
    assert body["exif_taken_at"] is None
    assert datetime.fromisoformat(body["taken_at"]) == NOW
    assert fetch(job["id"])["photos"] == [
        {"stage": "after", "sha256": body["sha256"], "taken_at": body["taken_at"], "lat": 36.67, "lng": 117.0}
    ]
    assert db.session.get(Photo, body["sha256"]) is not None  # fingerprinted for the reuse check


def test_the_same_photo_sent_twice_is_kept_once(send, on_site, shot):
    job = on_site()
    first = send(job, shot)
    again = send(job, shot)

    assert again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert kept() == 1


def test_the_earlier_of_the_phones_exif_and_the_files_own_is_trusted(send, on_site):
    """The phone says the original was taken an hour ago; the file's own EXIF (Beijing time, no offset
    written) says ten days ago: ten days ago it is, whatever the phone claims."""
    job = on_site()
    ten_days_ago = NOW - timedelta(days=10)
    data = with_exif(
        capture(plate("SN-IN", model="TV55"), 12), (ten_days_ago + timedelta(hours=8)).replace(tzinfo=None)
    )

    body = send(job, data, exif_taken_at=(NOW - timedelta(hours=1)).isoformat()).get_json()

    assert datetime.fromisoformat(body["exif_taken_at"]) == ten_days_ago
    assert datetime.fromisoformat(body["taken_at"]) == ten_days_ago


def test_the_phones_exif_time_stands_when_it_is_the_earlier(send, on_site, shot):
    job = on_site()
    taken = NOW - timedelta(minutes=20)

    body = send(job, shot, exif_taken_at=taken.isoformat()).get_json()

    assert datetime.fromisoformat(body["taken_at"]) == taken


@pytest.mark.parametrize(
    ("written", "offset", "utc"),
    [
        ("2025:06:01 10:30:00", None, datetime(2025, 6, 1, 2, 30, tzinfo=UTC)),
        ("2025:06:01 10:30:00", "+02:00", datetime(2025, 6, 1, 8, 30, tzinfo=UTC)),
        ("not a date", None, None),
    ],
)
def test_exif_capture_time_is_read_in_the_offset_written_else_the_users_zone(written, offset, utc):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = written
    if offset:
        exif.get_ifd(0x8769)[0x9011] = offset
    assert exif_capture_time(exif, timedelta(hours=8)) == utc


def test_a_photo_copied_from_another_job_is_found_when_it_arrives(send, on_site, shot, people):
    first, second = on_site(), on_site(serial="SN-OLD")
    send(first, shot)
    copy = jpeg_bytes(crop(ImageEnhance.Brightness(Image.open(io.BytesIO(shot))).enhance(1.2), 0.06), 70)

    send(second, copy, original_sha256="b" * 64)

    events = db.session.scalars(select(JobEvent).where(JobEvent.job_id == second["id"], JobEvent.kind == "photo"))
    (event,) = events
    assert event.data["reused_from"]["job_id"] == first["id"]


def test_a_new_photograph_of_the_same_unit_on_another_job_is_not_reuse(send, on_site, shot):
    first, second = on_site(), on_site(serial="SN-OLD")
    send(first, shot)

    send(second, jpeg_bytes(capture(plate("SN-IN", model="TV55"), 13)), original_sha256="b" * 64)

    (event,) = db.session.scalars(select(JobEvent).where(JobEvent.job_id == second["id"], JobEvent.kind == "photo"))
    assert "reused_from" not in event.data


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"stage": "during"}, "stage"),
        ({"original_sha256": "xyz"}, "original_sha256"),
        ({"position": {"lat": 91, "lng": 117, "accuracy_m": 5, "fix_time": NOW.isoformat()}}, "position"),
        ({"position": {"lat": 36, "lng": 117, "accuracy_m": 0, "fix_time": NOW.isoformat()}}, "position"),
        (
            {"position": {"lat": 36, "lng": 117, "accuracy_m": 5, "fix_time": (NOW + timedelta(hours=1)).isoformat()}},
            "position",
        ),
        ({"exif_taken_at": "2025-06-01T10:00:00"}, "exif_taken_at"),
    ],
)
def test_bad_fields_are_422_naming_the_field_and_store_nothing(send, on_site, shot, fields, field):
    job = on_site()

    error = assert_error(send(job, shot, **fields), 422, "validation_error")

    assert field in str(error["details"])
    assert kept() == 0


def test_a_photo_not_uploaded_by_the_sender_is_422_naming_sha256(send, on_site, shot, people):
    job = on_site()
    # pm1 uploads it; tech1 names it without having sent it.
    send(job, shot, user=people.pm1)
    db.session.execute(EvidencePhoto.__table__.delete())

    assert_error(send(job, shot, upload=False), 422, "unknown_photo", ["sha256"])
    assert_error(send(job, b"\xff\xd8\xffnever sent", upload=False), 422, "unknown_photo", ["sha256"])


def test_a_blob_that_is_no_jpeg_is_422_naming_sha256(send, on_site):
    job = on_site()
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, "PNG")

    assert_error(send(job, buffer.getvalue()), 422, "not_an_image", ["sha256"])
    assert kept() == 0


def test_only_the_jobs_technician_or_its_providers_staff_may_add_photos(send, on_site, shot, people):
    job = on_site()

    assert send(job, shot, user=people.tech2).status_code == 404  # a colleague not on the job sees it not
    assert send(job, shot, user=people.tech3).status_code == 404  # another provider's: not theirs to know
    assert send(job, shot, user=people.pm2).status_code == 404
    assert send(job, shot, user=people.dispatcher, upload=False).status_code == 403
    assert kept() == 0
    assert send(job, shot, user=people.pm1).status_code == 201


@pytest.mark.parametrize(("state", "status"), [("completed", 201), ("closed", 409)])
def test_photos_are_taken_until_the_job_is_closed(send, on_site, shot, state, status):
    job = on_site(state)

    assert send(job, shot).status_code == status


def test_the_sync_op_keeps_the_photo_once_and_refuses_bad_ones(device, on_site, shot):
    job = on_site()
    phone = device("tech1")
    phone.upload(shot)
    payload = {"stage": "before", "sha256": hashlib.sha256(shot).hexdigest(), "original_sha256": "c" * 64}

    status, body = phone.push(
        [
            phone.op("photo.add", job["id"], payload),
            phone.op("photo.add", job["id"], payload),
            phone.op("photo.add", job["id"], {**payload, "stage": "during"}),
            phone.op("photo.add", job["id"], {**payload, "sha256": "d" * 64}),
        ]
    )

    assert status == 200, body
    assert [(r["result"], r["code"]) for r in body["results"]] == [
        ("applied", ""),
        ("applied", ""),
        ("rejected", "validation_error"),
        ("rejected", "unknown_photo"),
    ]
    (photo,) = db.session.scalars(select(EvidencePhoto))
    # No device_time in the body: the op's own clock stands for it.
    assert photo.taken_at is not None


# ---------------------------------------------------------------- the claim's photo checks over the job


def claim_flags(job):
    facts = SimpleNamespace(job_id=job["id"])
    return [flag for check in PHOTO_CHECKS for flag in check(facts)]


def test_a_clean_visits_photos_raise_no_flag(send, on_site, shot):
    job = on_site()
    send(job, shot, stage="before")
    send(job, jpeg_bytes(capture(plate("SN-IN", model="TV55"), 14)), stage="after")

    assert claim_flags(job) == []


def test_a_photo_taken_before_the_job_was_dispatched_is_old(send, on_site):
    job = on_site()
    old = NOW - timedelta(days=40)
    data = with_exif(capture(plate("SN-IN", model="TV55"), 15), (old + timedelta(hours=8)).replace(tzinfo=None))
    sha = send(job, data).get_json()["sha256"]
    dispatched = db.session.scalar(
        select(JobEvent.at).where(JobEvent.job_id == job["id"], JobEvent.kind == "dispatched")
    )

    (flag,) = claim_flags(job)

    assert flag[0] == "OLD_PHOTO"
    assert flag[2] == {
        "photo_sha256": sha,
        "stage": "before",
        "taken_at": old.isoformat(),
        "dispatched_at": dispatched.isoformat(),
        "job_number": job["number"],
    }


def test_a_photo_copied_from_another_job_is_flagged_on_the_claim(send, on_site, shot):
    first, second = on_site(), on_site(serial="SN-OLD")
    send(first, shot)
    send(second, jpeg_bytes(Image.open(io.BytesIO(shot)), 60), original_sha256="b" * 64)

    assert claim_flags(first) == []
    ((code, _, facts),) = claim_flags(second)
    assert code == "PHOTO_REUSED"
    assert (facts["other_job_id"], facts["other_photo_sha256"]) == (first["id"], hashlib.sha256(shot).hexdigest())


# ---------------------------------------------------------------- the visit's images, read at a desk


def test_a_jobs_evidence_photo_is_served_to_those_who_see_the_job_and_to_no_one_else(
    client, send, on_site, shot, people, make_user, auth
):
    job = on_site()
    sha = send(job, shot, stage="after").get_json()["sha256"]
    auditor = make_user("auditor", username="auditor1")
    for user in (people.admin, people.dispatcher, people.pm1, auth(auditor)):
        headers = user if isinstance(user, dict) else user.headers
        response = client.get(f"/api/jobs/{job['id']}/photos/{sha}", headers=headers)
        assert response.status_code == 200, response.get_json()
        assert (response.mimetype, response.data) == ("image/jpeg", shot)
    # Another provider's manager does not see the job; another job does not hold the photo.
    assert_error(client.get(f"/api/jobs/{job['id']}/photos/{sha}", headers=people.pm2.headers), 404, "job_not_found")
    other = on_site(serial="SN-OLD")
    assert_error(
        client.get(f"/api/jobs/{other['id']}/photos/{sha}", headers=people.admin.headers), 404, "photo_not_found"
    )


def test_a_job_confirmed_by_a_code_has_no_signature_to_serve(client, on_site, people):
    job = on_site("completed")
    assert_error(client.get(f"/api/jobs/{job['id']}/signature", headers=people.admin.headers), 404, "photo_not_found")
