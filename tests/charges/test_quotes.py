"""Quotes, approval, payments, the close-out gate and receipts: through the phone's sync ops, and the REST
endpoints where a refusal's field is read (both call the same rules)."""

import hashlib
import io

import pytest
from PIL import Image
from PIL import ImageDraw
from sqlalchemy import func
from sqlalchemy import select

from server.charges.models import Payment
from server.charges.models import Quote
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.messaging.models import Message
from tests.charges.conftest import LINES
from tests.charges.conftest import approved
from tests.charges.conftest import payment_body
from tests.charges.conftest import quote_body
from tests.charges.conftest import sent_code
from tests.helpers import assert_error


def counts():
    """Rows a refused charge must leave as they were."""
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Quote, Payment, Message))


def quotes_of(job_id):
    db.session.expire_all()
    return db.session.scalars(select(Quote).where(Quote.job_id == job_id).order_by(Quote.version)).all()


def complete_op(**fields):
    return {"summary": "换主板", "confirmed_by": "王先生", **fields}


# ---------------------------------------------------------------- quoting


def test_a_saved_quote_is_priced_from_the_guide_and_the_customer_is_sent_its_code(apply, paid_job):
    job = paid_job()
    body = quote_body()
    assert apply("quote.save", job, body)["result"] == "applied"
    (quote,) = quotes_of(job["id"])
    assert (quote.version, quote.status, quote.ref) == (1, "pending_approval", body["ref"])
    assert [(line["name"], line["guide_price_cents"]) for line in quote.lines] == [
        ("更换主板", 8_000),
        ("Main board", 20_000),
        ("上门费", 3_000),
    ]
    # Guide 310.00; quoted 290.00 less a 10.00 discount.
    assert (quote.guide_total_cents, quote.discount_cents, quote.total_cents) == (31_000, 1_000, 28_000)
    message = db.session.scalar(select(Message).where(Message.kind == "quote_code"))
    assert message.recipient == "13800000000"
    assert "280.00元" in message.body
    assert job["number"] in message.body
    assert quote.code_digest
    assert sent_code(job["number"]) not in quote.code_digest


BAD_QUOTES = [
    pytest.param({"lines": [{**LINES[0], "unit_price_cents": -1}]}, "lines.0.unit_price_cents", id="negative-price"),
    pytest.param({"lines": [LINES[0], {**LINES[1], "part_code": "NOPE"}]}, "lines.1.part_code", id="unknown-part"),
    pytest.param({"lines": [{**LINES[0], "fee_code": "NOPE"}]}, "lines.0.fee_code", id="unknown-fee"),
    pytest.param({"lines": [{**LINES[0], "fee_code": "WM-PUMP"}]}, "lines.0.fee_code", id="another-category"),
    pytest.param({"discount_cents": 29_001}, "discount_cents", id="discount-above-lines"),
]


@pytest.mark.parametrize(("change", "field"), BAD_QUOTES)
def test_a_bad_quote_is_refused_naming_its_field_and_changes_nothing(client, guide, paid_job, change, field):
    job = paid_job()
    before = counts()
    response = client.post(f"/api/jobs/{job['id']}/quotes", json=quote_body(**change), headers=guide.tech1.headers)
    assert_error(response, 422, "validation_error", fields=[field])
    assert counts() == before


def test_a_part_not_on_the_models_list_is_refused(client, guide, paid_job, make_part, make_product):
    make_part("WM-BELT", models=("WM8",))  # fits another model, not TV55
    db.session.commit()
    job = paid_job()
    lines = [{"kind": "part", "part_code": "WM-BELT", "quantity": 1, "unit_price_cents": 100}]
    response = client.post(f"/api/jobs/{job['id']}/quotes", json=quote_body(lines=lines), headers=guide.tech1.headers)
    assert_error(response, 422, "validation_error", fields=["lines.0.part_code"])


def test_a_warranty_job_is_not_quoted(client, guide, open_job, walk, apply):
    job = walk(open_job(serial="SN-IN"), "on_site", guide.tech1)
    before = counts()
    assert_error(
        client.post(f"/api/jobs/{job['id']}/quotes", json=quote_body(), headers=guide.tech1.headers),
        409,
        "not_a_paid_job",
    )
    assert apply("quote.save", job, quote_body())["code"] == "not_a_paid_job"
    assert counts() == before


# ---------------------------------------------------------------- approval


def test_a_quote_changed_after_approval_is_superseded_and_needs_approval_again(client, guide, apply, paid_job):
    job = paid_job()
    first = approved(apply, job)
    second = quote_body(discount_cents=0)
    assert apply("quote.save", job, second)["result"] == "applied"
    old, new = quotes_of(job["id"])
    assert (old.status, new.status, new.version) == ("superseded", "pending_approval", 2)
    # The first approval no longer holds: approving or paying the old version is refused, and completing waits.
    answer = apply("quote.approve", job, {"ref": first, "method": "code", "code": sent_code(job["number"])})
    assert (answer["result"], answer["code"]) == ("rejected", "quote_superseded")
    assert apply("payment.record", job, payment_body(first, 100))["code"] == "quote_superseded"
    assert apply("job.complete", job, complete_op())["code"] == "quote_not_approved"
    answer = apply("quote.approve", job, {"ref": second["ref"], "method": "code", "code": sent_code(job["number"])})
    assert answer["result"] == "applied"
    charges = client.get(f"/api/jobs/{job['id']}/charges", headers=guide.pm1.headers).json
    assert charges["quote"]["status"] == "approved"
    assert charges["quote"]["version"] == 2
    assert [quote["status"] for quote in charges["quotes"]] == ["approved", "superseded"]
    assert (charges["job_type"], charges["area_class"], charges["outstanding_cents"]) == ("paid", "county", 29_000)


def test_a_wrong_code_is_refused_naming_code_and_approving_twice_changes_nothing(client, guide, apply, paid_job):
    job = paid_job()
    body = quote_body()
    apply("quote.save", job, body)
    right = sent_code(job["number"])
    wrong = "000000" if right != "000000" else "111111"
    url = f"/api/jobs/{job['id']}/quotes/approve"
    response = client.post(url, json={"ref": body["ref"], "method": "code", "code": wrong}, headers=guide.tech1.headers)
    assert_error(response, 422, "wrong_code", fields=["code"])
    assert quotes_of(job["id"])[0].status == "pending_approval"
    for _ in range(2):
        response = client.post(
            url, json={"ref": body["ref"], "method": "code", "code": right}, headers=guide.tech1.headers
        )
        assert response.status_code == 200
        assert response.json["status"] == "approved"
    (quote,) = quotes_of(job["id"])
    assert quote.approval_method == "code"
    assert (
        db.session.scalar(select(func.count()).where(JobEvent.job_id == job["id"], JobEvent.kind == "quote_approved"))
        == 1
    )


def signature_png():
    picture = Image.new("RGBA", (200, 80), (255, 255, 255, 0))
    ImageDraw.Draw(picture).line((10, 40, 150, 20), fill=(20, 20, 60, 255), width=3)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def test_a_quote_is_approved_by_a_signature_the_technician_uploaded_and_not_by_one_unknown(apply, paid_job):
    job = paid_job()
    body = quote_body()
    apply("quote.save", job, body)
    unknown = apply("quote.approve", job, {"ref": body["ref"], "method": "signature", "signature_sha256": "ab" * 32})
    assert (unknown["result"], unknown["code"]) == ("rejected", "unknown_signature")
    drawn = signature_png()
    assert apply.phone.upload(drawn)[0] in (200, 201)
    signature = hashlib.sha256(drawn).hexdigest()
    answer = apply("quote.approve", job, {"ref": body["ref"], "method": "signature", "signature_sha256": signature})
    assert answer["result"] == "applied", answer
    (quote,) = quotes_of(job["id"])
    assert (quote.status, quote.approval_signature_sha256) == ("approved", signature)


# ---------------------------------------------------------------- payments


@pytest.mark.both_backends
def test_an_offline_payment_pushed_twice_is_recorded_once(apply, paid_job):
    job = paid_job()
    ref = approved(apply, job)
    body = payment_body(ref, 28_000)
    phone = apply.phone
    op = phone.op("payment.record", job["id"], body)
    assert phone.push([op])[1]["results"][0]["result"] == "applied"
    # The same op again (its answer was lost), then the same payment as a new op (the app queued it twice).
    assert phone.push([op])[1]["results"][0]["result"] == "duplicate"
    assert apply("payment.record", job, body)["result"] == "applied"
    payments = db.session.scalars(select(Payment).where(Payment.job_id == job["id"])).all()
    assert [(p.amount_cents, p.receipt_number) for p in payments] == [(28_000, body["receipt_number"])]


BAD_PAYMENTS = [
    pytest.param({"amount_cents": 28_001}, "amount_cents", id="above-the-quote"),
    pytest.param({"method": "qr", "reference": " "}, "reference", id="qr-without-reference"),
    pytest.param({"receipt_number": "0000000000"}, "receipt_number", id="not-the-refs-receipt"),
]


@pytest.mark.parametrize(("change", "field"), BAD_PAYMENTS)
def test_a_bad_payment_is_refused_naming_its_field_and_changes_nothing(client, guide, apply, paid_job, change, field):
    job = paid_job()
    ref = approved(apply, job)
    before = counts()
    body = {**payment_body(ref, 28_000), **change}
    response = client.post(f"/api/jobs/{job['id']}/payments", json=body, headers=guide.tech1.headers)
    assert_error(response, 422, "validation_error", fields=[field])
    assert counts() == before


def test_payments_may_not_add_up_above_the_quote(client, guide, apply, paid_job):
    job = paid_job()
    ref = approved(apply, job)
    assert apply("payment.record", job, payment_body(ref, 20_000))["result"] == "applied"
    answer = apply("payment.record", job, payment_body(ref, 8_001))
    assert (answer["result"], answer["code"]) == ("rejected", "validation_error")
    assert "amount_cents" in answer["message"]
    assert apply("payment.record", job, payment_body(ref, 8_000))["result"] == "applied"


def test_a_payment_waits_for_the_customers_approval(apply, paid_job):
    job = paid_job()
    body = quote_body()
    apply("quote.save", job, body)
    assert apply("payment.record", job, payment_body(body["ref"], 100))["code"] == "quote_not_approved"


# ---------------------------------------------------------------- close-out


def test_an_approved_quote_left_unpaid_holds_the_completion_back_unless_a_reason_is_given(
    client, guide, apply, paid_job
):
    job = paid_job()
    ref = approved(apply, job)
    apply("payment.record", job, payment_body(ref, 10_000))
    assert apply("job.complete", job, complete_op())["code"] == "payment_missing"
    response = client.post(f"/api/jobs/{job['id']}/complete", json=complete_op(), headers=guide.tech1.headers)
    assert_error(response, 409, "payment_missing")
    assert db.session.get(Job, job["id"]).state == "on_site"
    reason = "客户明日转账"
    assert apply("job.complete", job, complete_op(unpaid_reason=reason))["result"] == "applied"
    event = db.session.scalar(select(JobEvent).where(JobEvent.job_id == job["id"], JobEvent.kind == "complete"))
    assert event.data["unpaid_reason"] == reason
    # The customer pays the rest later; the repair is over, so its quote is no longer changed.
    assert apply("payment.record", job, payment_body(ref, 18_000))["result"] == "applied"
    assert apply("quote.save", job, quote_body())["code"] == "job_ended"


@pytest.mark.parametrize("paid_up", [True, False], ids=["paid-up", "no-quote"])
def test_a_paid_up_job_completes_and_a_job_without_a_quote_completes_as_before(client, guide, apply, paid_job, paid_up):
    job = paid_job()
    if paid_up:
        apply("payment.record", job, payment_body(approved(apply, job), 28_000))
    response = client.post(f"/api/jobs/{job['id']}/complete", json=complete_op(), headers=guide.tech1.headers)
    assert response.status_code == 200, response.json
    assert response.json["state"] == "completed"


# ---------------------------------------------------------------- receipts and the phone


def test_a_receipt_is_read_without_signing_in_and_an_unknown_one_is_not_found(client, apply, paid_job):
    job = paid_job()
    ref = approved(apply, job)
    body = payment_body(ref, 28_000)
    apply("payment.record", job, body)
    typed = body["receipt_number"].lower().replace("0", "o").replace("1", "l")
    receipt = client.get(f"/api/receipts/{typed}").json
    assert receipt == {
        "receipt_number": body["receipt_number"],
        "amount_cents": 28_000,
        "method": "cash",
        "paid_at": receipt["paid_at"],
        "job_number": "*" * (len(job["number"]) - 4) + job["number"][-4:],
        "provider_name": "Provider P01",
        "status": "recorded",
    }
    assert_error(client.get("/api/receipts/0000000000"), 404, "receipt_not_found")
    page = client.get(f"/r/{body['receipt_number']}")
    assert page.status_code == 200
    assert "280.00" in page.get_data(as_text=True)
    assert client.get("/r/0000000000").status_code == 404


@pytest.mark.parametrize("first_pull", ["before", "after"], ids=["from-the-log", "in-the-snapshot"])
def test_the_phone_holds_the_fee_guide_and_each_jobs_quote_and_payments(apply, paid_job, first_pull):
    job = paid_job()
    phone = apply.phone
    if first_pull == "before":
        phone.drain()
        assert phone.jobs()[job["id"]]["quote"] is None
    ref = approved(apply, job)
    body = payment_body(ref, 5_000, method="qr", reference="WX-123")
    apply("payment.record", job, body)
    last = phone.drain()
    assert {
        "code": "TV-BOARD",
        "category": "tv",
        "repair_type": "board",
        "name": "更换主板",
        "labour_cents": 8_000,
    } in (last["fees"])
    assert last["travel_fees"] == [{"area_class": "county", "fee_cents": 3_000}]
    held = phone.jobs()[job["id"]]
    assert (held["area_class"], held["job_type"]) == ("county", "paid")
    assert (held["quote"]["ref"], held["quote"]["status"], held["quote"]["total_cents"]) == (ref, "approved", 28_000)
    assert [(p["receipt_number"], p["quote_ref"], p["reference"]) for p in held["payments"]] == [
        (body["receipt_number"], ref, "WX-123")
    ]
    parts = {data["part_no"]: data for (entity, _), data in phone.held.items() if entity == "part"}
    assert parts["BOARD"]["customer_price_cents"] == 20_000
