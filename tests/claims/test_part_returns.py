"""Old parts coming back (旧件返还): owed when a returnable part is fitted on a warranty job, packed and shipped by
the provider, received and inspected at the RDC, and what each step does to the claim line the part stands
behind: it waits (awaiting_return) until the RDC accepts it, and the claim carries a flag for every doubt.

The supply world: P01's job for unit SN-IN in province 370000, its technician ``tech1``, its manager ``pm1``, the
province's clerk ``clerk`` (``clerk2`` is 440000's). MOTOR (300.00) is returnable; BOARD is not.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from server.claims import returns as claim_returns
from server.core.clock import utcnow
from server.extensions import db
from server.network.models import Deduction
from server.supply.models import PartReturn
from server.supply.services import returns
from tests.claims.conftest import MOTOR_CENTS
from tests.helpers import assert_error


def owed(api, user="pm1", query=""):
    response = api("get", f"/api/part-returns{query}", user)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def motor(old_serial=None):
    return {"part_no": "MOTOR", "qty": 1, **({"old_serial": old_serial} if old_serial else {})}


# ---------------------------------------------------------------- owed at the repair


def test_each_returnable_part_fitted_on_a_warranty_job_owes_its_old_part(fit, api):
    before = utcnow()
    job, response = fit([motor(" old-1 "), motor(), {"part_no": "BOARD", "qty": 1}])
    assert response.status_code == 201, response.get_json()
    assert job["job_type"] == "warranty"
    rows = owed(api)
    assert [(row["part_no"], row["old_serial"], row["status"], row["job_number"]) for row in rows] == [
        ("MOTOR", "OLD-1", "owed", job["number"]),
        ("MOTOR", None, "owed", job["number"]),
    ]
    due = rows[0]["due_at"]
    assert str(before + timedelta(days=15))[:10] <= due[:10] <= str(utcnow() + timedelta(days=15))[:10]
    assert (rows[0]["province_code"], rows[0]["price"], rows[0]["overdue"]) == ("370000", "300.00", False)


def test_a_paid_job_owes_nothing(fit, api, on_site):
    job, response = fit([motor("OLD-9")], job=on_site(job_type="paid"))
    assert response.status_code == 201, response.get_json()
    assert job["job_type"] != "warranty"
    assert owed(api) == []


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ([{"part_no": "MOTOR", "qty": 2, "old_serial": "OLD-1"}], "qty"),
        ([motor("OLD-1"), motor("old-1")], "old_serial"),
        ([motor("OLD 1")], "old_serial"),
        ([{"part_no": "MOTOR", "qty": 1, "old_serial": ""}], "old_serial"),
    ],
    ids=["two-parts-one-serial", "one-serial-twice", "a-space", "empty"],
)
def test_a_bad_old_serial_is_refused_and_nothing_is_fitted(fit, on_site, snapshot, parts, field):
    job = on_site()
    before = snapshot()
    _, response = fit(parts, job=job)
    error = assert_error(response, 422, "validation_error")
    [line] = error["details"]["fields"]["parts"].values()
    assert list(line) == [field]
    assert snapshot() == before


# ---------------------------------------------------------------- who sees them


@pytest.mark.parametrize(("user", "seen"), [("pm1", 1), ("pm2", 0), ("clerk", 1), ("clerk2", 0), ("auditor", 1)])
def test_returns_are_listed_in_the_callers_scope(fit, api, user, seen):
    fit([motor("OLD-1")])
    assert len(owed(api, user)) == seen


def test_a_technician_lists_no_returns(fit, api):
    fit([motor("OLD-1")])
    assert_error(api("get", "/api/part-returns", "tech1"), 403, "role_forbidden")


def test_a_return_past_its_deadline_lists_as_overdue(fit, api):
    fit([motor("OLD-1"), motor("OLD-2")])
    first = owed(api)[0]
    db.session.execute(
        update(PartReturn).where(PartReturn.id == first["id"]).values(due_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    assert [row["id"] for row in owed(api, query="?status=overdue")] == [first["id"]]
    assert owed(api, query="?status=overdue")[0]["overdue"] is True
    assert len(owed(api, query="?status=owed")) == 2


# ---------------------------------------------------------------- shipped, received, inspected


@pytest.fixture
def shipped(fit, api):
    """Two old motors (OLD-1, and one without a serial) packed into one shipment; → (shipment JSON, return ids)."""
    fit([motor("OLD-1"), motor()])
    ids = [row["id"] for row in owed(api)]
    response = api("post", "/api/part-returns/shipments", "pm1", {"lines": ids, "tracking": "SF100"})
    assert response.status_code == 201, response.get_json()
    return response.get_json(), ids


def test_a_shipment_packs_owed_returns_with_a_packing_list(shipped, api):
    shipment, _ids = shipped
    assert (shipment["status"], shipment["province_code"], shipment["line_count"]) == ("shipped", "370000", 2)
    assert [line["status"] for line in shipment["lines"]] == ["shipped", "shipped"]
    packing = api("get", f"/api/part-returns/shipments/{shipment['id']}.csv", "pm1")
    assert packing.status_code == 200
    rows = packing.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert rows[0].startswith("return,job,part_no,part_name,old_serial")
    assert [row.split(",")[4] for row in rows[1:]] == ["OLD-1", ""]
    assert len(owed(api, "clerk", "?status=shipped")) == 2


@pytest.mark.parametrize(
    ("who", "lines", "status", "code"),
    [
        ("pm1", "packed", 409, "return_not_owed"),
        ("pm2", "fresh", 422, "validation_error"),
        ("pm1", "twice", 422, "validation_error"),
        ("pm1", "unknown", 422, "validation_error"),
        ("pm1", "none", 422, "validation_error"),
    ],
)
def test_a_bad_shipment_is_refused_and_nothing_is_packed(
    shipped, fit, api, snapshot, another_job, who, lines, status, code
):
    _, packed = shipped
    fit([motor("OLD-7")], job=another_job())
    fresh = [row["id"] for row in owed(api, query="?status=owed")]
    body = {"packed": packed, "fresh": fresh, "twice": fresh + fresh, "unknown": [999999], "none": []}[lines]
    before = snapshot()
    assert_error(api("post", "/api/part-returns/shipments", who, {"lines": body}), status, code)
    assert snapshot() == before


def test_the_rdc_receives_the_shipment_once(shipped, api):
    shipment, _ = shipped
    assert_error(
        api("post", f"/api/part-returns/shipments/{shipment['id']}/receipt", "clerk2"), 404, "shipment_not_found"
    )
    received = api("post", f"/api/part-returns/shipments/{shipment['id']}/receipt", "clerk")
    assert received.status_code == 200, received.get_json()
    assert [line["status"] for line in received.get_json()["lines"]] == ["received", "received"]
    assert_error(
        api("post", f"/api/part-returns/shipments/{shipment['id']}/receipt", "clerk"), 409, "shipment_received"
    )


@pytest.fixture
def received(shipped, api):
    shipment, ids = shipped
    assert api("post", f"/api/part-returns/shipments/{shipment['id']}/receipt", "clerk").status_code == 200
    return ids


def inspect(api, return_id, user="clerk", **body):
    return api("post", f"/api/part-returns/{return_id}/inspection", user, body)


def test_an_accepted_part_carries_the_recorded_serial(received, api):
    first, _ = received
    error = assert_error(inspect(api, first, result="accepted", old_serial="OLD-2"), 409, "old_serial_mismatch")
    assert error["details"] == {"recorded": "OLD-1", "scanned": "OLD-2"}
    answer = inspect(api, first, result="accepted", old_serial="old-1")
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["status"], answer.get_json()["returned_serial"]) == ("accepted", "OLD-1")
    assert_error(inspect(api, first, result="wrong_part", note="again", old_serial="OLD-1"), 409, "already_inspected")


def test_a_rejected_part_needs_a_note_and_is_penalised_once(received, api, snapshot):
    _, second = received
    before = snapshot()
    assert_error(inspect(api, second, result="wrong_part", old_serial="X9"), 422, "validation_error")
    assert_error(inspect(api, second, result="not_faulty", note="works"), 422, "validation_error")
    assert snapshot() == before
    answer = inspect(api, second, result="wrong_part", note="a pump, not a motor", old_serial="X9")
    assert answer.get_json()["status"] == "rejected"
    [deduction] = db.session.scalars(select(Deduction)).all()
    assert (deduction.rule, deduction.amount_cents, deduction.part_return_id) == ("RETURN_PENALTY", MOTOR_CENTS, second)
    assert "wrong part" in deduction.reason


def test_a_part_not_received_is_not_inspected_and_a_missing_one_needs_no_serial(fit, api, received, another_job):
    fit([motor("OLD-8")], job=another_job())
    [fresh] = [row["id"] for row in owed(api, query="?status=owed")]
    assert_error(inspect(api, fresh, result="accepted", old_serial="OLD-8"), 409, "return_not_received")
    missing = inspect(api, received[1], result="missing", note="not in the box")
    assert (missing.status_code, missing.get_json()["result"]) == (200, "missing")


def test_only_the_rdcs_clerk_inspects(received, api):
    assert_error(inspect(api, received[0], "clerk2", result="accepted", old_serial="OLD-1"), 404, "return_not_found")
    assert_error(inspect(api, received[0], "pm1", result="accepted", old_serial="OLD-1"), 403, "role_forbidden")


# ---------------------------------------------------------------- claims wait for their old parts


@pytest.fixture
def claim_for(api, returns_world):
    """``claim_for(job, qty=2)`` → the claim JSON the provider files for the job, its motors claimed."""

    def submit(job, qty=2):
        body = {
            "serial": "SN-IN",
            "model": "TV55",
            "failure_date": (utcnow() - timedelta(days=2)).date().isoformat(),
            "repair_date": utcnow().date().isoformat(),
            "fault_code": "E01",
            "parts": [{"part_no": "MOTOR", "qty": qty}],
            "labor_fee": "50.00",
            "job_id": job["id"],
        }
        response = api("post", "/api/claims", "pm1", body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return submit


def flags(claim):
    return sorted(flag["code"] for flag in claim["flags"] if flag["code"] in claim_returns_codes())


def claim_returns_codes():
    return ("NO_OLD_SERIAL", "OLD_PART_REUSED", "PART_NOT_RETURNED", "PART_RETURN_REJECTED")


def decide(api, claim_id, **body):
    response = api("post", f"/api/claims/{claim_id}/decision", "auditor", {"reason": "", **body})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_returnable_line_waits_for_its_old_parts_and_accepted_returns_release_it(fit, api, claim_for):
    job, _ = fit([motor("OLD-1"), motor("OLD-2")])
    claim = claim_for(job)
    assert flags(claim) == []
    [line] = claim["parts"]
    assert (line["status"], line["return_required"]) == ("awaiting_return", True)
    rows = owed(api)
    assert {row["claim_line_id"] for row in rows} == {line["id"]}
    if claim["status"] == "pending_review":
        claim = decide(api, claim["id"], decision="approve")
    assert (claim["parts"][0]["status"], claim["approved_amount"]) == ("awaiting_return", "50.00")
    shipment = api("post", "/api/part-returns/shipments", "pm1", {"lines": [row["id"] for row in rows]}).get_json()
    api("post", f"/api/part-returns/shipments/{shipment['id']}/receipt", "clerk")
    inspect(api, rows[0]["id"], result="accepted", old_serial="OLD-1")
    assert api("get", f"/api/claims/{claim['id']}", "auditor").get_json()["parts"][0]["status"] == "awaiting_return"
    inspect(api, rows[1]["id"], result="accepted", old_serial="OLD-2")
    after = api("get", f"/api/claims/{claim['id']}", "auditor").get_json()
    assert (after["parts"][0]["status"], after["approved_amount"]) == ("approved", "650.00")


def test_a_missing_old_serial_and_a_reused_one_are_flagged(fit, api, claim_for, another_job):
    first, _ = fit([motor("OLD-1")])
    second, _ = fit([motor("OLD-1"), motor()], job=another_job())
    claim = claim_for(second)
    assert claim["status"] == "pending_review"
    assert flags(claim) == ["NO_OLD_SERIAL", "OLD_PART_REUSED"]
    reused = next(flag for flag in claim["flags"] if flag["code"] == "OLD_PART_REUSED")
    assert (reused["data"]["serial"], reused["data"]["other_job_number"]) == ("OLD-1", first["number"])
    assert first["number"] in reused["message"]


def test_a_claim_for_more_parts_than_fitted_owes_the_rest(fit, api, claim_for):
    job, _ = fit([motor("OLD-1")])
    claim = claim_for(job, qty=2)
    rows = owed(api)
    assert [(row["old_serial"], row["claim_line_id"]) for row in rows] == [
        ("OLD-1", claim["parts"][0]["id"]),
        (None, claim["parts"][0]["id"]),
    ]
    assert flags(claim) == ["NO_OLD_SERIAL"]


def test_a_rejected_return_rejects_its_line_and_flags_the_claim(fit, api, claim_for):
    job, _ = fit([motor("OLD-1")])
    claim = claim_for(job, qty=1)
    [row] = owed(api)
    shipment = api("post", "/api/part-returns/shipments", "pm1", {"lines": [row["id"]]}).get_json()
    api("post", f"/api/part-returns/shipments/{shipment['id']}/receipt", "clerk")
    inspect(api, row["id"], result="not_faulty", note="the motor runs", old_serial="OLD-1")
    after = api("get", f"/api/claims/{claim['id']}", "auditor").get_json()
    assert after["parts"][0]["status"] == "return_rejected"
    [flag] = [flag for flag in after["flags"] if flag["code"] == "PART_RETURN_REJECTED"]
    assert (flag["data"]["result"], flag["data"]["note"]) == ("not_faulty", "the motor runs")
    assert "not faulty" in flag["message"]


def test_the_sweep_marks_late_returns_once_flags_their_claims_and_penalises_them(fit, api, claim_for, notified):
    job, _ = fit([motor("OLD-1")])
    claim = claim_for(job, qty=1)
    db.session.execute(update(PartReturn).values(due_at=utcnow() - timedelta(days=1)))
    db.session.commit()
    assert claim_returns.mark_overdue() == 1
    assert claim_returns.mark_overdue() == 0
    db.session.commit()
    after = api("get", f"/api/claims/{claim['id']}", "auditor").get_json()
    assert [flag["code"] for flag in after["flags"]].count("PART_NOT_RETURNED") == 1
    assert after["parts"][0]["status"] == "awaiting_return"
    [deduction] = db.session.scalars(select(Deduction)).all()
    assert (deduction.rule, deduction.amount_cents) == ("RETURN_PENALTY", MOTOR_CENTS)
    assert len(notified("pm1", "returns_overdue")) == 1


def test_providers_are_reminded_once_before_the_deadline(fit, notified):
    fit([motor("OLD-1")])
    db.session.execute(update(PartReturn).values(due_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    assert returns.remind_due() == 1
    assert returns.remind_due() == 0
    db.session.commit()
    assert len(notified("pm1", "returns_due")) == 1
