"""Races: requests fired at the same moment from two threads, each its own client, connection and transaction
(tests/races.py).

On PostgreSQL the two requests really run side by side; on SQLite the second
writer waits for the first. Either way the invariants hold: two claims on one
unit never both pass clean, and a claim is settled once only.
"""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.claims.models import Claim
from server.claims.models import SettledClaim
from server.claims.models import Settlement
from server.extensions import db
from tests.fixtures.claims import claim_body
from tests.races import send_together

pytestmark = [pytest.mark.both_backends, pytest.mark.commits]

ROUNDS = 5


def test_two_claims_on_one_unit_at_the_same_moment_never_both_pass_clean(app, sell, manager):
    """Two providers claim one unit at once, five times over (a unit each time): one clean, one duplicate."""
    for round_ in range(ROUNDS):
        serial = f"RACE{round_}"
        sell(serial)
        body = claim_body(serial=serial)
        answers = send_together(
            app,
            [("POST", "/api/claims", body, manager("P01")), ("POST", "/api/claims", body, manager("P02"))],
        )
        assert [status for status, _ in answers] == [201, 201], (round_, answers)
        claims = sorted((answer for _, answer in answers), key=lambda claim: claim["status"])
        assert [claim["status"] for claim in claims] == ["approved", "pending_review"], (round_, answers)
        assert [flag["code"] for flag in claims[0]["flags"]] == []
        assert [flag["code"] for flag in claims[1]["flags"]] == ["DUPLICATE_CLAIM"], (round_, answers)
        assert f"Claim {claims[0]['id']}" in claims[1]["flags"][0]["message"]
    db.session.expire_all()
    approved = db.session.execute(
        select(Claim.serial, func.count())
        .where(Claim.status == "approved")
        .group_by(Claim.serial)
        .order_by(Claim.serial)
    ).all()
    assert approved == [(f"RACE{round_}", 1) for round_ in range(ROUNDS)]


def test_two_settlements_of_one_month_at_the_same_moment_settle_each_claim_once(
    app, clean_claim, auditor, as_role, provider_id
):
    """An auditor and an admin settle P01's month at once, for five months: one statement each, claims once."""
    admin = as_role("admin")
    statements = {}
    for round_ in range(ROUNDS):
        month = f"2025-{3 + round_:02d}"
        ids = {clean_claim(f"SN{round_}{n}", f"{month}-{10 + n:02d}")["id"] for n in range(3)}
        body = {"provider_id": provider_id("P01"), "month": month}
        answers = send_together(
            app, [("POST", "/api/settlements", body, auditor), ("POST", "/api/settlements", body, admin)]
        )
        assert sorted(status for status, _ in answers) == [201, 409], (month, answers)
        (created,) = [answer for status, answer in answers if status == 201]
        (refused,) = [answer for status, answer in answers if status == 409]
        # One statement per provider and month: the loser's insert meets the winner's (PostgreSQL waits on the
        # unique index until the winner commits; SQLite has one writer) and it keeps nothing.
        assert refused["error"]["code"] == "statement_exists", (month, answers)
        assert (set(created["claim_ids"]), created["claim_count"]) == (ids, 3), (month, answers)
        statements.update(dict.fromkeys(ids, created["id"]))
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Settlement)) == ROUNDS
    assert dict(db.session.execute(select(SettledClaim.claim_id, SettledClaim.settlement_id)).all()) == statements


def test_two_claims_on_one_job_at_the_same_moment_never_both_pass_clean(app, sell, manager, make_job):
    """The duplicate check covers the job as well as the serial: a retry that corrects the serial is still the job's
    second claim. Two submissions by P01 for one job, under two sold serials, five times over."""
    for round_ in range(ROUNDS):
        job_id = make_job("P01", serial=f"JOB{round_}A")
        sell(f"JOB{round_}A")
        sell(f"JOB{round_}B")
        answers = send_together(
            app,
            [
                ("POST", "/api/claims", claim_body(serial=f"JOB{round_}A", job_id=job_id), manager("P01")),
                ("POST", "/api/claims", claim_body(serial=f"JOB{round_}B", job_id=job_id), manager("P01")),
            ],
        )
        assert [status for status, _ in answers] == [201, 201], (round_, answers)
        statuses = sorted(answer["status"] for _, answer in answers)
        assert statuses == ["approved", "pending_review"], (round_, answers)
