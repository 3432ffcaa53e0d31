"""Monthly statements: a provider's approved, unpaid lines of claims repaired by the month's end, each paid once,
one statement per provider and month, and its CSV. (Deductions, disputes and the final word:
test_statements.py.)"""

import csv
import io

import pytest
from sqlalchemy import select

from server.claims.models import Claim
from server.claims.models import ClaimLine
from server.claims.models import SettledClaim
from server.claims.models import SettledLine
from server.extensions import db
from tests.helpers import assert_error

ROW_FIELDS = {
    "id",
    "provider_code",
    "provider_name",
    "month",
    "status",
    "claim_count",
    "line_count",
    "labor",
    "parts",
    "total",
    "deduction_count",
    "deductions",
    "net",
    "held_back_count",
    "held_back",
    "created_at",
    "dispute_until",
    "accepted_at",
    "finalised_at",
}
SETTLEMENT_FIELDS = ROW_FIELDS | {"claim_ids"}


@pytest.fixture
def march(clean_claim, flagged_claim, decide):
    """Claims of P01 repaired in March 2025, and around them claims that are not P01's March:

    a  approved        SN0001  03-03  labour 35.50, BOARD x2 (241.00)
    b  approved        SN0002  03-31  labour 80.00, PANEL x1 (799.99)
    p  pending_review  GHOST1  03-10  labour 10.00, no parts
    r  rejected        GHOST2  03-12  labour  5.00, BOARD x1 (120.50)
    x  approved        SN0003  04-01  (April)
    y  approved        SN0004  02-28  (February)
    z  approved        SN0005  03-05  (provider P02)
    """
    claims = {
        "a": clean_claim("SN0001", "2025-03-03"),
        "b": clean_claim("SN0002", "2025-03-31", labor_fee="80.00", parts=[{"part_no": "PANEL", "qty": 1}]),
        "p": flagged_claim("GHOST1", "2025-03-10", labor_fee="10.00", parts=[]),
        "r": flagged_claim("GHOST2", "2025-03-12", labor_fee="5.00", parts=[{"part_no": "BOARD", "qty": 1}]),
        "x": clean_claim("SN0003", "2025-04-01"),
        "y": clean_claim("SN0004", "2025-02-28"),
        "z": clean_claim("SN0005", "2025-03-05", provider_code="P02"),
    }
    assert decide(claims["r"]["id"], "reject", reason="no such unit").status_code == 200
    return {name: claim["id"] for name, claim in claims.items()}


@pytest.fixture
def settle(client, auditor, provider_id):
    """``settle("P01", "2025-03")`` → the response of the auditor's settlement."""

    def post(provider_code="P01", month="2025-03", headers=None):
        return client.post(
            "/api/settlements",
            json={"provider_id": provider_id(provider_code), "month": month},
            headers=headers or auditor,
        )

    return post


def settled_in():
    """``{claim_id: settlement_id}`` of every claim, read fresh."""
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(Claim.id, SettledClaim.settlement_id).outerjoin(SettledClaim, SettledClaim.claim_id == Claim.id)
        ).all()
    )


def test_a_settlement_totals_the_approved_unpaid_lines_repaired_by_the_months_end(settle, march):
    """March's statement: a and b, and February's y, approved and never paid; not April's x nor P02's z."""
    response = settle()
    assert response.status_code == 201
    statement = response.json
    assert set(statement) == SETTLEMENT_FIELDS
    assert (statement["provider_code"], statement["month"], statement["status"]) == ("P01", "2025-03", "open")
    assert (statement["claim_count"], statement["claim_ids"]) == (3, [march["a"], march["b"], march["y"]])
    assert statement["line_count"] == 3
    assert (statement["labor"], statement["parts"], statement["total"]) == ("151.00", "1281.99", "1432.99")
    assert (statement["deductions"], statement["net"]) == ("0.00", "1432.99")


def test_a_settlement_shows_the_claims_held_back(settle, march):
    """Held back: the month's claims waiting for review (10.00); a rejected claim is refused, not held."""
    statement = settle().json
    assert (statement["held_back_count"], statement["held_back"]) == (1, "10.00")


def test_the_settled_claims_and_lines_are_marked_and_no_others(settle, march):
    statement = settle().json
    assert settled_in() == {claim_id: statement["id"] if name in "aby" else None for name, claim_id in march.items()}
    paid = {claim_id for claim_id, settlement_id in lines_settled_in() if settlement_id == statement["id"]}
    assert paid == {march["a"], march["b"], march["y"]}


def test_the_settled_claim_shows_its_settlement(client, auditor, settle, march):
    statement = settle().json
    claim = client.get(f"/api/claims/{march['a']}", headers=auditor).json
    assert claim["settlement_id"] == statement["id"]
    assert [line["settlement_id"] for line in claim["parts"]] == [statement["id"]]


def test_an_admin_may_settle(settle, march, as_role):
    assert settle(headers=as_role("admin")).status_code == 201


def test_a_month_is_settled_once(settle, march, claims_written):
    first = settle().json
    before, claims_before = claims_written(), settled_in()
    error = assert_error(settle(), 409, "statement_exists")
    assert "P01" in error["message"]
    assert "2025-03" in error["message"]
    assert error["details"]["settlement_id"] == first["id"]
    assert (claims_written(), settled_in()) == (before, claims_before)


def test_a_claim_approved_later_goes_into_the_next_statement(settle, decide, march):
    first = settle().json
    assert decide(march["p"], "approve").status_code == 200
    second = settle(month="2025-04")
    assert second.status_code == 201
    later = second.json
    assert (later["claim_ids"], later["claim_count"], later["labor"], later["parts"]) == (
        [march["p"], march["x"]],
        2,
        "45.50",
        "241.00",
    )
    settled = settled_in()
    assert (settled[march["a"]], settled[march["b"]], settled[march["p"]]) == (first["id"], first["id"], later["id"])


@pytest.mark.parametrize(
    ("provider_code", "month", "claim_names"),
    [("P01", "2025-02", "y"), ("P02", "2025-03", "z"), ("P01", "2025-04", "abyx")],
)
def test_each_provider_and_month_is_settled_apart(settle, march, provider_code, month, claim_names):
    statement = settle(provider_code, month).json
    assert sorted(statement["claim_ids"]) == sorted(march[name] for name in claim_names)
    assert (statement["provider_code"], statement["month"]) == (provider_code, month)


@pytest.mark.parametrize(("provider_code", "month"), [("P02", "2025-02"), ("P01", "2024-03")])
def test_a_month_without_approved_claims_has_nothing_to_settle(settle, march, claims_written, provider_code, month):
    before = claims_written()
    assert_error(settle(provider_code, month), 409, "nothing_to_settle")
    assert claims_written() == before


def test_a_month_of_claims_only_held_back_has_nothing_to_settle(settle, flagged_claim, claims_written):
    flagged_claim("GHOST1", "2025-06-02")
    before = claims_written()
    assert_error(settle("P01", "2025-06"), 409, "nothing_to_settle")
    assert claims_written() == before


def lines_settled_in():
    db.session.expire_all()
    return db.session.execute(
        select(ClaimLine.claim_id, SettledLine.settlement_id).outerjoin(
            SettledLine, SettledLine.claim_line_id == ClaimLine.id
        )
    ).all()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"provider_id": 999999, "month": "2025-03"}, "provider_id"),
        ({"provider_id": "1", "month": "2025-03"}, "provider_id"),
        ({"month": "2025-03"}, "provider_id"),
        ({"provider_id": 1, "month": "2025-3"}, "month"),
        ({"provider_id": 1, "month": "2025-13"}, "month"),
        ({"provider_id": 1, "month": "2025-03-01"}, "month"),
        ({"provider_id": 1}, "month"),
        ({"provider_id": 1, "month": "2025-03", "total": "0.00"}, "total"),
    ],
    ids=[
        "unknown-provider",
        "provider-as-text",
        "no-provider",
        "month-without-zero",
        "month-13",
        "a-day",
        "no-month",
        "unknown-field",
    ],
)
def test_a_bad_settlement_is_refused_and_nothing_is_written(client, auditor, march, claims_written, body, field):
    before, claims_before = claims_written(), settled_in()
    response = client.post("/api/settlements", json=body, headers=auditor)
    assert_error(response, 422, "validation_error", fields=[field])
    assert (claims_written(), settled_in()) == (before, claims_before)


def test_a_provider_manager_may_not_settle(settle, march, manager, claims_written):
    before = claims_written()
    error = assert_error(settle(headers=manager("P01")), 403, "role_forbidden")
    assert error["details"]["allowed_roles"] == ["auditor", "admin"]
    assert claims_written() == before


# ---------------------------------------------------------------- reading a statement


@pytest.fixture
def statement(settle, march):
    return settle().json


@pytest.mark.parametrize("reader", ["auditor", "admin", "P01"])
def test_a_statement_is_read_back_with_its_lines(client, as_role, auditor, manager, statement, march, reader):
    headers = {"auditor": auditor, "admin": as_role("admin")}.get(reader) or manager(reader)
    response = client.get(f"/api/settlements/{statement['id']}", headers=headers)
    assert response.status_code == 200
    assert response.json["settlement"] == {name: value for name, value in statement.items() if name != "claim_ids"}
    assert response.json["deductions"] == []
    assert [(line["claim_id"], line["kind"], line["part_no"], line["amount"]) for line in response.json["lines"]] == [
        (march["a"], "labor", None, "35.50"),
        (march["a"], "part", "BOARD", "241.00"),
        (march["b"], "labor", None, "80.00"),
        (march["b"], "part", "PANEL", "799.99"),
        (march["y"], "labor", None, "35.50"),
        (march["y"], "part", "BOARD", "241.00"),
    ]


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_another_providers_statement_is_not_found(client, manager, statement, suffix):
    response = client.get(f"/api/settlements/{statement['id']}{suffix}", headers=manager("P02"))
    error = assert_error(response, 404, "not_found")
    assert error["message"] == f"There is no settlement {statement['id']}."


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_an_absent_statement_is_not_found(client, auditor, statement, suffix):
    assert_error(client.get(f"/api/settlements/999999{suffix}", headers=auditor), 404, "not_found")


def read_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_is_a_download(client, auditor, statement):
    response = client.get(f"/api/settlements/{statement['id']}.csv", headers=auditor)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="statement-{statement["id"]}-{statement["month"]}.csv"'
    )


def test_the_csv_lists_the_lines_paid_then_the_totals(client, auditor, statement, march):
    rows = read_csv(client.get(f"/api/settlements/{statement['id']}.csv", headers=auditor))
    assert rows[0][:9] == ["section", "claim_id", "line", "serial", "model", "repair_date", "part_no", "qty", "amount"]
    paid = [row for row in rows[1:] if row and row[0] == "pay"]
    assert [row[1:9] for row in paid[:2]] == [
        [str(march["a"]), "labor", "SN0001", "TV55", "2025-03-03", "", "1", "35.50"],
        [str(march["a"]), paid[1][2], "SN0001", "TV55", "2025-03-03", "BOARD", "2", "241.00"],
    ]
    assert sum(int(row[8].replace(".", "")) for row in paid) == 143299
    totals = rows[rows.index([]) + 1 :]
    assert totals == [
        ["provider", "P01", "month", "2025-03", "status", "open"],
        ["claims", "3", "labor", "151.00"],
        ["part_lines", "3", "parts", "1281.99"],
        ["deductions", "0", "withheld", "0.00"],
        ["total", "1432.99", "net", "1432.99"],
        ["held_back_claims", "1", "held_back", "10.00"],
        ["charges_collected", "0.00", "remit_due", "0.00", "remitted", "0.00", "owed", "0.00"],
    ]


def test_the_owning_provider_downloads_its_csv(client, manager, statement):
    response = client.get(f"/api/settlements/{statement['id']}.csv", headers=manager("P01"))
    assert response.status_code == 200
    assert len(read_csv(response)) == 1 + statement["claim_count"] + statement["line_count"] + 1 + 7


def test_a_serial_that_reads_as_a_formula_reaches_the_csv_as_text(client, auditor, flagged_claim, decide, settle):
    """A spreadsheet ran the serial as a formula (a live link in the auditor's statement); amounts stay as they were."""
    claim = flagged_claim('=HYPERLINK("http://x","y")', "2025-03-03", labor_fee="10.00", parts=[])
    assert decide(claim["id"], "approve").status_code == 200
    statement = settle().json

    rows = read_csv(client.get(f"/api/settlements/{statement['id']}.csv", headers=auditor))

    assert rows[1][:9] == [
        "pay",
        str(claim["id"]),
        "labor",
        "'" + claim["serial"],
        "TV55",
        "2025-03-03",
        "",
        "1",
        "10.00",
    ]
    assert claim["serial"].startswith("=HYPERLINK(")


# ---------------------------------------------------------------- the list


@pytest.fixture
def statements(settle, march, decide):
    """Three statements, oldest first: P01 2025-03, P02 2025-03, P01 2025-04; ``{name: id}``."""
    return {
        "p01-march": settle("P01", "2025-03").json["id"],
        "p02-march": settle("P02", "2025-03").json["id"],
        "p01-april": settle("P01", "2025-04").json["id"],
    }


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("", ["p01-april", "p02-march", "p01-march"]),
        ("?provider_code=P01", ["p01-april", "p01-march"]),
        ("?month=2025-03", ["p02-march", "p01-march"]),
        ("?provider_code=P02&month=2025-04", []),
        ("?per_page=2&page=2", ["p01-march"]),
    ],
    ids=lambda value: value or None if isinstance(value, str) else None,
)
def test_an_auditor_lists_the_statements_newest_first(client, auditor, statements, query, names):
    response = client.get(f"/api/settlements{query}", headers=auditor)
    assert response.status_code == 200
    assert [item["id"] for item in response.json["items"]] == [statements[name] for name in names]
    assert all(set(item) == ROW_FIELDS for item in response.json["items"])


def test_a_listed_statement_carries_its_figures(client, auditor, statements):
    [listed] = client.get("/api/settlements?provider_code=P01&month=2025-03", headers=auditor).json["items"]
    read = client.get(f"/api/settlements/{statements['p01-march']}", headers=auditor).json
    assert listed == read["settlement"]


@pytest.mark.parametrize(("provider_code", "names"), [("P01", ["p01-april", "p01-march"]), ("P02", ["p02-march"])])
def test_a_provider_manager_lists_its_own_statements_only(client, manager, statements, provider_code, names):
    mine = client.get("/api/settlements", headers=manager(provider_code)).json["items"]
    assert [item["id"] for item in mine] == [statements[name] for name in names]


def test_a_provider_filter_does_not_reach_another_providers_statements(client, manager, statements):
    others = client.get("/api/settlements?provider_code=P02", headers=manager("P01")).json
    assert (others["items"], others["total"]) == ([], 0)


@pytest.mark.parametrize(
    ("query", "field"), [("?month=2025-3", "month"), ("?provider_code=" + "P" * 40, "provider_code")]
)
def test_a_bad_statement_list_query_is_refused(client, auditor, query, field):
    assert_error(client.get(f"/api/settlements{query}", headers=auditor), 422, "validation_error", fields=[field])


@pytest.mark.parametrize("role", ["technician", "agent", "dispatcher", "parts_clerk"])
def test_only_auditors_admins_and_providers_list_statements(client, as_role, role):
    assert_error(client.get("/api/settlements", headers=as_role(role)), 403, "role_forbidden")
