"""The customer's confirmation of a visit: the completion code sent at dispatch and checked at completion (over
REST and the sync op), a signature that must be the technician's own PNG, none with a reason; bad input refused
with the field named and nothing stored."""

import hashlib
import io

import pytest
from PIL import Image
from PIL import ImageDraw
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.jobs.services.confirmation import code_digest
from server.jobs.services.confirmation import code_matches
from server.jobs.services.confirmation import new_code
from server.messaging.models import Message
from tests.helpers import assert_error
from tests.helpers import completion_code

pytestmark = pytest.mark.usefixtures("people")


def signature_png(strokes=((10, 40, 150, 20),), size=(200, 80), mode="RGBA"):
    """A signature as the phone's canvas exports it: dark strokes on a transparent PNG."""
    picture = Image.new(mode, size, (255, 255, 255, 0) if mode == "RGBA" else "white")
    pen = ImageDraw.Draw(picture)
    for stroke in strokes:
        pen.line(stroke, fill=(20, 20, 60, 255) if mode == "RGBA" else (20, 20, 60), width=3)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def jpeg():
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "gray").save(out, "JPEG")
    return out.getvalue()


def sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def upload(client, people):
    def put(data, user=None, content_type="image/png"):
        user = user or people.tech1
        response = client.put(
            f"/api/sync/blobs/{sha(data)}", data=data, content_type=content_type, headers=user.headers
        )
        assert response.status_code in (200, 201), response.get_json()
        return sha(data)

    return put


@pytest.fixture
def complete(client, people):
    def post(job, confirmation=..., user=None, **fields):
        body = {"summary": "换主板", "confirmed_by": "王先生", **fields}
        if confirmation is not ...:
            body["confirmation"] = confirmation
        user = user or people.tech1
        return client.post(f"/api/jobs/{job['id']}/complete", json=body, headers=user.headers)

    return post


def stored(job_id):
    db.session.expire_all()
    return db.session.get(Job, job_id)


# ---------------------------------------------------------------- the code, pure


def test_a_code_is_six_digits_and_codes_differ():
    codes = {new_code() for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 190  # a million of them: 200 draws almost never meet


def test_a_digest_is_keyed_and_bound_to_its_job():
    digest = code_digest("key", 7, "123456")
    assert code_matches("key", 7, "123456", digest)
    assert not code_matches("key", 7, "123457", digest)
    assert not code_matches("key", 8, "123456", digest)  # another job's digest says nothing of this code
    assert not code_matches("other key", 7, "123456", digest)
    assert "123456" not in digest


# ---------------------------------------------------------------- sent at dispatch


def test_dispatch_sends_the_customer_a_code_in_chinese_and_keeps_only_its_digest(open_job, walk, app):
    job = open_job()
    walk(job, "dispatched")

    message = db.session.scalar(select(Message).where(Message.job_id == job["id"]))
    row = stored(job["id"])
    code = completion_code(job["id"])
    assert (message.kind, message.recipient, message.status, message.backend) == (
        "completion_code",
        row.request.customer_phone,
        "sent",
        "log",
    )
    assert job["number"] in message.body
    assert code in message.body
    assert "完成维修" in message.body
    assert row.completion_code_digest == code_digest(app.config["SECRET_KEY"], row.id, code)
    assert code not in row.completion_code_digest
    assert row.completion_code_sent_at is not None


def test_a_job_handed_on_keeps_its_code_and_sends_none_again(open_job, walk, client, people):
    job = open_job()
    walk(job, "on_site")
    before = stored(job["id"]).completion_code_digest

    response = client.post(
        f"/api/jobs/{job['id']}/dispatch", json={"provider_code": "P02"}, headers=people.dispatcher.headers
    )

    assert response.status_code == 200, response.get_json()
    assert stored(job["id"]).completion_code_digest == before
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.job_id == job["id"])) == 1


def test_the_technician_sees_where_the_code_went_but_never_the_code(open_job, walk, client, people):
    job = open_job()
    walk(job, "accepted")
    code = completion_code(job["id"])

    response = client.get(f"/api/jobs/{job['id']}", headers=people.tech1.headers)

    visit = response.get_json()["visit"]
    assert visit["completion_code_sent_at"] is not None
    assert visit["completion_code_sent_to"].endswith(stored(job["id"]).request.customer_phone[-4:])
    assert visit["completion_code_sent_to"].startswith("*")
    text = response.get_data(as_text=True)
    assert code not in text
    assert stored(job["id"]).completion_code_digest not in text


# ---------------------------------------------------------------- checked at completion


def test_the_right_code_confirms_the_visit(open_job, walk, complete):
    job = open_job()
    walk(job, "scanned")

    response = complete(job, {"method": "code", "code": completion_code(job["id"])})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["visit"]["confirmation"] == {
        "method": "code",
        "code_ok": True,
        "reason": "",
        "signature_sha256": None,
    }


def test_a_wrong_code_is_kept_as_typed_never_refused(open_job, walk, complete, events):
    job = open_job()
    walk(job, "scanned")
    wrong = f"{(int(completion_code(job['id'])) + 1) % 1_000_000:06d}"

    response = complete(job, {"method": "code", "code": wrong})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["visit"]["confirmation"]["code_ok"] is False
    row = stored(job["id"])
    assert (row.state, row.confirmation_method, row.confirmation_code, row.confirmation_code_ok) == (
        "completed",
        "code",
        wrong,
        False,
    )
    record = events(job["id"])[-1]["data"]["confirmation"]
    assert record == {"method": "code", "code_ok": False, "code_sent": True}
    assert row.completion_code_digest not in str(events(job["id"]))


def test_a_code_for_a_job_dispatched_before_codes_is_neither_right_nor_wrong(open_job, walk, complete):
    job = open_job()
    walk(job, "scanned")
    row = stored(job["id"])
    row.completion_code_digest, row.completion_code_sent_at = None, None
    db.session.commit()

    response = complete(job, {"method": "code", "code": "123456"})

    assert response.status_code == 200, response.get_json()
    assert stored(job["id"]).confirmation_code_ok is None


def test_none_keeps_the_reason(open_job, walk, complete):
    job = open_job()
    walk(job, "scanned")

    response = complete(job, {"method": "none", "reason": "客户不在家，老人代收"})

    assert response.status_code == 200, response.get_json()
    row = stored(job["id"])
    assert (row.confirmation_method, row.confirmation_reason) == ("none", "客户不在家，老人代收")


def test_an_older_app_without_confirmation_completes_with_none_recorded(open_job, walk, complete):
    job = open_job()
    walk(job, "scanned")

    response = complete(job)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["visit"]["confirmation"]["method"] is None
    assert stored(job["id"]).state == "completed"


@pytest.mark.parametrize(
    ("confirmation", "field"),
    [
        pytest.param({"method": "code", "code": "12345"}, "confirmation.code", id="five-digits"),
        pytest.param({"method": "code", "code": "1234567"}, "confirmation.code", id="seven-digits"),
        pytest.param({"method": "code", "code": "12a456"}, "confirmation.code", id="a-letter"),
        pytest.param({"method": "code", "code": "١٢٣٤٥٦"}, "confirmation.code", id="arabic-indic-digits"),
        pytest.param({"method": "code", "code": "123456\n"}, "confirmation.code", id="trailing-newline"),
        pytest.param({"method": "code", "code": 123456}, "confirmation.code", id="a-number"),
        pytest.param({"method": "code"}, "confirmation.code", id="code-missing"),
        pytest.param({"method": "signature"}, "confirmation.signature_sha256", id="signature-missing"),
        pytest.param(
            {"method": "signature", "signature_sha256": "ab" * 31}, "confirmation.signature_sha256", id="short"
        ),
        pytest.param({"method": "none"}, "confirmation.reason", id="reason-missing"),
        pytest.param({"method": "none", "reason": "   "}, "confirmation.reason", id="reason-blank"),
        pytest.param({"method": "none", "reason": "x", "code": "123456"}, "confirmation.code", id="code-beside-none"),
        pytest.param({"method": "sms"}, "confirmation.method", id="unknown-method"),
        pytest.param({}, "confirmation.method", id="method-missing"),
    ],
)
def test_bad_confirmation_is_refused_naming_the_field_and_nothing_is_stored(
    open_job, walk, complete, confirmation, field
):
    job = open_job()
    walk(job, "scanned")

    assert_error(complete(job, confirmation), 422, "validation_error", fields=[field])
    row = stored(job["id"])
    assert (row.state, row.confirmation_method, row.completed_at) == ("on_site", None, None)


# ---------------------------------------------------------------- a signature


def test_a_signature_the_technician_uploaded_is_bound_to_the_summary_they_signed_under(
    open_job, walk, complete, upload, events
):
    job = open_job()
    walk(job, "scanned")
    signature = upload(signature_png())

    response = complete(job, {"method": "signature", "signature_sha256": signature}, summary="  换主板，测试正常  ")

    assert response.status_code == 200, response.get_json()
    row = stored(job["id"])
    assert (row.confirmation_method, row.signature_sha256) == ("signature", signature)
    assert row.signed_summary_sha256 == hashlib.sha256("换主板，测试正常".encode()).hexdigest()
    record = events(job["id"])[-1]["data"]["confirmation"]
    assert record["method"] == "signature"
    assert len(record["signature_pixels_sha256"]) == 64


def test_the_signature_is_shown_to_an_auditor_beside_the_job(open_job, walk, complete, upload, client, make_user, auth):
    job = open_job()
    walk(job, "scanned")
    drawn = signature_png()
    complete(job, {"method": "signature", "signature_sha256": upload(drawn)})

    response = client.get(f"/api/jobs/{job['id']}/signature", headers=auth(make_user("auditor", username="aud")))

    assert response.status_code == 200, response.get_json()
    assert (response.mimetype, response.data) == ("image/png", drawn)


@pytest.mark.parametrize(
    ("data", "content_type", "code"),
    [
        pytest.param(jpeg(), "image/jpeg", "signature_not_png", id="a-jpeg"),
        pytest.param(signature_png(strokes=()), "image/png", "signature_empty", id="blank-canvas"),
    ],
)
def test_a_signature_that_is_no_drawn_png_is_refused(open_job, walk, complete, upload, data, content_type, code):
    job = open_job()
    walk(job, "scanned")
    signature = upload(data, content_type=content_type)

    response = complete(job, {"method": "signature", "signature_sha256": signature})

    assert_error(response, 422, code, fields=["confirmation.signature_sha256"])
    assert stored(job["id"]).state == "on_site"


def test_a_signature_someone_else_uploaded_is_unknown_to_the_technician(open_job, walk, complete, upload, people):
    job = open_job()
    walk(job, "scanned")
    theirs = upload(signature_png(), user=people.tech2)

    response = complete(job, {"method": "signature", "signature_sha256": theirs})

    assert_error(response, 422, "unknown_signature", fields=["confirmation.signature_sha256"])
    assert_error(
        complete(job, {"method": "signature", "signature_sha256": "0" * 64}),
        422,
        "unknown_signature",
        fields=["confirmation.signature_sha256"],
    )
    assert stored(job["id"]).state == "on_site"


def test_a_job_that_cannot_be_completed_is_a_conflict_whatever_its_signature(open_job, walk, complete):
    job = open_job()
    walk(job, "accepted")

    response = complete(job, {"method": "signature", "signature_sha256": "0" * 64})

    assert_error(response, 409, "illegal_transition")


# ---------------------------------------------------------------- offline, through the sync op


def push(client, user, ops, client_id="phone-0001"):
    response = client.post(
        "/api/sync/push", json={"client_id": client_id, "schema_version": 1, "ops": ops}, headers=user.headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["results"]


def complete_op(job, seq, confirmation):
    return {
        "op_id": f"00000000-0000-4000-8000-{seq:012d}",
        "seq": seq,
        "type": "job.complete",
        "entity_id": str(job["id"]),
        "payload": {"summary": "换主板", "confirmed_by": "王先生", "confirmation": confirmation},
        "client_time": "2030-01-01T00:00:00+00:00",
    }


def test_a_wrong_code_typed_offline_is_applied_and_kept(open_job, walk, client, people):
    job = open_job()
    walk(job, "scanned")

    wrong = f"{(int(completion_code(job['id'])) + 1) % 1_000_000:06d}"

    results = push(client, people.tech1, [complete_op(job, 1, {"method": "code", "code": wrong})])

    assert results[0]["result"] == "applied", results
    row = stored(job["id"])
    assert (row.state, row.confirmation_code, row.confirmation_code_ok) == ("completed", wrong, False)


def test_a_bad_code_in_a_sync_op_is_rejected_naming_the_field(open_job, walk, client, people):
    job = open_job()
    walk(job, "scanned")

    results = push(client, people.tech1, [complete_op(job, 1, {"method": "code", "code": "12345"})])

    assert (results[0]["result"], results[0]["code"]) == ("rejected", "validation_error")
    assert "confirmation.code" in results[0]["message"]
    assert stored(job["id"]).state == "on_site"


def test_a_completion_whose_signature_has_not_arrived_is_rejected_like_a_scan_without_its_photo(
    open_job, walk, client, people, upload, notified
):
    job = open_job()
    walk(job, "scanned")
    data = signature_png()

    results = push(client, people.tech1, [complete_op(job, 1, {"method": "signature", "signature_sha256": sha(data)})])

    assert (results[0]["result"], results[0]["code"]) == ("rejected", "unknown_signature")
    assert stored(job["id"]).state == "on_site"
    assert notified("dispatcher", "sync_rejected")  # kept, and dispatch told, as any op not applied
    # Once the PNG is up, the completion made again goes through.
    upload(data)
    again = push(client, people.tech1, [complete_op(job, 2, {"method": "signature", "signature_sha256": sha(data)})])
    assert again[0]["result"] == "applied", again
    assert stored(job["id"]).signature_sha256 == sha(data)
