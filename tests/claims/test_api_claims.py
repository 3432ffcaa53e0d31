"""Warranty claims through the API: submission and its checks, bad input, listing, and the auditor's decision."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from server.extensions import db
from tests.helpers import assert_error

# ---------------------------------------------------------------- submission

CLAIM_FIELDS = {
    "id",
    "status",
    "amount",
    "labor_fee",
    "parts_amount",
    "flags",
    "provider_code",
    "serial",
    "model",
    "failure_date",
    "repair_date",
    "fault_code",
    "parts",
    "job_id",
    "scan_id",
    "card_number",
    "sale_record_id",
    "decided_by_id",
    "decided_at",
    "decision_reason",
    "settlement_id",
    "created_at",
    "approved_amount",
    "labor_status",
    "labor_reason",
}


def test_a_clean_claim_is_approved(sell, submit):
    sell("SN0001")
    response = submit()
    assert response.status_code == 201
    claim = response.json
    assert set(claim) == CLAIM_FIELDS
    assert isinstance(claim["id"], int)
    assert (claim["status"], claim["flags"]) == ("approved", [])
    assert (claim["provider_code"], claim["serial"], claim["model"]) == ("P01", "SN0001", "TV55")
    [line] = claim["parts"]
    assert line == {
        "id": line["id"],
        "part_no": "BOARD",
        "name": "Part BOARD",
        "qty": 2,
        "unit_price": "120.50",
        "amount": "241.00",
        "return_required": False,
        "status": "approved",
        "reason": "",
        "settlement_id": None,
    }
    assert (claim["labor_status"], claim["approved_amount"]) == ("approved", claim["amount"])
    assert (claim["decided_by_id"], claim["decided_at"], claim["settlement_id"]) == (None, None, None)


@pytest.mark.parametrize(
    ("labor_fee", "parts", "labour", "parts_amount", "amount"),
    [
        ("35.50", [{"part_no": "BOARD", "qty": 2}], "35.50", "241.00", "276.50"),
        ("0", [], "0.00", "0.00", "0.00"),
        (0.01, [{"part_no": "BOARD", "qty": 1}, {"part_no": "PANEL", "qty": 1}], "0.01", "920.49", "920.50"),
        ("120", [{"part_no": "PANEL", "qty": 3}], "120.00", "2399.97", "2519.97"),
    ],
    ids=["two-boards", "nothing", "one-of-each", "three-panels"],
)
def test_the_amount_is_labour_plus_parts_at_catalogue_price(
    sell, submit, labor_fee, parts, labour, parts_amount, amount
):
    sell("SN0001")
    response = submit(labor_fee=labor_fee, parts=parts)
    assert response.status_code == 201
    assert (response.json["labor_fee"], response.json["parts_amount"], response.json["amount"]) == (
        labour,
        parts_amount,
        amount,
    )


def test_a_claim_keeps_the_price_of_the_day_it_was_claimed(client, sell, submit, as_role):
    sell("SN0001")
    claim = submit(parts=[{"part_no": "BOARD", "qty": 1}]).json
    changed = client.patch("/api/admin/parts/BOARD", json={"price": "999.00"}, headers=as_role("admin"))
    assert changed.status_code == 200, changed.get_data(as_text=True)
    again = client.get(f"/api/claims/{claim['id']}", headers=as_role("auditor"))
    assert (again.json["parts"][0]["unit_price"], again.json["amount"]) == ("120.50", claim["amount"])


def test_the_provider_is_the_callers(sell, submit):
    sell("SN0001")
    assert submit("P02").json["provider_code"] == "P02"


def test_the_serial_is_matched_trimmed_and_in_upper_case(sell, submit):
    sell("SN0001")
    response = submit(serial="  sn0001 ")
    assert (response.status_code, response.json["serial"], response.json["status"]) == (201, "SN0001", "approved")
    assert response.json["sale_record_id"] is not None


@pytest.mark.parametrize(
    ("sale", "overrides", "codes"),
    [
        (None, {}, ["UNKNOWN_SERIAL"]),
        ({}, {"failure_date": "2026-02-01", "repair_date": "2026-02-02"}, ["OUT_OF_WARRANTY"]),
        ({"province": "440000", "city": "440100"}, {}, ["REGION_MISMATCH"]),
    ],
    ids=["never-sold", "out-of-warranty", "sold-elsewhere"],
)
def test_a_flagged_claim_waits_for_review_and_says_why(make_geography, sell, submit, sale, overrides, codes):
    make_geography("440000", "440100", "440106")
    if sale is not None:
        sell("SN0001", **sale)
    response = submit(**overrides)
    assert response.status_code == 201
    assert response.json["status"] == "pending_review"
    flags = response.json["flags"]
    assert [flag["code"] for flag in flags] == codes
    assert all(set(flag) == {"code", "message", "data"} for flag in flags)
    # Every sentence the checks write is read back as its facts (the audit screen words them).
    assert all(flag["data"] for flag in flags)
    assert all("SN0001" in flag["message"] or "2025-01-15" in flag["message"] for flag in flags)


def test_a_second_claim_on_the_unit_is_a_duplicate_naming_the_first(sell, submit):
    sell("SN0001")
    first = submit().json
    second = submit("P02", repair_date="2025-03-20", failure_date="2025-03-18")
    assert (second.status_code, second.json["status"]) == (201, "pending_review")
    assert [flag["code"] for flag in second.json["flags"]] == ["DUPLICATE_CLAIM"]
    assert f"Claim {first['id']}" in second.json["flags"][0]["message"]


def test_a_second_claim_on_the_same_job_is_a_duplicate_even_for_another_serial(sell, submit, make_job):
    sell("SN0001")
    sell("SN0002")
    job_id = make_job("P01")
    first = submit(job_id=job_id).json
    second = submit(serial="SN0002", job_id=job_id)
    assert (second.status_code, second.json["status"]) == (201, "pending_review")
    assert [flag["code"] for flag in second.json["flags"]] == ["DUPLICATE_CLAIM"]
    assert f"Claim {first['id']}" in second.json["flags"][0]["message"]


def test_a_claim_on_an_own_job_is_accepted(sell, submit, make_job):
    sell("SN0001")
    job_id = make_job("P01")
    response = submit(job_id=job_id)
    assert (response.status_code, response.json["job_id"], response.json["status"]) == (201, job_id, "approved")


# ---------------------------------------------------------------- bad input


def _future(days):
    # Taken when the tests are collected: a date meant to be in the future is far enough ahead (three days) to
    # stay there on the far side of a midnight passed before the test runs.
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


BAD_CLAIMS = [
    ("unknown-model", {"model": "XX99"}, "model"),
    ("empty-model", {"model": ""}, "model"),
    ("impossible-failure-date", {"failure_date": "2025-02-30"}, "failure_date"),
    ("malformed-repair-date", {"repair_date": "03/03/2025"}, "repair_date"),
    ("date-as-number", {"failure_date": 20250301}, "failure_date"),
    ("repair-before-failure", {"failure_date": "2025-03-05", "repair_date": "2025-03-03"}, "repair_date"),
    ("repair-in-the-future", {"failure_date": _future(1), "repair_date": _future(3)}, "repair_date"),
    ("negative-labor-fee", {"labor_fee": "-1.00"}, "labor_fee"),
    ("labor-fee-of-a-tenth-cent", {"labor_fee": "1.001"}, "labor_fee"),
    ("labor-fee-not-a-number", {"labor_fee": "lots"}, "labor_fee"),
    ("no-labor-fee", {"labor_fee": ...}, "labor_fee"),
    ("qty-zero", {"parts": [{"part_no": "BOARD", "qty": 0}]}, "parts"),
    ("qty-negative", {"parts": [{"part_no": "BOARD", "qty": -1}]}, "parts"),
    ("qty-fraction", {"parts": [{"part_no": "BOARD", "qty": 1.5}]}, "parts"),
    ("qty-as-text", {"parts": [{"part_no": "BOARD", "qty": "2"}]}, "parts"),
    ("part-without-qty", {"parts": [{"part_no": "BOARD"}]}, "parts"),
    ("parts-not-a-list", {"parts": "BOARD"}, "parts"),
    ("unknown-part", {"parts": [{"part_no": "NOPE", "qty": 1}]}, "parts.0.part_no"),
    ("non-claimable-part", {"parts": [{"part_no": "SCREW", "qty": 1}]}, "parts.0.part_no"),
    (
        "second-part-unknown",
        {"parts": [{"part_no": "BOARD", "qty": 1}, {"part_no": "NOPE", "qty": 1}]},
        "parts.1.part_no",
    ),
    ("serial-of-5000-characters", {"serial": "S" * 5000}, "serial"),
    ("empty-serial", {"serial": ""}, "serial"),
    ("blank-serial", {"serial": "   "}, "serial"),
    ("no-serial", {"serial": ...}, "serial"),
    ("bad-fault-code", {"fault_code": "E 01; DROP"}, "fault_code"),
    ("unknown-field", {"provider_id": 2}, "provider_id"),
    ("status-from-the-client", {"status": "approved"}, "status"),
    ("unknown-job", {"job_id": 999999}, "job_id"),
    ("job-id-as-text", {"job_id": "1"}, "job_id"),
]


@pytest.mark.parametrize(
    ("overrides", "field"), [case[1:] for case in BAD_CLAIMS], ids=[case[0] for case in BAD_CLAIMS]
)
def test_a_bad_claim_is_refused_and_nothing_is_written(clean_claim, submit, claims_written, overrides, field):
    clean_claim("SN0009")
    before = claims_written()
    error = assert_error(submit(**overrides), 422, "validation_error", fields=[field])
    assert field in error["message"]
    assert claims_written() == before


def test_a_job_of_another_provider_is_refused_and_nothing_is_written(sell, submit, make_job, claims_written):
    sell("SN0001")
    job_id = make_job("P02")
    before = claims_written()
    assert_error(submit("P01", job_id=job_id), 422, "validation_error", fields=["job_id"])
    assert claims_written() == before


def test_a_claim_body_that_is_not_json_is_refused(client, manager, claims_written, claims_world):
    response = client.post(
        "/api/claims", data="{serial: SN0001", content_type="application/json", headers=manager("P01")
    )
    assert_error(response, 400, "malformed_json")
    assert claims_written() == (0, 0, 0, 0)


# ---------------------------------------------------------------- listing


@pytest.fixture
def listed(sell, clean_claim, flagged_claim, submit):
    """Four claims, oldest first:

    a  P01  SN0001  2025-03-03  approved
    b  P01  GHOST1  2025-04-10  pending_review  UNKNOWN_SERIAL
    c  P02  SN0002  2025-04-12  approved
    d  P02  SN0002  2025-04-20  pending_review  DUPLICATE_CLAIM (of c)
    """
    a = clean_claim("SN0001", "2025-03-03", "P01")
    b = flagged_claim("GHOST1", "2025-04-10", "P01")
    c = clean_claim("SN0002", "2025-04-12", "P02")
    d = submit("P02", serial="SN0002", failure_date="2025-04-20", repair_date="2025-04-20").json
    assert [flag["code"] for flag in d["flags"]] == ["DUPLICATE_CLAIM"]
    return {"a": a["id"], "b": b["id"], "c": c["id"], "d": d["id"]}


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", "dcba"),
        ("?status=pending_review", "db"),
        ("?status=approved", "ca"),
        ("?status=rejected", ""),
        ("?provider_code=P02", "dc"),
        ("?provider_code=P99", ""),
        ("?flag=DUPLICATE_CLAIM", "d"),
        ("?flag=UNKNOWN_SERIAL", "b"),
        ("?flag=OUT_OF_WARRANTY", ""),
        ("?month=2025-04", "dcb"),
        ("?month=2025-03", "a"),
        ("?month=2025-05", ""),
        ("?serial=sn0002", "dc"),
        ("?status=pending_review&provider_code=P01", "b"),
        ("?status=pending_review&month=2025-04&flag=DUPLICATE_CLAIM", "d"),
    ],
    ids=lambda value: None if value == "" or not value.startswith("?") else value,
)
def test_an_auditor_lists_every_claim_with_filters(client, auditor, listed, query, names):
    response = client.get(f"/api/claims{query}", headers=auditor)
    assert response.status_code == 200
    assert [item["id"] for item in response.json["items"]] == [listed[name] for name in names]
    assert response.json["total"] == len(names)


@pytest.mark.parametrize(
    ("query", "names", "pages"),
    [
        ("?per_page=3", "dcb", 2),
        ("?per_page=3&page=2", "a", 2),
        ("?per_page=3&page=3", "", 2),
        ("?per_page=1&page=4", "a", 4),
    ],
)
def test_the_claim_list_is_paginated(client, auditor, listed, query, names, pages):
    body = client.get(f"/api/claims{query}", headers=auditor).json
    assert [item["id"] for item in body["items"]] == [listed[name] for name in names]
    assert (body["total"], body["pages"]) == (4, pages)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        pytest.param("?sort=queue", "bdca", id="queue-waiting-oldest-first-then-decided-newest-first"),
        pytest.param("?sort=queue&provider_code=P02", "dc", id="queue-of-a-provider"),
        pytest.param("?sort=created", "abcd", id="oldest-first"),
        pytest.param("?sort=-created", "dcba", id="newest-first"),
        pytest.param("?sort=repair_date", "abcd", id="repair-date"),
        pytest.param("?sort=-repair_date", "dcba", id="repair-date-descending"),
        # a 276.50 (35.50 + 2 boards), b c d 276.50 each too: equal amounts keep the id order.
        pytest.param("?sort=amount", "abcd", id="amount-ties-by-id"),
        pytest.param("?sort=-amount", "dcba", id="amount-descending-ties-by-id"),
        pytest.param("?sort=provider", "abcd", id="provider-name"),
        pytest.param("?sort=-provider", "dcba", id="provider-name-descending"),
    ],
)
def test_an_auditor_sorts_the_claims(client, auditor, listed, query, names):
    body = client.get(f"/api/claims{query}", headers=auditor).json
    assert [item["id"] for item in body["items"]] == [listed[name] for name in names]


def test_claims_sort_by_amount(client, auditor, clean_claim):
    cheap = clean_claim("SN0001", labor_fee="10.00", parts=[])
    dear = clean_claim("SN0002", labor_fee="10.00", parts=[{"part_no": "PANEL", "qty": 1}])
    middle = clean_claim("SN0003", labor_fee="200.00", parts=[])
    body = client.get("/api/claims?sort=-amount", headers=auditor).json
    assert [item["id"] for item in body["items"]] == [dear["id"], middle["id"], cheap["id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?sort=oldest", "sort"),
        ("?sort=--created", "sort"),
        ("?status=bogus", "status"),
        ("?flag=NOT_A_FLAG", "flag"),
        ("?month=2025-13", "month"),
        ("?month=2025-4", "month"),
        ("?month=March", "month"),
        ("?page=0", "page"),
        ("?per_page=lots", "per_page"),
        ("?serial=" + "S" * 5000, "serial"),
    ],
    ids=lambda value: value[:30] if isinstance(value, str) else None,
)
def test_a_bad_list_query_is_refused(client, auditor, listed, query, field):
    assert_error(client.get(f"/api/claims{query}", headers=auditor), 422, "validation_error", fields=[field])


@pytest.mark.parametrize(("provider_code", "names"), [("P01", "ba"), ("P02", "dc")])
def test_a_provider_manager_lists_only_its_own_providers_claims(client, manager, listed, provider_code, names):
    body = client.get("/api/claims", headers=manager(provider_code)).json
    assert [item["id"] for item in body["items"]] == [listed[name] for name in names]
    assert body["total"] == len(names)


def test_a_provider_filter_does_not_reach_another_providers_claims(client, manager, listed):
    body = client.get("/api/claims?provider_code=P02", headers=manager("P01")).json
    assert (body["items"], body["total"]) == ([], 0)


@pytest.mark.parametrize(("provider_code", "name"), [("P01", "c"), ("P01", "d"), ("P02", "a"), ("P02", "b")])
def test_another_providers_claim_is_not_found(client, manager, listed, provider_code, name):
    claim_id = listed[name]
    error = assert_error(client.get(f"/api/claims/{claim_id}", headers=manager(provider_code)), 404, "not_found")
    assert error["message"] == f"There is no claim {claim_id}."


@pytest.mark.parametrize(("provider_code", "name"), [("P01", "a"), ("P01", "b"), ("P02", "c"), ("P02", "d")])
def test_a_provider_manager_reads_its_own_claim(client, manager, listed, provider_code, name):
    response = client.get(f"/api/claims/{listed[name]}", headers=manager(provider_code))
    assert (response.status_code, response.json["id"], response.json["provider_code"]) == (
        200,
        listed[name],
        provider_code,
    )


def test_an_auditor_reads_any_claim_with_its_flags(client, auditor, listed):
    response = client.get(f"/api/claims/{listed['d']}", headers=auditor)
    assert response.status_code == 200
    assert set(response.json) == CLAIM_FIELDS
    assert [flag["code"] for flag in response.json["flags"]] == ["DUPLICATE_CLAIM"]


def test_an_absent_claim_is_not_found(client, auditor, listed):
    assert_error(client.get("/api/claims/999999", headers=auditor), 404, "not_found")


# ---------------------------------------------------------------- decision


@pytest.fixture
def pending(flagged_claim):
    """A claim waiting for review (its serial was never sold)."""
    return flagged_claim("GHOST1")


@pytest.mark.parametrize(("decision", "status"), [("approve", "approved"), ("reject", "rejected")])
def test_an_auditor_decides_and_who_when_why_are_kept(
    client, auditor, auditor_user, pending, stored_claim, decision, status
):
    before = datetime.now(UTC)
    response = client.post(
        f"/api/claims/{pending['id']}/decision",
        json={"decision": decision, "reason": "  invoice checked with the store  "},
        headers=auditor,
    )
    after = datetime.now(UTC)
    assert response.status_code == 200
    assert (response.json["status"], response.json["decided_by_id"]) == (status, auditor_user.id)
    assert response.json["decision_reason"] == "invoice checked with the store"
    assert before <= datetime.fromisoformat(response.json["decided_at"]) <= after
    claim = stored_claim(pending["id"])
    assert (claim.status, claim.decided_by_id, claim.decision_reason) == (
        status,
        auditor_user.id,
        "invoice checked with the store",
    )
    assert before <= claim.decided_at <= after


def test_an_admin_may_decide(client, as_role, pending):
    response = client.post(
        f"/api/claims/{pending['id']}/decision", json={"decision": "approve"}, headers=as_role("admin")
    )
    assert (response.status_code, response.json["status"], response.json["decision_reason"]) == (200, "approved", "")


def test_the_flags_stay_after_the_decision(decide, pending):
    assert decide(pending["id"], "approve").json["flags"] == pending["flags"]


@pytest.mark.parametrize("reason", [..., "", "   "], ids=["absent", "empty", "blank"])
def test_a_rejection_needs_a_reason(client, auditor, pending, stored_claim, reason):
    body = {"decision": "reject", "reason": reason}
    body = {key: value for key, value in body.items() if value is not ...}
    response = client.post(f"/api/claims/{pending['id']}/decision", json=body, headers=auditor)
    assert_error(response, 422, "validation_error", fields=["reason"])
    claim = stored_claim(pending["id"])
    assert (claim.status, claim.decided_by_id, claim.decided_at) == ("pending_review", None, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({}, "decision"),
        ({"decision": "approve", "reason": "x" * 2001}, "reason"),
        ({"decision": "approve", "status": "approved"}, "status"),
    ],
    ids=["unknown-decision", "no-decision", "reason-too-long", "unknown-field"],
)
def test_a_bad_decision_is_refused(client, auditor, pending, stored_claim, body, field):
    assert_error(
        client.post(f"/api/claims/{pending['id']}/decision", json=body, headers=auditor),
        422,
        "validation_error",
        fields=[field],
    )
    assert stored_claim(pending["id"]).status == "pending_review"


@pytest.mark.parametrize(
    ("first", "status"),
    [(None, "approved"), ("approve", "approved"), ("reject", "rejected")],
    ids=["clean", "approved", "rejected"],
)
@pytest.mark.parametrize("second", ["approve", "reject"])
def test_only_a_claim_waiting_for_review_is_decided(
    sell, submit, decide, stored_claim, auditor_user, first, status, second
):
    if first is None:
        sell("SN0001")
    claim = submit().json
    if first is not None:
        assert decide(claim["id"], first).status_code == 200
    kept = stored_claim(claim["id"])
    kept = (kept.status, kept.decided_by_id, kept.decided_at, kept.decision_reason)
    error = assert_error(decide(claim["id"], second, reason="second thoughts"), 409, "claim_not_pending")
    assert status in error["message"]
    claim_now = stored_claim(claim["id"])
    assert (claim_now.status, claim_now.decided_by_id, claim_now.decided_at, claim_now.decision_reason) == kept
    assert kept[0] == status


def test_a_provider_manager_may_not_decide(client, manager, pending, stored_claim):
    response = client.post(
        f"/api/claims/{pending['id']}/decision", json={"decision": "approve"}, headers=manager("P01")
    )
    error = assert_error(response, 403, "role_forbidden")
    assert error["details"]["allowed_roles"] == ["auditor", "admin"]
    assert stored_claim(pending["id"]).status == "pending_review"


def test_deciding_an_absent_claim_is_not_found(decide, pending):
    assert_error(decide(999999, "approve"), 404, "not_found")


@pytest.fixture
def scan_by(make_user):
    """``scan_by("P01", serial, photo="a")`` → the id of a photo scan made by a technician of that provider."""
    from server.jobs.models import Scan

    technicians = {}

    def make(provider_code, serial, photo="a", flags=None):
        if provider_code not in technicians:
            technicians[provider_code] = make_user("technician", provider_code=provider_code)
        scan = Scan(
            serial=serial,
            source="photo",
            photo_sha256=photo * 64,
            created_by_id=technicians[provider_code].id,
            flags=flags or [],
        )
        db.session.add(scan)
        db.session.commit()
        return scan.id

    return make


def test_a_claim_keeps_the_scan_it_names(client, sell, submit, auditor, scan_by):
    sell("SN0001")
    scan_id = scan_by("P01", "SN0001")
    response = submit(scan_id=scan_id)
    assert response.status_code == 201, response.json
    claim = client.get(f"/api/claims/{response.json['id']}", headers=auditor).json
    assert claim["scan_id"] == scan_id
    assert claim["flags"] == []


@pytest.mark.parametrize("whose", ["nobody", "P02"])
def test_a_claim_citing_a_scan_not_of_its_provider_is_refused(sell, submit, manager, scan_by, snapshot, whose):
    sell("SN0001")
    scan_id = 999999 if whose == "nobody" else scan_by(whose, "SN0001")
    manager("P01")
    before = snapshot()
    error = assert_error(submit(scan_id=scan_id), 422, "validation_error")
    assert "scan_id" in error["details"]["fields"]
    assert snapshot() == before


def test_a_scan_reading_another_serial_flags_scan_mismatch(sell, submit, scan_by):
    sell("SN0001")
    response = submit(scan_id=scan_by("P01", "SN0002"))
    assert response.json["status"] == "pending_review"
    assert [flag["code"] for flag in response.json["flags"]] == ["SCAN_MISMATCH"]
    assert "SN0002" in response.json["flags"][0]["message"]


def test_a_photo_backing_an_earlier_claim_flags_photo_reused(sell, submit, scan_by):
    sell("SN0001")
    sell("SN0002")
    first = submit(serial="SN0001", scan_id=scan_by("P01", "SN0001", photo="b"))
    assert first.json["flags"] == []
    second = submit(serial="SN0002", scan_id=scan_by("P01", "SN0002", photo="b"))
    assert [flag["code"] for flag in second.json["flags"]] == ["PHOTO_REUSED"]
    assert f"claim {first.json['id']}" in second.json["flags"][0]["message"]
    # The other claim as a fact, for the audit screen to show its photo beside this one's.
    assert second.json["flags"][0]["data"] == {"scan_id": second.json["scan_id"], "claim_id": first.json["id"]}


def test_a_scan_found_reused_when_taken_flags_the_claim(sell, submit, scan_by):
    sell("SN0001")
    flags = [{"code": "PHOTO_REUSED", "message": "The same photograph backs scan 7 (job 3)."}]
    response = submit(scan_id=scan_by("P01", "SN0001", flags=flags))
    assert response.json["flags"] == [
        {
            "code": "PHOTO_REUSED",
            "message": "The same photograph backs scan 7 (job 3).",
            "data": {"other_scan_id": 7, "job_id": 3},
        }
    ]
