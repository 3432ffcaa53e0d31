"""Statements with deductions: the rules that raise them (each once), the provider's disputes, the auditor's word,
and the final statement credited to the provider's account once and never changed.

The claims world (tests/fixtures/claims.py): P01 and P02, TV55 with BOARD (120.50) and PANEL (799.99).
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from server.claims import statements
from server.claims.models import Settlement
from server.core.clock import utcnow
from server.extensions import db
from server.network.deductions import deduct
from server.network.deductions import return_penalty_cents
from server.network.models import AccountEntry
from server.network.models import Deduction
from tests.helpers import assert_error


@pytest.fixture
def statement(clean_claim, settle_for, provider_id):
    """P01's statement for March 2025: claim SN0001 (35.50 + 241.00) and a 100.00 penalty; → its JSON."""
    clean_claim("SN0001", "2025-03-03")
    deduct(provider_id("P01"), "RETURN_PENALTY", 10_000, "Old part late.", when=datetime(2025, 3, 20, tzinfo=UTC))
    db.session.commit()
    return settle_for("P01", "2025-03")


@pytest.fixture
def settle_for(client, auditor, provider_id):
    def post(code, month):
        response = client.post(
            "/api/settlements", json={"provider_id": provider_id(code), "month": month}, headers=auditor
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return post


@pytest.fixture
def read(client, auditor):
    def get(settlement_id, headers=None):
        response = client.get(f"/api/settlements/{settlement_id}", headers=headers or auditor)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return get


def path(statement, tail=""):
    return f"/api/settlements/{statement['id']}{tail}"


def test_a_statement_withholds_the_deductions_of_its_month_and_before(statement, read):
    assert (statement["total"], statement["deductions"], statement["net"]) == ("276.50", "100.00", "176.50")
    [deduction] = read(statement["id"])["deductions"]
    assert (deduction["rule"], deduction["amount"], deduction["counts"], deduction["dispute"]) == (
        "RETURN_PENALTY",
        "100.00",
        True,
        None,
    )


def test_a_deduction_of_a_later_month_waits_for_a_later_statement(clean_claim, settle_for, provider_id, read):
    clean_claim("SN0001", "2025-03-03")
    deduct(provider_id("P01"), "MANUAL", 500, "later", when=utcnow())
    db.session.commit()
    assert read(settle_for("P01", "2025-03")["id"])["deductions"] == []


def test_a_source_is_deducted_once_and_nothing_is_no_deduction(clean_claim, provider_id):
    claim = clean_claim("SN0001", "2025-03-03")
    assert deduct(provider_id("P01"), "REPEAT_REPAIR", 100, "one", claim_id=claim["id"]) is not None
    db.session.flush()
    assert deduct(provider_id("P01"), "REPEAT_REPAIR", 100, "two", claim_id=claim["id"]) is None
    assert deduct(provider_id("P01"), "MANUAL", 0, "nothing") is None
    with pytest.raises(ValueError):
        deduct(provider_id("P01"), "MANUAL", 100, "x", claim_id=claim["id"], complaint_id=1)


def test_the_penalty_rule_takes_the_parts_price_or_a_fixed_amount(app, claims_world, monkeypatch):
    assert return_penalty_cents(30_000) == 30_000
    monkeypatch.setitem(app.config, "RETURN_PENALTY", "5000")
    assert return_penalty_cents(30_000) == 5_000
    monkeypatch.setitem(app.config, "RETURN_PENALTY", "half")
    with pytest.raises(RuntimeError, match="RETURN_PENALTY"):
        return_penalty_cents(30_000)


# ---------------------------------------------------------------- repeat repairs


def test_a_repeat_repair_gives_back_the_earlier_repairs_labour_once(clean_claim, flagged_claim, decide, provider_id):
    first = clean_claim("SN0001", "2025-03-03")
    again = flagged_claim("SN0001", "2025-03-20", provider_code="P02")  # a second claim on the unit is flagged
    decide(again["id"], "approve")
    far = clean_claim("SN0002", "2025-03-01")
    assert far["id"]
    clean_claim("SN0002", "2025-04-15")  # 45 days later: not a repeat
    assert statements.collect_repeat_repairs("2025-04") == 1
    assert statements.collect_repeat_repairs("2025-04") == 0
    [deduction] = db.session.scalars(select(Deduction)).all()
    assert (deduction.provider_id, deduction.rule, deduction.amount_cents, deduction.claim_id) == (
        provider_id("P01"),
        "REPEAT_REPAIR",
        3550,
        again["id"],
    )
    assert f"claim {first['id']}" in deduction.reason
    assert "17 day(s)" in deduction.reason


# ---------------------------------------------------------------- disputes


def test_the_provider_disputes_a_deduction_once_with_a_reason(statement, client, manager, read, snapshot):
    deduction = read(statement["id"])["deductions"][0]
    manager("P02")
    before = snapshot()
    bad = client.post(
        path(statement, f"/deductions/{deduction['id']}/dispute"), json={"reason": ""}, headers=manager("P01")
    )
    assert_error(bad, 422, "validation_error", fields=["reason"])
    other = client.post(
        path(statement, f"/deductions/{deduction['id']}/dispute"), json={"reason": "on time"}, headers=manager("P02")
    )
    assert_error(other, 404, "not_found")
    assert snapshot() == before
    answer = client.post(
        path(statement, f"/deductions/{deduction['id']}/dispute"), json={"reason": "on time"}, headers=manager("P01")
    )
    assert (answer.status_code, answer.get_json()["dispute"]) == (200, "open")
    again = client.post(
        path(statement, f"/deductions/{deduction['id']}/dispute"), json={"reason": "again"}, headers=manager("P01")
    )
    assert_error(again, 409, "already_disputed")


def test_no_dispute_once_the_window_closed_or_the_provider_accepted(statement, client, manager, read):
    deduction = read(statement["id"])["deductions"][0]
    accepted = client.post(path(statement, "/acceptance"), headers=manager("P01"))
    assert accepted.status_code == 200
    assert accepted.get_json()["accepted_at"]
    late = client.post(
        path(statement, f"/deductions/{deduction['id']}/dispute"), json={"reason": "x"}, headers=manager("P01")
    )
    assert_error(late, 409, "dispute_window_closed")


def test_the_auditor_reverses_a_dispute_and_the_statement_withholds_less(statement, client, manager, auditor, read):
    deduction = read(statement["id"])["deductions"][0]
    target = path(statement, f"/deductions/{deduction['id']}")
    assert_error(
        client.post(f"{target}/resolution", json={"decision": "reverse", "note": "x"}, headers=auditor),
        409,
        "dispute_not_open",
    )
    client.post(f"{target}/dispute", json={"reason": "the part arrived on time"}, headers=manager("P01"))
    answer = client.post(f"{target}/resolution", json={"decision": "reverse", "note": "receipt found"}, headers=auditor)
    assert (answer.status_code, answer.get_json()["dispute"], answer.get_json()["counts"]) == (200, "reversed", False)
    assert (read(statement["id"])["settlement"]["deductions"], read(statement["id"])["settlement"]["net"]) == (
        "0.00",
        "276.50",
    )


@pytest.mark.parametrize("amount", ["0", "-5.00", "abc"])
def test_a_deduction_that_is_not_more_than_nothing_is_refused(statement, client, auditor, snapshot, amount):
    before = snapshot()
    answer = client.post(path(statement, "/deductions"), json={"amount": amount, "reason": "x"}, headers=auditor)
    assert_error(answer, 422, "validation_error", fields=["amount"])
    assert snapshot() == before


# ---------------------------------------------------------------- the final word


def ledger(provider_id):
    db.session.expire_all()
    return [
        (entry.kind, entry.deposit_delta + entry.credit_delta * -1, entry.settlement_id)
        for entry in db.session.scalars(
            select(AccountEntry).where(AccountEntry.provider_id == provider_id).order_by(AccountEntry.id)
        )
    ]


def test_finalisation_waits_for_the_window_and_the_disputes(statement, client, manager, auditor, read, provider_id):
    deduction = read(statement["id"])["deductions"][0]
    assert_error(client.post(path(statement, "/finalisation"), headers=auditor), 409, "dispute_window_open")
    client.post(path(statement, f"/deductions/{deduction['id']}/dispute"), json={"reason": "x"}, headers=manager("P01"))
    client.post(path(statement, "/acceptance"), headers=manager("P01"))
    assert_error(client.post(path(statement, "/finalisation"), headers=auditor), 409, "disputes_open")
    client.post(
        path(statement, f"/deductions/{deduction['id']}/resolution"),
        json={"decision": "uphold", "note": "late"},
        headers=auditor,
    )
    before = ledger(provider_id("P01"))
    final = client.post(path(statement, "/finalisation"), headers=auditor)
    assert (final.status_code, final.get_json()["status"], final.get_json()["net"]) == (200, "final", "176.50")
    assert ledger(provider_id("P01"))[len(before) :] == [
        ("settlement", 27650, statement["id"]),
        ("deduction", -10000, statement["id"]),
    ]


def test_a_final_statement_never_changes(statement, client, manager, auditor, read, snapshot):
    db.session.execute(update(Settlement).values(dispute_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.post(path(statement, "/finalisation"), headers=auditor).status_code == 200
    deduction = read(statement["id"])["deductions"][0]
    before = snapshot()
    for answer in (
        client.post(path(statement, "/finalisation"), headers=auditor),
        client.post(
            path(statement, f"/deductions/{deduction['id']}/dispute"), json={"reason": "x"}, headers=manager("P01")
        ),
        client.post(path(statement, "/deductions"), json={"amount": "1.00", "reason": "x"}, headers=auditor),
        client.post(path(statement, "/acceptance"), headers=manager("P01")),
    ):
        assert_error(answer, 409, "statement_final")
    assert snapshot() == before


def test_the_months_statements_are_made_once_and_finalised_once_past_their_window(clean_claim, provider_id):
    now = utcnow()
    clean_claim("SN0001", "2025-03-10")
    clean_claim("SN0002", "2025-03-11", provider_code="P02")
    made = statements.build("2025-03", now=now)
    assert len(made) == 2
    assert statements.build("2025-03", now=now) == []
    assert statements.finalise_due(now) == 0
    assert statements.finalise_due(now + timedelta(days=8)) == 2
    assert {db.session.get(Settlement, each).status for each in made} == {"final"}
    assert [kind for kind, _, _ in ledger(provider_id("P01"))][-1:] == ["settlement"]
    assert statements.finalise_due(now + timedelta(days=9)) == 0


def test_last_month_is_the_users_calendar_month(app, claims_world):
    assert statements.previous_month(datetime(2026, 1, 31, 17, tzinfo=UTC)) == "2026-01"  # 1 Feb in China
    assert statements.previous_month(datetime(2026, 1, 31, 15, tzinfo=UTC)) == "2025-12"
