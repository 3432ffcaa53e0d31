"""The returns report: on time per province and provider, what claim lines withhold, what was deducted; and the
parts cycle's reverse path (repair → old part at the RDC)."""

from datetime import timedelta

from sqlalchemy import update

from server.core.clock import utcnow
from server.extensions import db
from server.supply.models import PartReturn
from tests.claims.conftest import MOTOR_CENTS
from tests.helpers import assert_error


def motors(*serials):
    return [{"part_no": "MOTOR", "qty": 1, "old_serial": serial} for serial in serials]


def report(api, user="auditor", query=""):
    response = api("get", f"/api/reports/part-returns{query}", user)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_returns_count_on_time_late_and_outstanding_by_their_deadline(fit, api, another_job):
    """Three motors: one back on time (accepted), one back late (rejected), one still away past its deadline; and
    one due next week, outside the period."""
    fit(motors("A1", "A2", "A3"))
    fit(motors("B1"), job=another_job())
    rows = {row["old_serial"]: row for row in api("get", "/api/part-returns", "pm1").get_json()["items"]}
    now = utcnow()
    for serial, due in (
        ("A1", now + timedelta(hours=1)),
        ("A2", now - timedelta(days=2)),
        ("A3", now - timedelta(days=1)),
    ):
        db.session.execute(update(PartReturn).where(PartReturn.id == rows[serial]["id"]).values(due_at=due))
    db.session.execute(
        update(PartReturn).where(PartReturn.id == rows["B1"]["id"]).values(due_at=now + timedelta(days=7))
    )
    db.session.commit()
    shipment = api("post", "/api/part-returns/shipments", "pm1", {"lines": [rows["A1"]["id"], rows["A2"]["id"]]})
    api("post", f"/api/part-returns/shipments/{shipment.get_json()['id']}/receipt", "clerk")
    api("post", f"/api/part-returns/{rows['A1']['id']}/inspection", "clerk", {"result": "accepted", "old_serial": "A1"})
    api(
        "post",
        f"/api/part-returns/{rows['A2']['id']}/inspection",
        "clerk",
        {"result": "wrong_part", "note": "a pump", "old_serial": "Z"},
    )

    today = (now + timedelta(hours=8)).date()
    figures = report(api, query=f"?from={today - timedelta(days=5)}&to={today}")
    expected = {"due": 3, "on_time": 1, "late": 2, "outstanding": 0, "on_time_rate": 0.3333}
    assert {key: figures["overall"][key] for key in expected} == expected
    assert [(row["code"], row["due"]) for row in figures["by_province"]] == [("370000", 3)]
    assert [(row["code"], row["late"]) for row in figures["by_provider"]] == [("P01", 2)]
    assert figures["deducted"] == [{"rule": "RETURN_PENALTY", "deductions": 1, "amount": f"{MOTOR_CENTS // 100}.00"}]
    assert report(api, "pm2", query=f"?from={today - timedelta(days=5)}&to={today}")["overall"]["due"] == 0
    assert report(api, "clerk2", query=f"?from={today - timedelta(days=5)}&to={today}")["overall"]["due"] == 0

    csv = api("get", f"/api/reports/part-returns.csv?from={today - timedelta(days=5)}&to={today}", "auditor")
    assert csv.status_code == 200
    assert "province,370000" in csv.get_data(as_text=True)

    cycle = api("get", f"/api/reports/parts-cycle?from={today - timedelta(days=5)}&to={today}", "auditor").get_json()
    assert cycle["reverse"]["returns"] == 2
    assert [(row["province_code"], row["returns"]) for row in cycle["reverse_by_province"]] == [("370000", 2)]


def test_claim_lines_waiting_for_their_old_parts_are_withheld(fit, api):
    job, _ = fit(motors("A1"))
    today = utcnow().date()
    body = {
        "serial": "SN-IN",
        "model": "TV55",
        "failure_date": (today - timedelta(days=1)).isoformat(),
        "repair_date": today.isoformat(),
        "fault_code": "E01",
        "parts": [{"part_no": "MOTOR", "qty": 1}],
        "labor_fee": "50.00",
        "job_id": job["id"],
    }
    claim = api("post", "/api/claims", "pm1", body).get_json()
    if claim["status"] == "pending_review":
        api("post", f"/api/claims/{claim['id']}/decision", "auditor", {"decision": "approve"})
    withheld = {row["status"]: (row["lines"], row["amount"]) for row in report(api)["withheld"]}
    assert withheld == {"awaiting_return": (1, "300.00"), "return_rejected": (0, "0.00")}
    assert report(api, "pm2")["withheld"][0]["lines"] == 0


def test_a_range_that_ends_before_it_starts_is_refused(api, returns_world):
    assert_error(
        api("get", "/api/reports/part-returns?from=2025-03-02&to=2025-03-01", "auditor"), 422, "validation_error"
    )
