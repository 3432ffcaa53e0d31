"""The claims (fraud) report: claims and amounts by flag, provider and month, by status, and the money held back."""

import pytest
from sqlalchemy import select
from sqlalchemy import update

from server.extensions import db
from server.network.models import Provider
from tests.helpers import assert_error


@pytest.fixture
def reported(clean_claim, flagged_claim, submit, decide):
    """Claims on one unit and one ghost, oldest first:

    a  P01  SN0001  2025-03-03  approved                       276.50
    b  P02  SN0001  2025-03-10  pending_review  DUPLICATE (a)    20.00
    c  P01  SN0001  2025-03-15  pending_review  DUPLICATE (a, b) 30.00
    e  P01  GHOST1  2025-04-02  rejected        UNKNOWN_SERIAL   12.34
    """
    a = clean_claim("SN0001", "2025-03-03")
    b = submit("P02", failure_date="2025-03-10", repair_date="2025-03-10", labor_fee="20.00", parts=[]).json
    c = submit("P01", failure_date="2025-03-15", repair_date="2025-03-15", labor_fee="30.00", parts=[]).json
    e = flagged_claim("GHOST1", "2025-04-02", labor_fee="12.34", parts=[])
    assert [flag["code"] for flag in b["flags"]] == ["DUPLICATE_CLAIM"]
    assert [flag["code"] for flag in c["flags"]] == ["DUPLICATE_CLAIM", "DUPLICATE_CLAIM"]
    assert decide(e["id"], "reject", reason="never sold").status_code == 200
    return {"a": a["id"], "b": b["id"], "c": c["id"], "e": e["id"]}


def rows(items, key):
    return [(item[key], item["provider_code"], item["month"], item["claims"], item["amount"]) for item in items]


def test_the_report_has_its_three_parts(client, auditor, reported):
    response = client.get("/api/reports/claims", headers=auditor)
    assert response.status_code == 200
    assert set(response.json) == {
        "by_flag",
        "by_status",
        "held_back",
        "held_back_claims",
        "rejected",
        "rejected_claims",
    }


def test_claims_and_amounts_by_flag_provider_and_month(client, auditor, reported):
    """Claim c carries DUPLICATE_CLAIM twice (against a and b) and is counted, with its amount, once."""
    report = client.get("/api/reports/claims", headers=auditor).json
    assert rows(report["by_flag"], "flag") == [
        ("DUPLICATE_CLAIM", "P01", "2025-03", 1, "30.00"),
        ("DUPLICATE_CLAIM", "P02", "2025-03", 1, "20.00"),
        ("UNKNOWN_SERIAL", "P01", "2025-04", 1, "12.34"),
    ]


def test_claims_and_amounts_by_status_provider_and_month(client, auditor, reported):
    report = client.get("/api/reports/claims", headers=auditor).json
    assert rows(report["by_status"], "status") == [
        ("approved", "P01", "2025-03", 1, "276.50"),
        ("pending_review", "P01", "2025-03", 1, "30.00"),
        ("pending_review", "P02", "2025-03", 1, "20.00"),
        ("rejected", "P01", "2025-04", 1, "12.34"),
    ]


def test_the_money_held_back_is_the_claims_waiting_for_an_auditor_and_the_rejected_stand_apart(
    client, auditor, reported
):
    """b and c wait for an auditor (20.00 + 30.00); e was rejected: refused, not held back."""
    report = client.get("/api/reports/claims", headers=auditor).json
    assert (report["held_back"], report["held_back_claims"]) == ("50.00", 2)
    assert (report["rejected"], report["rejected_claims"]) == ("12.34", 1)
    # Each figure is the plain sum of its status's rows.
    pending = [row for row in report["by_status"] if row["status"] == "pending_review"]
    assert sum(row["claims"] for row in pending) == report["held_back_claims"]


def test_a_claim_flagged_twice_for_one_code_counts_once_among_several(client, auditor, reported, submit):
    """A fourth claim on SN0001 (against a, b and c) makes two P01 duplicates in March: 2 claims, not 5 flags."""
    d = submit("P01", failure_date="2025-03-20", repair_date="2025-03-20", labor_fee="1.00", parts=[]).json
    assert [flag["code"] for flag in d["flags"]] == ["DUPLICATE_CLAIM"] * 3
    report = client.get("/api/reports/claims?provider_code=P01&month=2025-03", headers=auditor).json
    assert rows(report["by_flag"], "flag") == [("DUPLICATE_CLAIM", "P01", "2025-03", 2, "31.00")]


def test_a_decision_moves_money_out_of_held_back(client, auditor, reported, decide):
    assert decide(reported["c"], "approve").status_code == 200
    assert decide(reported["b"], "reject", reason="duplicate of a").status_code == 200
    report = client.get("/api/reports/claims", headers=auditor).json
    assert (report["held_back"], report["held_back_claims"]) == ("0.00", 0)
    assert (report["rejected"], report["rejected_claims"]) == ("32.34", 2)


def test_an_approval_moves_money_out_of_held_back(client, auditor, reported, decide):
    assert decide(reported["c"], "approve").status_code == 200
    report = client.get("/api/reports/claims", headers=auditor).json
    assert report["held_back"] == "20.00"
    assert ("approved", "P01", "2025-03", 2, "306.50") in rows(report["by_status"], "status")


@pytest.mark.parametrize(
    ("query", "flags", "held_back"),
    [
        ("?month=2025-03", [("DUPLICATE_CLAIM", "P01"), ("DUPLICATE_CLAIM", "P02")], "50.00"),
        ("?month=2025-04", [("UNKNOWN_SERIAL", "P01")], "0.00"),
        ("?from=2025-03-12&to=2025-04-30", [("DUPLICATE_CLAIM", "P01"), ("UNKNOWN_SERIAL", "P01")], "30.00"),
        ("?from=2025-03-10&to=2025-03-10", [("DUPLICATE_CLAIM", "P02")], "20.00"),
        ("?month=2025-05", [], "0.00"),
        ("?provider_code=P02", [("DUPLICATE_CLAIM", "P02")], "20.00"),
        ("?provider_code=P01&month=2025-04", [("UNKNOWN_SERIAL", "P01")], "0.00"),
        ("?provider_code=P99", [], "0.00"),
    ],
)
def test_the_report_filters_by_month_and_provider(client, auditor, reported, query, flags, held_back):
    report = client.get(f"/api/reports/claims{query}", headers=auditor).json
    assert [(row["flag"], row["provider_code"]) for row in report["by_flag"]] == flags
    assert report["held_back"] == held_back


@pytest.mark.parametrize(
    ("provider_code", "flags", "statuses", "held_back"),
    [
        (
            "P01",
            [("DUPLICATE_CLAIM", "2025-03"), ("UNKNOWN_SERIAL", "2025-04")],
            ["approved", "pending_review", "rejected"],
            "30.00",
        ),
        ("P02", [("DUPLICATE_CLAIM", "2025-03")], ["pending_review"], "20.00"),
    ],
)
def test_a_provider_manager_sees_only_its_own_providers_figures(
    client, manager, reported, provider_code, flags, statuses, held_back
):
    report = client.get("/api/reports/claims", headers=manager(provider_code)).json
    assert [(row["flag"], row["month"]) for row in report["by_flag"]] == flags
    assert {row["provider_code"] for row in report["by_flag"] + report["by_status"]} == {provider_code}
    assert [row["status"] for row in report["by_status"]] == statuses
    assert report["held_back"] == held_back


def test_a_provider_manager_asking_for_another_provider_gets_nothing(client, manager, reported):
    report = client.get("/api/reports/claims?provider_code=P02", headers=manager("P01")).json
    assert report == EMPTY


EMPTY = {
    "by_flag": [],
    "by_status": [],
    "held_back": "0.00",
    "held_back_claims": 0,
    "rejected": "0.00",
    "rejected_claims": 0,
}


def test_an_empty_report(client, auditor, claims_world):
    report = client.get("/api/reports/claims", headers=auditor).json
    assert report == EMPTY


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?month=2025-3", "month"),
        ("?month=2025-00", "month"),
        ("?month=all", "month"),
        ("?provider_code=" + "P" * 33, "provider_code"),
        ("?from=2025-04-01&to=2025-03-01", "to"),
        ("?from=2025-4-1", "from"),
    ],
    ids=["month-without-zero", "month-zero", "month-word", "long-provider-code", "backwards-range", "bad-day"],
)
def test_a_bad_report_query_is_refused(client, auditor, reported, query, field):
    assert_error(client.get(f"/api/reports/claims{query}", headers=auditor), 422, "validation_error", fields=[field])


def test_the_report_downloads_as_csv_with_the_same_figures(client, auditor, reported):
    with client.get("/api/reports/claims.csv?month=2025-03", headers=auditor) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == 'attachment; filename="claims-2025-03.csv"'
        text = response.get_data(as_text=True)

    assert text.lstrip("\ufeff").splitlines() == [
        "section,flag_or_status,provider_code,month,claims,amount",
        "flag,DUPLICATE_CLAIM,P01,2025-03,1,30.00",
        "flag,DUPLICATE_CLAIM,P02,2025-03,1,20.00",
        "status,approved,P01,2025-03,1,276.50",
        "status,pending_review,P01,2025-03,1,30.00",
        "status,pending_review,P02,2025-03,1,20.00",
        "held_back,,,,2,50.00",
        "rejected,,,,0,0.00",
    ]


def test_a_provider_code_that_reads_as_a_formula_reaches_the_csv_as_text(client, auditor, reported):
    # The API's code rule refuses such a code today; a code loaded some other way must not make the file run it.
    db.session.execute(update(Provider).where(Provider.code == "P02").values(code="-P02"))
    db.session.commit()

    with client.get("/api/reports/claims.csv?month=2025-03", headers=auditor) as response:
        lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()

    assert "flag,DUPLICATE_CLAIM,'-P02,2025-03,1,20.00" in lines
    assert "status,pending_review,'-P02,2025-03,1,20.00" in lines


def test_a_bad_csv_query_is_refused_like_the_report(client, auditor, reported):
    response = client.get("/api/reports/claims.csv?month=2025-13", headers=auditor)

    assert_error(response, 422, "validation_error")


def test_rows_name_their_provider(client, auditor, reported):
    report = client.get("/api/reports/claims", headers=auditor).json
    names = {row["provider_code"]: row["provider_name"] for row in report["by_flag"] + report["by_status"]}
    providers = dict(db.session.execute(select(Provider.code, Provider.name)).all())
    assert names == {code: providers[code] for code in ("P01", "P02")}
