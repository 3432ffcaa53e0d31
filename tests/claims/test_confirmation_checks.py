"""The claim checks of the customer's confirmation: each rule both ways without a database, then the tricks a
dishonest technician would try, played through the API: a wrong code typed offline and synced later, and
yesterday's signature PNG used again on another job, as the same file and saved again as another."""

import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace

import pytest
from PIL import Image

from server.claims import confirmation_checks as rules
from server.claims.confirmation_checks import Confirmation
from server.claims.confirmation_checks import EarlierSignature
from server.extensions import db
from server.jobs.models import Job
from tests.helpers import completion_code
from tests.jobs.test_confirmation import complete_op
from tests.jobs.test_confirmation import push
from tests.jobs.test_confirmation import signature_png

T = datetime(2030, 1, 2, 10, 0, tzinfo=UTC)


def job(**fields):
    values = {"job_id": 5, "job_number": "J5", "completed_at": T, "method": "code", "code_ok": True, "code_sent_at": T}
    return Confirmation(**{**values, **fields})


def codes(flags):
    return [flag[0] for flag in flags]


# ---------------------------------------------------------------- the rules, pure


@pytest.mark.parametrize(
    ("fields", "flagged", "facts"),
    [
        pytest.param({}, False, None, id="right-code"),
        pytest.param({"method": "signature", "code_ok": None}, False, None, id="signature"),
        pytest.param(
            {"method": "none", "reason": "客户不在家"}, True, {"method": "none", "reason": "客户不在家"}, id="none"
        ),
        pytest.param({"method": None, "code_ok": None}, True, {"method": None, "completed": True}, id="absent"),
        pytest.param({"completed_at": None, "method": None}, True, {"method": None, "completed": False}, id="open"),
        pytest.param(
            {"code_ok": None, "code_sent_at": None}, True, {"method": "code", "code_sent": False}, id="no-code-sent"
        ),
        pytest.param({"code_ok": False}, False, None, id="wrong-code-is-the-other-flag"),
    ],
)
def test_no_confirmation(fields, flagged, facts):
    flags = rules.no_confirmation_flags(job(**fields))
    assert codes(flags) == (["NO_CONFIRMATION"] if flagged else [])
    if flagged:
        assert flags[0][2] == {"job_id": 5, "job_number": "J5", **facts}
        assert "J5" in flags[0][1]


def test_no_code_sent_says_so():
    message = rules.no_confirmation_flags(job(code_ok=None, code_sent_at=None))[0][1]
    assert "no completion code was ever sent" in message


@pytest.mark.parametrize(
    ("fields", "flagged"),
    [
        ({}, False),
        ({"code_ok": False, "code_typed": "111111"}, True),
        ({"code_ok": None}, False),
        ({"method": "none"}, False),
    ],
)
def test_code_mismatch(fields, flagged):
    flags = rules.code_mismatch_flags(job(**fields))
    assert codes(flags) == (["CODE_MISMATCH"] if flagged else [])
    if flagged:
        assert flags[0][2] == {"job_id": 5, "job_number": "J5", "code_typed": "111111", "code_sent_at": T.isoformat()}


def use(job_id, hours, same_file=True):
    return EarlierSignature(job_id, f"J{job_id}", T + timedelta(hours=hours), same_file)


def test_only_a_use_before_this_one_counts_and_the_first_is_named():
    signed = job(method="signature")
    assert rules.first_use(signed, []) is None
    assert rules.first_use(signed, [use(9, 1)]) is None  # this job signed first: the later one is flagged
    assert rules.first_use(signed, [use(9, 1), use(3, -2), use(4, -30)]).job_id == 4
    assert rules.first_use(signed, [use(3, 0)]).job_id == 3  # a tie of times goes to the lower id
    assert rules.first_use(signed, [use(7, 0)]) is None


@pytest.mark.parametrize("same_file", [True, False])
def test_signature_reused_names_the_other_job(same_file):
    flags = rules.signature_reused_flags(job(method="signature", signature_sha256="a" * 64), use(4, -24, same_file))
    assert codes(flags) == ["SIGNATURE_REUSED"]
    assert flags[0][2]["other_job_number"] == "J4"
    assert flags[0][2]["same_file"] is same_file
    assert flags[0][2]["other_completed_at"] == (T - timedelta(hours=24)).isoformat()
    assert rules.signature_reused_flags(job(method="signature"), None) == []


# ---------------------------------------------------------------- through the API


def flags_of(job_id):
    """The confirmation flags a claim filed now on job ``job_id`` would carry: ``{code: facts}``."""
    facts = SimpleNamespace(job_id=job_id)
    return {flag[0]: flag[2] for check in rules.CHECKS for flag in check(facts)}


@pytest.fixture
def completed(open_job, walk, client, people):
    """``completed(confirmation, serial)`` → the id of a job of tech1 completed with ``confirmation``; the value
    ``"right"`` is the code the customer was sent."""

    def make(confirmation, serial=""):
        job = open_job(serial=serial)
        walk(job, "scanned")
        if confirmation == "right":
            confirmation = {"method": "code", "code": completion_code(job["id"])}
        body = {"summary": "换主板", "confirmed_by": "王先生", "confirmation": confirmation}
        response = client.post(f"/api/jobs/{job['id']}/complete", json=body, headers=people.tech1.headers)
        assert response.status_code == 200, response.get_json()
        return job["id"]

    return make


def upload(client, user, data):
    from tests.jobs.test_confirmation import sha

    response = client.put(f"/api/sync/blobs/{sha(data)}", data=data, content_type="image/png", headers=user.headers)
    assert response.status_code in (200, 201), response.get_json()
    return sha(data)


def test_a_clean_visit_raises_none(completed, client, people):
    assert flags_of(completed("right")) == {}
    assert (
        flags_of(completed({"method": "signature", "signature_sha256": upload(client, people.tech1, signature_png())}))
        == {}
    )


def test_a_wrong_code_typed_offline_and_synced_later_is_kept_and_flagged(open_job, walk, client, people):
    job = open_job()
    walk(job, "scanned")
    wrong = f"{(int(completion_code(job['id'])) + 5) % 1_000_000:06d}"

    results = push(client, people.tech1, [complete_op(job, 1, {"method": "code", "code": wrong})])

    assert results[0]["result"] == "applied"
    assert set(flags_of(job["id"])) == {"CODE_MISMATCH"}
    assert flags_of(job["id"])["CODE_MISMATCH"]["code_typed"] == wrong


def resaved(data):
    """The same drawing saved again: other bytes (compression, no transparency), the same pixels on white."""
    picture = Image.open(io.BytesIO(data))
    flat = Image.alpha_composite(Image.new("RGBA", picture.size, "white"), picture.convert("RGBA")).convert("RGB")
    out = io.BytesIO()
    flat.save(out, "PNG", compress_level=9, optimize=True)
    assert out.getvalue() != data
    return out.getvalue()


@pytest.mark.parametrize("copy", ["same-file", "saved-again"])
def test_yesterdays_signature_on_another_job_is_flagged_on_the_later_claim_only(completed, client, people, copy):
    yesterday = signature_png()
    first = completed({"method": "signature", "signature_sha256": upload(client, people.tech1, yesterday)})
    row = db.session.get(Job, first)
    row.completed_at = row.completed_at - timedelta(days=1)
    db.session.commit()
    again = yesterday if copy == "same-file" else resaved(yesterday)

    later = completed({"method": "signature", "signature_sha256": upload(client, people.tech1, again)}, serial="SN-OLD")

    flagged = flags_of(later)
    assert set(flagged) == {"SIGNATURE_REUSED"}
    assert (flagged["SIGNATURE_REUSED"]["other_job_id"], flagged["SIGNATURE_REUSED"]["same_file"]) == (
        first,
        copy == "same-file",
    )
    assert flags_of(first) == {}


def test_another_drawing_is_not_a_reuse(completed, client, people):
    completed({"method": "signature", "signature_sha256": upload(client, people.tech1, signature_png())})
    other = signature_png(strokes=((10, 40, 150, 21),))  # one pixel's slope apart
    later = completed({"method": "signature", "signature_sha256": upload(client, people.tech1, other)}, serial="SN-OLD")
    assert flags_of(later) == {}
