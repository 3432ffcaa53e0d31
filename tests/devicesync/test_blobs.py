"""PUT and HEAD /api/sync/blobs/<sha256>: a photo's bytes uploaded under their own hash, kept once.

Every test runs with each photo store: a folder (under the test's ``tmp_path``)
and the database. The race at the end runs on PostgreSQL only. Only a label
photo the app would send is taken, and a blob is known only to whoever sent it
and to those who may see a scan citing it.
"""

import hashlib
import io

import pytest
from PIL import Image
from sqlalchemy import select

from server.evidence.models import PhotoBlob
from server.evidence.storage import photo_store
from server.extensions import db
from tests.fixtures.device import label_photo
from tests.helpers import assert_error
from tests.helpers import png_header
from tests.races import send_together

pytestmark = pytest.mark.both_backends

PHOTO = label_photo()
PHOTO_SHA = hashlib.sha256(PHOTO).hexdigest()
EMPTY_SHA = hashlib.sha256(b"").hexdigest()


@pytest.fixture(params=["folder", "database"], autouse=True)
def store(request, app, tmp_path, monkeypatch):
    """The photo store of the test (both, in turn); ``store.kept()`` → the blobs it holds, by hash."""
    monkeypatch.setitem(app.config, "PHOTO_STORE", request.param)
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path / "photos"))

    class Store:
        kind = request.param

        @staticmethod
        def kept():
            if request.param == "folder":
                return {path.name: path.read_bytes() for path in (tmp_path / "photos").rglob("*") if path.is_file()}
            db.session.expire_all()
            return {blob.sha256: blob.data for blob in db.session.scalars(select(PhotoBlob))}

    return Store


@pytest.fixture
def blob(client, people):
    """``blob(method, sha256, data=b"", user="tech1")`` → the response."""

    def send(method, sha256, data=b"", user="tech1", headers=None):
        return client.open(
            f"/api/sync/blobs/{sha256}",
            method=method,
            data=data,
            content_type="application/octet-stream",
            headers=getattr(people, user).headers if headers is None else headers,
        )

    return send


def test_a_new_blob_is_stored_and_known_afterwards(blob, store):
    assert blob("HEAD", PHOTO_SHA).status_code == 404

    response = blob("PUT", PHOTO_SHA, PHOTO)

    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"sha256": PHOTO_SHA, "size": len(PHOTO), "stored": True}
    assert store.kept() == {PHOTO_SHA: PHOTO}
    assert photo_store().get(PHOTO_SHA) == PHOTO
    head = blob("HEAD", PHOTO_SHA)
    assert head.status_code == 200
    assert head.data == b""


def test_a_blob_sent_again_is_known_and_kept_once(blob, store):
    blob("PUT", PHOTO_SHA, PHOTO)

    response = blob("PUT", PHOTO_SHA, PHOTO)

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"sha256": PHOTO_SHA, "size": len(PHOTO), "stored": False}
    assert store.kept() == {PHOTO_SHA: PHOTO}


def test_a_blob_is_known_only_to_its_sender_and_to_those_who_may_see_a_scan_citing_it(blob, store, device, on_site):
    """Finding 2 of issue 21: HEAD told anyone whether a photo exists. Now another provider's technician, and
    even the sender's own manager before a scan cites it, get the 404 of a blob that does not exist."""
    missing = hashlib.sha256(b"no such photo").hexdigest()
    blob("PUT", PHOTO_SHA, PHOTO, user="tech1")

    for user in ("tech3", "pm2", "tech2", "pm1", "clerk"):
        unknown = blob("HEAD", PHOTO_SHA, user=user)
        assert (unknown.status_code, dict(unknown.headers)) == (404, dict(blob("HEAD", missing, user=user).headers))
    assert blob("HEAD", PHOTO_SHA, user="tech1").status_code == 200

    job = on_site()
    phone = device("tech1")
    status, body = phone.push(
        [phone.op("scan.add", job["id"], {"serial": "SN-IN", "source": "photo", "photo_sha256": PHOTO_SHA})]
    )
    assert (status, body["results"][0]["result"]) == (200, "applied"), body

    # P01's manager sees the job the scan is on; P02's people and a colleague not on the job do not.
    assert blob("HEAD", PHOTO_SHA, user="pm1").status_code == 200
    for user in ("tech3", "pm2", "tech2"):
        assert blob("HEAD", PHOTO_SHA, user=user).status_code == 404


def test_bytes_another_user_sent_are_new_to_the_next_sender_and_known_to_them_after(blob, store):
    """Whoever holds the bytes may send them: the answer is that of a new blob, so it tells nothing of others."""
    blob("PUT", PHOTO_SHA, PHOTO, user="tech1")

    response = blob("PUT", PHOTO_SHA, PHOTO, user="tech3")

    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"sha256": PHOTO_SHA, "size": len(PHOTO), "stored": True}
    assert blob("HEAD", PHOTO_SHA, user="tech3").status_code == 200
    assert store.kept() == {PHOTO_SHA: PHOTO}


def saved(picture, kind):
    buffer = io.BytesIO()
    picture.save(buffer, kind)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b"", "image_empty", id="empty"),
        pytest.param(b"<!doctype html><script>alert(document.domain)</script>", "not_an_image", id="html"),
        pytest.param(
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not_an_image", id="svg"
        ),
        pytest.param(b"\xff\xd8\xff but no JPEG after its first bytes", "not_an_image", id="jpeg-signature-only"),
        pytest.param(saved(Image.new("L", (40, 30), 200), "GIF"), "not_an_image", id="gif"),
        pytest.param(png_header(30000, 30000), "image_too_large", id="30000x30000-png-bomb"),
        pytest.param(png_header(5000, 100), "image_too_large", id="side-over-4096"),
    ],
)
def test_only_a_label_photo_the_app_would_send_is_taken(blob, store, data, code):
    """Finding 10 of issue 21: the blob store took any bytes (HTML, nothing, a PNG bomb)."""
    sha = hashlib.sha256(data).hexdigest()

    error = assert_error(blob("PUT", sha, data), 422, code)

    assert error["message"]
    assert store.kept() == {}
    assert blob("HEAD", sha).status_code == 404


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_jpeg_png_or_webp_photo_is_taken(blob, store, kind):
    data = saved(Image.open(io.BytesIO(PHOTO)), kind)

    assert blob("PUT", hashlib.sha256(data).hexdigest(), data).status_code == 201
    assert list(store.kept().values()) == [data]


@pytest.mark.parametrize(
    "data",
    [PHOTO[:-1], PHOTO + b"\x00", b"", PHOTO[:40] + bytes([PHOTO[40] ^ 1]) + PHOTO[41:]],
    ids=["cut-short", "one-byte-more", "nothing", "altered"],
)
def test_bytes_that_do_not_match_their_name_are_refused_and_not_kept(blob, store, data):
    response = blob("PUT", PHOTO_SHA, data)

    error = assert_error(response, 422, "hash_mismatch")
    assert error["details"] == {"received_bytes": len(data)}
    assert store.kept() == {}
    assert blob("HEAD", PHOTO_SHA).status_code == 404


BAD_NAMES = [
    PHOTO_SHA.upper(),
    PHOTO_SHA[:-1],
    PHOTO_SHA + "0",
    "g" * 64,
    PHOTO_SHA[:-1] + "G",
    "photo.jpg",
    "0",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_that_is_no_sha256_is_refused(blob, store, name):
    assert_error(blob("PUT", name, PHOTO), 422, "bad_hash")
    assert blob("HEAD", name).status_code == 422
    assert store.kept() == {}


def test_a_name_in_capitals_is_refused_even_when_the_bytes_hash_to_it(blob, store):
    assert_error(blob("PUT", PHOTO_SHA.upper(), PHOTO), 422, "bad_hash")
    assert store.kept() == {}


def test_a_blob_over_the_size_limit_is_413_and_not_kept(app, blob, store, monkeypatch):
    monkeypatch.setitem(app.config, "SCAN_MAX_BYTES", len(PHOTO))
    big = PHOTO + b"\x00"

    assert_error(blob("PUT", hashlib.sha256(big).hexdigest(), big), 413, "payload_too_large")
    assert store.kept() == {}
    assert blob("PUT", PHOTO_SHA, PHOTO).status_code == 201
    assert list(store.kept()) == [PHOTO_SHA]


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("tech1", 201),
        ("pm1", 201),
        ("clerk", 201),
        ("agent", 403),
        ("dispatcher", 403),
        ("admin", 403),
        ("planner", 403),
    ],
)
def test_who_may_upload_and_check_blobs(client, catalogue, store, user, status):
    headers = getattr(catalogue, user).headers
    url = f"/api/sync/blobs/{PHOTO_SHA}"

    put = client.put(url, data=PHOTO, content_type="application/octet-stream", headers=headers)
    head = client.head(url, headers=headers)

    if status == 201:
        assert put.status_code == 201, put.get_json()
        assert head.status_code == 200
        assert store.kept() == {PHOTO_SHA: PHOTO}
    else:
        assert_error(put, 403, "role_forbidden")
        assert head.status_code == 403
        assert store.kept() == {}


def test_blobs_need_a_signed_in_user(blob, store):
    assert_error(blob("PUT", PHOTO_SHA, PHOTO, headers={}), 401, "token_missing")
    assert blob("HEAD", PHOTO_SHA, headers={}).status_code == 401
    assert store.kept() == {}


def test_an_uploaded_blob_is_the_photo_a_scan_op_names(blob, device, on_site, events):
    job = on_site()
    phone = device("tech1")
    blob("PUT", PHOTO_SHA, PHOTO)

    status, body = phone.push(
        [phone.op("scan.add", job["id"], {"serial": "SN-IN", "source": "photo", "photo_sha256": PHOTO_SHA})]
    )

    assert status == 200, body
    assert body["results"][0]["result"] == "applied", body
    assert events(job["id"])[-1]["kind"] == "scan"
    assert photo_store().get(PHOTO_SHA) == PHOTO


def test_a_scan_op_may_cite_only_a_photo_its_technician_or_their_provider_holds(blob, device, on_site, events):
    """Finding 2 of issue 21, by sync: an op citing a photo of another provider's is refused, with the answer
    of a photo no one sent; one a colleague of the same provider sent is taken."""
    theirs, colleagues = label_photo(1), label_photo(2)
    blob("PUT", hashlib.sha256(theirs).hexdigest(), theirs, user="tech3")
    blob("PUT", hashlib.sha256(colleagues).hexdigest(), colleagues, user="tech2")
    job = on_site()
    phone = device("tech1")

    def scan(data):
        payload = {"serial": "SN-IN", "source": "photo", "photo_sha256": hashlib.sha256(data).hexdigest()}
        status, body = phone.push([phone.op("scan.add", job["id"], payload)])
        assert status == 200, body
        return body["results"][0]

    refused, never_sent = scan(theirs), scan(b"never sent")
    assert (refused["result"], refused["code"]) == ("rejected", "unknown_photo")
    assert (never_sent["result"], never_sent["code"]) == ("rejected", "unknown_photo")
    assert never_sent["message"] == refused["message"]
    assert [event["kind"] for event in events(job["id"])].count("scan") == 0
    assert scan(colleagues)["result"] == "applied"
    assert [event["kind"] for event in events(job["id"])].count("scan") == 1


@pytest.mark.commits
@pytest.mark.postgres_only
def test_the_same_blob_uploaded_twice_at_once_is_kept_once(app, people, store):
    """Two connections upload one photo at the same moment, five times over: one stores it, the other finds it."""
    expected = {}
    for round_ in range(5):
        data = PHOTO + bytes([round_])
        sha = hashlib.sha256(data).hexdigest()
        expected[sha] = data

        put = {
            "method": "PUT",
            "path": f"/api/sync/blobs/{sha}",
            "data": data,
            "content_type": "application/octet-stream",
            "headers": people.tech1.headers,
        }

        answers = send_together(app, [put, put])

        assert sorted(status for status, _ in answers) == [200, 201], answers
        assert sorted(body["stored"] for _, body in answers) == [False, True]
        assert store.kept() == expected
