"""Reconciling charges on the provider's statement, end to end: an out-of-warranty repair quoted, approved and
paid on the phone, completed, and the money reconciled (collected, due, remitted, owed, withheld)."""

import pytest
from sqlalchemy import select

from server.charges import reconciliation
from server.core.clock import utcnow
from server.extensions import db
from server.network.deductions import month_of
from server.network.models import Deduction
from server.network.models import Provider
from tests.charges.conftest import approved
from tests.charges.conftest import payment_body
from tests.helpers import assert_error


@pytest.fixture
def remit_60(guide):
    provider = db.session.scalar(select(Provider).where(Provider.code == "P01"))
    provider.charges_remit_percent = 60
    db.session.commit()
    return provider


def test_a_paid_repair_is_quoted_approved_paid_completed_and_reconciled_on_the_statement(
    client, guide, apply, device, paid_job, remit_60, as_role
):
    month = month_of(utcnow())
    tech2 = device("tech2")
    first, second = paid_job(), paid_job("SN-OLD2", guide.tech2)
    # tech1 is paid the whole of 280.00 in cash; tech2's customer pays 100.00 of a quote by QR code.
    ref = approved(apply, first)
    assert apply("payment.record", first, payment_body(ref, 28_000))["result"] == "applied"
    completed = apply("job.complete", first, {"summary": "换主板", "confirmed_by": "王先生"})
    assert completed["result"] == "applied", completed
    other = approved(apply, second, tech2)
    paid = apply("payment.record", second, payment_body(other, 10_000, method="qr", reference="WX-9"), tech2)
    assert paid["result"] == "applied"
    # The provider remitted 200.00 of the 228.00 (60% of 380.00) it owes headquarters.
    response = client.post(
        "/api/charges/remittances",
        json={"month": month, "amount_cents": 20_000, "reference": "BANK-1"},
        headers=guide.pm1.headers,
    )
    assert response.status_code == 201, response.json
    made = client.post("/api/settlements", json={"provider_id": remit_60.id, "month": month}, headers=as_role("admin"))
    assert made.status_code == 201, made.json
    statement = client.get(f"/api/settlements/{made.json['id']}", headers=guide.pm1.headers).json
    assert statement["charges"] == {
        "collected_cents": 38_000,
        "remit_due_cents": 22_800,
        "remitted_cents": 20_000,
        "owed_cents": 2_800,
        "by_technician": [
            {"technician_id": guide.tech1.id, "name": "tech1", "payments": 1, "collected_cents": 28_000},
            {"technician_id": guide.tech2.id, "name": "tech2", "payments": 1, "collected_cents": 10_000},
        ],
    }
    (owed,) = [d for d in statement["deductions"] if d["rule"] == "CHARGES_OWED"]
    assert owed["amount"] == "28.00"
    csv = client.get(f"/api/settlements/{made.json['id']}.csv", headers=guide.pm1.headers).get_data(as_text=True)
    assert csv.splitlines()[-1] == "charges_collected,380.00,remit_due,228.00,remitted,200.00,owed,28.00"
    # Withheld once per provider and month: another sweep of the month finds it taken.
    assert reconciliation.collect_owed(month) == 0


def test_a_provider_that_remitted_what_it_owes_has_nothing_withheld(guide, apply, paid_job, remit_60):
    month = month_of(utcnow())
    job = paid_job()
    apply("payment.record", job, payment_body(approved(apply, job), 28_000))
    reconciliation.record_remittance(guide.pm1, {"month": month, "amount_cents": 16_800, "reference": ""})
    assert reconciliation.figures(remit_60, month)["owed_cents"] == 0
    assert reconciliation.collect_owed(month) == 0
    assert db.session.scalar(select(Deduction).where(Deduction.rule == "CHARGES_OWED")) is None


def test_remittances_are_the_providers_own_and_a_bad_amount_is_refused(client, guide, as_role):
    month = month_of(utcnow())
    assert_error(
        client.post("/api/charges/remittances", json={"month": month, "amount_cents": 0}, headers=guide.pm1.headers),
        422,
        "validation_error",
        fields=["amount_cents"],
    )
    client.post("/api/charges/remittances", json={"month": month, "amount_cents": 500}, headers=guide.pm1.headers)
    assert [
        r["provider_code"] for r in client.get("/api/charges/remittances", headers=guide.pm1.headers).json["items"]
    ] == ["P01"]
    assert client.get("/api/charges/remittances", headers=guide.pm2.headers).json["items"] == []
    assert len(client.get("/api/charges/remittances", headers=as_role("auditor")).json["items"]) == 1


def _statement_with_charges_owed(client, guide, apply, paid_job, remit_60, as_role):
    """A month whose statement withholds 168.00 of charges owed (60% of 280.00 collected, nothing remitted)."""
    month = month_of(utcnow())
    job = paid_job()
    apply("payment.record", job, payment_body(approved(apply, job), 28_000))
    made = client.post("/api/settlements", json={"provider_id": remit_60.id, "month": month}, headers=as_role("admin"))
    assert made.status_code == 201, made.json
    return month, made.json["id"]


def remit(client, guide, month, cents):
    body = {"month": month, "amount_cents": cents, "reference": "BANK-2"}
    return client.post("/api/charges/remittances", json=body, headers=guide.pm1.headers)


def finalise(client, guide, statement_id, as_role):
    assert client.post(f"/api/settlements/{statement_id}/acceptance", headers=guide.pm1.headers).status_code == 200
    final = client.post(f"/api/settlements/{statement_id}/finalisation", headers=as_role("auditor"))
    assert final.status_code == 200, final.json
    return final.json


def test_a_remittance_after_the_statement_lowers_what_it_withholds_and_none_is_taken_once_it_is_final(
    client, guide, apply, paid_job, remit_60, as_role
):
    month, statement_id = _statement_with_charges_owed(client, guide, apply, paid_job, remit_60, as_role)
    assert remit(client, guide, month, 10_000).status_code == 201

    final = finalise(client, guide, statement_id, as_role)

    withheld = db.session.scalar(select(Deduction).where(Deduction.rule == "CHARGES_OWED"))
    assert withheld.amount_cents == 6_800
    assert final["deductions"] == "68.00"
    refused = remit(client, guide, month, 6_800)
    assert_error(refused, 409, "statement_final")
    assert reconciliation.figures(remit_60, month)["remitted_cents"] == 10_000


def test_charges_remitted_in_full_before_the_statement_is_final_are_not_withheld(
    client, guide, apply, paid_job, remit_60, as_role
):
    month, statement_id = _statement_with_charges_owed(client, guide, apply, paid_job, remit_60, as_role)
    assert remit(client, guide, month, 16_800).status_code == 201

    final = finalise(client, guide, statement_id, as_role)

    assert db.session.scalar(select(Deduction).where(Deduction.rule == "CHARGES_OWED")) is None
    assert final["deductions"] == "0.00"
