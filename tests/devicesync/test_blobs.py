"""PUT and HEAD /api/sync/blobs/<sha256>: a photo's bytes uploaded under their own hash, kept once.

Every test runs with each photo store: a folder (under the test's ``tmp_path``)
and the database. The race at the end runs on PostgreSQL only.
"""

import hashlib

import pytest
from sqlalchemy import select

from server.evidence.models import PhotoBlob
from server.evidence.storage import photo_store
from server.extensions import db
from tests.helpers import assert_error
from tests.races import send_together

pytestmark = pytest.mark.both_backends

PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes all the same \xff\xd9"
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


def test_a_blob_another_device_sent_is_known_to_every_device(blob, store):
    blob("PUT", PHOTO_SHA, PHOTO, user="tech1")

    assert blob("HEAD", PHOTO_SHA, user="tech3").status_code == 200
    assert blob("PUT", PHOTO_SHA, PHOTO, user="tech3").status_code == 200
    assert store.kept() == {PHOTO_SHA: PHOTO}


@pytest.mark.parametrize(
    "data",
    [PHOTO[:-1], PHOTO + b"\x00", b"", PHOTO.replace(b"jpeg", b"JPEG")],
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


def test_an_empty_blob_named_by_its_hash_is_accepted(blob, store):
    """Nothing in the route refuses zero bytes: they hash to their name like any other."""
    response = blob("PUT", EMPTY_SHA, b"")

    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"sha256": EMPTY_SHA, "size": 0, "stored": True}
    assert store.kept() == {EMPTY_SHA: b""}
    assert blob("HEAD", EMPTY_SHA).status_code == 200


def test_a_blob_over_the_size_limit_is_413_and_not_kept(app, blob, store, monkeypatch):
    monkeypatch.setitem(app.config, "SCAN_MAX_BYTES", 64)
    big = bytes(range(65))
    at_limit = bytes(range(64))

    assert_error(blob("PUT", hashlib.sha256(big).hexdigest(), big), 413, "payload_too_large")
    assert store.kept() == {}
    assert blob("PUT", hashlib.sha256(at_limit).hexdigest(), at_limit).status_code == 201
    assert list(store.kept()) == [hashlib.sha256(at_limit).hexdigest()]


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
