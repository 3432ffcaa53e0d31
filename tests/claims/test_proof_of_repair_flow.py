"""Proof of repair end to end, and its races on PostgreSQL (each request its own connection, at the same moment).

The end-to-end story: a technician's phone pushes a repair with a returnable motor and its old serial; the
provider claims it; the old motor is shipped back after its deadline; the sweep marks it overdue and penalises
it; the RDC inspects and accepts it (the claim line is released); the statement pays the claim and withholds the
penalty; the provider disputes it, the auditor reverses it, the statement is final — and the provider's account
shows each movement once.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from server.claims import returns as claim_returns
from server.claims import statements
from server.claims.models import Settlement
from server.core.clock import utcnow
from server.extensions import db
from server.network.deductions import deduct
from server.network.models import AccountEntry
from server.network.models import Deduction
from server.supply.models import PartReturn
from tests.races import send_together

pytestmark = [pytest.mark.postgres_only, pytest.mark.commits]


@pytest.fixture
def world(catalogue, make_part, make_user, auth, on_site, device, client):
    make_part("MOTOR", name="Drum motor", price_cents=30_000, return_required=True)
    auditor = make_user("auditor", username="auditor")
    auditor.headers = auth(auditor)
    catalogue.auditor = auditor
    return catalogue


def call(client, world, method, path, user, json=None):
    response = getattr(client, method)(path, json=json, headers=getattr(world, user).headers)
    return response.status_code, response.get_json()


def repaired(client, world, on_site, device, serial="OLD-M1", unit="SN-IN"):
    """A job on site whose phone pushed a fitted motor with its old serial; → (job JSON, return id)."""
    job = on_site(serial=unit, job_type="warranty")
    phone = device("tech1")
    status, body = phone.push(
        [phone.op("parts.used", job["id"], {"parts": [{"part_no": "MOTOR", "qty": 1, "old_serial": serial}]})]
    )
    assert status == 200, body
    assert body["results"][0]["result"] == "applied", body
    [row] = call(client, world, "get", f"/api/part-returns?job_id={job['id']}", "pm1")[1]["items"]
    assert row["old_serial"] == serial
    return job, row["id"]


def ship_and_receive(client, world, return_ids):
    status, shipment = call(client, world, "post", "/api/part-returns/shipments", "pm1", {"lines": return_ids})
    assert status == 201, shipment
    status, body = call(client, world, "post", f"/api/part-returns/shipments/{shipment['id']}/receipt", "clerk")
    assert status == 200, body


def test_a_returnable_repair_from_the_phone_to_the_final_statement(client, world, on_site, device):
    job, return_id = repaired(client, world, on_site, device)
    today = utcnow().date()
    status, claim = call(
        client,
        world,
        "post",
        "/api/claims",
        "pm1",
        {
            "serial": "SN-IN",
            "model": "TV55",
            "failure_date": (today - timedelta(days=1)).isoformat(),
            "repair_date": today.isoformat(),
            "fault_code": "E01",
            "parts": [{"part_no": "MOTOR", "qty": 1}],
            "labor_fee": "50.00",
            "job_id": job["id"],
        },
    )
    assert status == 201, claim
    if claim["status"] == "pending_review":
        status, claim = call(
            client, world, "post", f"/api/claims/{claim['id']}/decision", "auditor", {"decision": "approve"}
        )
        assert status == 200, claim
    assert claim["parts"][0]["status"] == "awaiting_return"

    # Shipped back late: the sweep marks it, penalises it by the motor's price and flags the claim.
    db.session.execute(update(PartReturn).values(due_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    assert claim_returns.mark_overdue() == 1
    db.session.commit()
    ship_and_receive(client, world, [return_id])
    status, inspected = call(
        client,
        world,
        "post",
        f"/api/part-returns/{return_id}/inspection",
        "clerk",
        {"result": "accepted", "old_serial": "OLD-M1"},
    )
    assert (status, inspected["status"], inspected["late"]) == (200, "accepted", True)
    status, claim = call(client, world, "get", f"/api/claims/{claim['id']}", "auditor")
    assert (claim["parts"][0]["status"], claim["approved_amount"]) == ("approved", "350.00")
    assert "PART_NOT_RETURNED" in [flag["code"] for flag in claim["flags"]]

    month = utcnow().strftime("%Y-%m")
    provider_id = world.pm1.provider_id
    status, made = call(
        client, world, "post", "/api/settlements", "auditor", {"provider_id": provider_id, "month": month}
    )
    assert status == 201, made
    assert (made["total"], made["deductions"], made["net"]) == ("350.00", "300.00", "50.00")
    status, statement = call(client, world, "get", f"/api/settlements/{made['id']}", "pm1")
    [penalty] = statement["deductions"]
    assert penalty["rule"] == "RETURN_PENALTY"
    assert penalty["part_return_id"] == return_id

    base = f"/api/settlements/{made['id']}/deductions/{penalty['id']}"
    assert call(client, world, "post", f"{base}/dispute", "pm1", {"reason": "the courier lost a day"})[0] == 200
    status, reversed_ = call(
        client, world, "post", f"{base}/resolution", "auditor", {"decision": "reverse", "note": "courier's fault"}
    )
    assert (status, reversed_["dispute"]) == (200, "reversed")
    assert call(client, world, "post", f"/api/settlements/{made['id']}/acceptance", "pm1")[0] == 200
    status, final = call(client, world, "post", f"/api/settlements/{made['id']}/finalisation", "auditor")
    assert (status, final["status"], final["net"]) == (200, "final", "350.00")

    db.session.expire_all()
    entries = db.session.execute(
        select(AccountEntry.kind, AccountEntry.deposit_delta - AccountEntry.credit_delta, AccountEntry.settlement_id)
        .where(AccountEntry.provider_id == provider_id, AccountEntry.settlement_id.is_not(None))
        .order_by(AccountEntry.id)
    ).all()
    assert entries == [("settlement", 35_000, made["id"])]
    assert db.session.scalar(select(Deduction.dispute).where(Deduction.part_return_id == return_id)) == "reversed"
    assert call(client, world, "post", f"/api/settlements/{made['id']}/finalisation", "auditor")[0] == 409


def test_two_inspections_of_one_part_at_once_record_one(app, client, world, on_site, device):
    for round_ in range(3):
        _, return_id = repaired(client, world, on_site, device, serial=f"OLD-R{round_}", unit=f"SN-R{round_}")
        ship_and_receive(client, world, [return_id])
        path = f"/api/part-returns/{return_id}/inspection"
        answers = send_together(
            app,
            [
                ("POST", path, {"result": "accepted", "old_serial": f"OLD-R{round_}"}, world.clerk.headers),
                ("POST", path, {"result": "wrong_part", "note": "a pump", "old_serial": "X"}, world.clerk.headers),
            ],
        )
        assert sorted(status for status, _ in answers) == [200, 409], answers
        [(_, refused)] = [answer for answer in answers if answer[0] == 409]
        assert refused["error"]["code"] == "already_inspected"
        db.session.expire_all()
        penalties = db.session.scalar(
            select(func.count()).select_from(Deduction).where(Deduction.part_return_id == return_id)
        )
        result = db.session.get(PartReturn, return_id).result
        assert penalties == (1 if result == "wrong_part" else 0)


def test_a_dispute_racing_the_finalisation_never_lands_on_a_final_statement(app, world):
    """The window closes as the provider disputes and the auditor finalises: one of them, never both."""
    provider = world.pm1.provider_id
    for round_ in range(5):
        month = f"2024-{round_ + 1:02d}"
        deduct(provider, "MANUAL", 1_000, f"round {round_}")
        db.session.execute(update(Deduction).where(Deduction.settlement_id.is_(None)).values(month=month))
        db.session.commit()
        [made] = statements.build(month, [provider])
        [deduction_id] = db.session.scalars(select(Deduction.id).where(Deduction.settlement_id == made)).all()
        db.session.execute(
            update(Settlement).where(Settlement.id == made).values(dispute_until=utcnow() + timedelta(milliseconds=40))
        )
        db.session.commit()
        base = f"/api/settlements/{made}"
        answers = send_together(
            app,
            [
                ("POST", f"{base}/deductions/{deduction_id}/dispute", {"reason": "late"}, world.pm1.headers),
                ("POST", f"{base}/finalisation", None, world.auditor.headers),
            ],
        )
        (disputed, _), (finalised, _) = answers
        # Which one wins depends on the moment each looked at the clock (both may even find themselves on the
        # wrong side of it); never both.
        assert (disputed, finalised) != (200, 200), answers
        assert {disputed, finalised} <= {200, 409}, answers
        db.session.expire_all()
        settlement = db.session.get(Settlement, made)
        dispute = db.session.get(Deduction, deduction_id).dispute
        assert settlement.status == ("final" if finalised == 200 else "open"), answers
        assert dispute == ("open" if disputed == 200 else None), answers
        credited = db.session.scalar(
            select(func.count()).select_from(AccountEntry).where(AccountEntry.settlement_id == made)
        )
        assert credited == (1 if finalised == 200 else 0)
