"""A provider's parts account: its figures, its ledger, deposit payments, admin edits and settlements.

P01 starts with a deposit of 1000.00 (its opening entry) and a credit limit
of 500.00. Orders are paid from the deposit first, then on credit; money in
(a deposit payment, a settlement) repays the credit in use first. The
deposit and the credit in use are always the sums of the ledger's columns.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.network.models import AccountEntry
from server.network.models import Provider
from server.network.services import providers
from tests import races
from tests.helpers import assert_error
from tests.knowledge.factories import ensure_fault_code

pytestmark = pytest.mark.both_backends

# ---------------------------------------------------------------- helpers


def pid(code="P01"):
    return providers.find(code).id


@pytest.fixture
def account(call):
    """``account(user="admin", code="P01")`` → the account as that user reads it, every entry on one page."""

    def read(user="admin", code="P01"):
        status, body = call("get", f"/api/providers/{pid(code)}/account?per_page=100", user)
        assert status == 200, body
        return body

    return read


def figures(body):
    return tuple(body[name] for name in ("deposit", "credit_used", "credit_available", "available"))


def change(entry):
    return entry["kind"], entry["deposit_change"], entry["credit_change"]


@pytest.fixture
def spend(on_site, short, call):
    """``spend([(part_no, qty)])``: P01 is charged for a requisition approved by the clerk (200 asserted)."""

    def make(lines):
        requisition = short(on_site(serial=None)["id"], lines)
        status, body = call("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
        assert status == 200, body
        return body

    return make


@pytest.fixture
def pay_in(call):
    """``pay_in("100.00", code="P01")`` → ``(status, body)`` of the admin recording a deposit payment."""

    def post(amount, code="P01", reference="bank transfer 42"):
        return call(
            "post", f"/api/providers/{pid(code)}/account/deposits", "admin", {"amount": amount, "reference": reference}
        )

    return post


@pytest.fixture
def edit_deposit(call):
    """``edit_deposit("1500.00")``: the admin edits P01's provider record (200 asserted)."""

    def patch(amount, code="P01"):
        status, body = call("patch", f"/api/admin/providers/{code}", "admin", {"deposit": amount})
        assert status == 200, body
        return body

    return patch


@pytest.fixture
def settle(call):
    """``settle()`` → the statement of a claim of P01 (labour 35.50, BOARD × 1: 155.50) made by the admin,
    accepted by the provider's manager and made final: what pays it into the account."""
    counter = {"n": 0}

    def run():
        counter["n"] += 1
        ensure_fault_code("E01")
        today = datetime.now(UTC).date()
        repaired = today - timedelta(days=1)
        claim = {
            "serial": "SN-IN",
            "model": "TV55",
            "failure_date": (today - timedelta(days=2)).isoformat(),
            "repair_date": repaired.isoformat(),
            "fault_code": "E01",
            "parts": [{"part_no": "BOARD", "qty": 1}],
            "labor_fee": "35.50",
        }
        status, body = call("post", "/api/claims", "pm1", claim)
        assert (status, body.get("status")) == (201, "approved"), body
        status, body = call(
            "post", "/api/settlements", "admin", {"provider_id": pid(), "month": repaired.strftime("%Y-%m")}
        )
        assert status == 201, body
        assert call("post", f"/api/settlements/{body['id']}/acceptance", "pm1")[0] == 200
        status, final = call("post", f"/api/settlements/{body['id']}/finalisation", "admin")
        assert (status, final["status"]) == (200, "final"), final
        return final

    return run


def ledger_sums(code="P01"):
    """``((sum of deposit deltas, sum of credit deltas), (deposit, credit in use))`` from the database."""
    db.session.expire_all()
    provider = providers.find(code)
    sums = db.session.execute(
        select(
            func.coalesce(func.sum(AccountEntry.deposit_delta), 0),
            func.coalesce(func.sum(AccountEntry.credit_delta), 0),
        ).where(AccountEntry.provider_id == provider.id)
    ).one()
    return tuple(sums), (provider.deposit_cents, provider.credit_used_cents)


# ---------------------------------------------------------------- the account view


def test_a_new_account_shows_its_deposit_credit_and_opening_entry(account):
    body = account()
    assert (body["provider_code"], body["credit_limit"]) == ("P01", "500.00")
    assert figures(body) == ("1000.00", "0.00", "500.00", "1500.00")
    [opening] = body["entries"]["items"]
    assert change(opening) == ("opening", "1000.00", "0.00")
    assert (opening["requisition_id"], opening["settlement_id"]) == (None, None)


def test_the_ledger_is_newest_first_a_page_at_a_time(call, spend, pay_in, account):
    spend([("BOARD", 1)])
    assert pay_in("50.00")[0] == 201
    status, body = call("get", f"/api/providers/{pid()}/account?per_page=2", "admin")
    assert status == 200, body
    assert (body["entries"]["total"], body["entries"]["pages"]) == (3, 2)
    assert [entry["kind"] for entry in body["entries"]["items"]] == ["deposit", "order"]
    status, body = call("get", f"/api/providers/{pid()}/account?per_page=2&page=2", "admin")
    assert [entry["kind"] for entry in body["entries"]["items"]] == ["opening"]


def test_credit_available_is_never_below_zero_when_the_limit_is_lowered_under_what_is_used(call, spend, account):
    spend([("PANEL", 1), ("BOARD", 3)])  # 1160.00: the deposit and 160.00 of credit
    status, body = call("patch", "/api/admin/providers/P01", "admin", {"credit_limit": "100.00"})
    assert status == 200, body
    assert figures(account()) == ("0.00", "160.00", "0.00", "0.00")


# Each history ends with the ledger adding up to the provider's two figures.
HISTORIES = {
    "opening-only": [],
    "orders": [("spend", [("BOARD", 2)]), ("spend", [("PANEL", 1)]), ("spend", [("REMOTE", 3)])],
    "on-credit-then-repaid": [("spend", [("PANEL", 1), ("BOARD", 3)]), ("pay", "100.00"), ("pay", "300.00")],
    "edited": [("spend", [("BOARD", 1)]), ("edit", "2000.00"), ("spend", [("PANEL", 2)]), ("edit", "10.00")],
    "settled": [("spend", [("PANEL", 1), ("BOARD", 3)]), ("settle", None), ("pay", "5.00")],
}


@pytest.mark.parametrize("history", HISTORIES.values(), ids=HISTORIES.keys())
def test_the_ledger_always_adds_up_to_the_deposit_and_credit_used(
    spend, pay_in, edit_deposit, settle, account, history
):
    for step, argument in history:
        if step == "spend":
            spend(argument)
        elif step == "pay":
            assert pay_in(argument)[0] == 201
        elif step == "edit":
            edit_deposit(argument)
        else:
            settle()
    body = account()
    entries = body["entries"]["items"]
    assert sum(Decimal(entry["deposit_change"]) for entry in entries) == Decimal(body["deposit"])
    assert sum(Decimal(entry["credit_change"]) for entry in entries) == Decimal(body["credit_used"])
    sums, balances = ledger_sums()
    assert sums == balances


# ---------------------------------------------------------------- deposit payments

# spent before, paid in → figures after, the deposit entry's (kind, deposit_change, credit_change)
PAYMENTS = {
    "no-credit-in-use": ([], "200.00", ("1200.00", "0.00", "500.00", "1700.00"), ("deposit", "200.00", "0.00")),
    "repays-part-of-the-credit": (
        [("PANEL", 1), ("BOARD", 3)],
        "100.00",
        ("0.00", "60.00", "440.00", "440.00"),
        ("deposit", "0.00", "-100.00"),
    ),
    "repays-the-credit-exactly": (
        [("PANEL", 1), ("BOARD", 3)],
        "160.00",
        ("0.00", "0.00", "500.00", "500.00"),
        ("deposit", "0.00", "-160.00"),
    ),
    "repays-the-credit-then-the-deposit": (
        [("PANEL", 1), ("BOARD", 3)],
        "300.00",
        ("140.00", "0.00", "500.00", "640.00"),
        ("deposit", "140.00", "-160.00"),
    ),
    "a-cent": ([], "0.01", ("1000.01", "0.00", "500.00", "1500.01"), ("deposit", "0.01", "0.00")),
    "a-number-not-text": ([], 12.5, ("1012.50", "0.00", "500.00", "1512.50"), ("deposit", "12.50", "0.00")),
}


@pytest.mark.parametrize(("spent", "amount", "after", "entry"), PAYMENTS.values(), ids=PAYMENTS.keys())
def test_a_deposit_payment_repays_credit_in_use_first(spend, pay_in, account, spent, amount, after, entry):
    if spent:
        spend(spent)
    status, body = pay_in(amount)
    assert status == 201, body
    assert figures(body) == after
    assert change(body["entries"]["items"][0]) == entry
    assert figures(account()) == after


def test_a_deposit_payment_keeps_its_reference(pay_in, account):
    assert pay_in("10.00", reference="BOC 2026-11-23 #7781")[0] == 201
    assert account()["entries"]["items"][0]["reference"] == "BOC 2026-11-23 #7781"


@pytest.mark.parametrize(
    "amount",
    [0, "0", "0.00", -5, "-0.01", "abc", "1.005", "12.345", "", None, True, "NaN", "Infinity", "99999999999"],
)
def test_a_bad_deposit_amount_is_refused_and_changes_nothing(send, catalogue, snapshot, amount):
    before = snapshot()
    response = send("post", f"/api/providers/{pid()}/account/deposits", "admin", {"amount": amount, "reference": "x"})
    assert_error(response, 422, "validation_error", fields={"amount"})
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"reference": "x"}, {"amount"}),
        ({"amount": "10.00"}, {"reference"}),
        ({"amount": "10.00", "reference": ""}, {"reference"}),
        ({"amount": "10.00", "reference": "x" * 201}, {"reference"}),
        ({"amount": "10.00", "reference": "x", "kind": "settlement"}, {"kind"}),
    ],
    ids=["no-amount", "no-reference", "empty-reference", "long-reference", "unknown-field"],
)
def test_a_deposit_payment_needs_an_amount_and_a_reference(send, catalogue, snapshot, body, fields):
    before = snapshot()
    response = send("post", f"/api/providers/{pid()}/account/deposits", "admin", body)
    assert_error(response, 422, "validation_error", fields=fields)
    assert snapshot() == before


@pytest.mark.parametrize("user", ["pm1", "clerk", "planner", "tech1"])
def test_only_an_admin_records_deposit_payments(send, catalogue, snapshot, user):
    before = snapshot()
    body = {"amount": "10.00", "reference": "x"}
    assert_error(send("post", f"/api/providers/{pid()}/account/deposits", user, body), 403, "role_forbidden")
    assert snapshot() == before


def test_a_deposit_payment_to_an_unknown_provider_is_not_found(send, catalogue):
    body = {"amount": "10.00", "reference": "x"}
    assert_error(send("post", "/api/providers/999999/account/deposits", "admin", body), 404, "provider_not_found")


# ---------------------------------------------------------------- the admin's edit of the provider record

# spent before, deposit set → the entry written (None: none), the deposit after
EDITS = {
    "raised": ([], "1500.00", ("adjustment", "500.00", "0.00"), "1500.00"),
    "lowered": ([], "600.00", ("adjustment", "-400.00", "0.00"), "600.00"),
    "to-zero": ([], "0.00", ("adjustment", "-1000.00", "0.00"), "0.00"),
    "unchanged": ([], "1000.00", None, "1000.00"),
    "after-an-order": ([("BOARD", 2)], "1000.00", ("adjustment", "240.00", "0.00"), "1000.00"),
}


@pytest.mark.parametrize(("spent", "deposit", "entry", "after"), EDITS.values(), ids=EDITS.keys())
def test_editing_the_providers_deposit_writes_an_adjustment(spend, edit_deposit, account, spent, deposit, entry, after):
    if spent:
        spend(spent)
    entries_before = account()["entries"]["total"]
    record = edit_deposit(deposit)
    body = account()
    assert (record["deposit"], body["deposit"]) == (after, after)
    if entry is None:
        assert body["entries"]["total"] == entries_before
    else:
        assert body["entries"]["total"] == entries_before + 1
        assert change(body["entries"]["items"][0]) == entry


def test_editing_other_fields_of_the_provider_writes_no_entry(call, account):
    status, body = call("patch", "/api/admin/providers/P01", "admin", {"name": "Renamed", "credit_limit": "800.00"})
    assert status == 200, body
    body = account()
    assert [entry["kind"] for entry in body["entries"]["items"]] == ["opening"]
    assert (body["credit_limit"], body["credit_available"]) == ("800.00", "800.00")


@pytest.mark.parametrize(
    ("deposit", "kinds"), [("250.00", [("opening", "250.00", "0.00")]), ("0.00", [])], ids=["with-deposit", "without"]
)
def test_a_new_provider_opens_its_account_with_its_deposit(call, catalogue, deposit, kinds):
    body = {"code": "P09", "name": "New", "region_codes": ["370100"], "deposit": deposit, "credit_limit": "0.00"}
    status, created = call("post", "/api/admin/providers", "admin", body)
    assert status == 201, created
    status, body = call("get", f"/api/providers/{created['id']}/account", "admin")
    assert status == 200, body
    assert [change(entry) for entry in body["entries"]["items"]] == kinds
    assert body["deposit"] == deposit


def test_the_first_deposit_given_to_a_provider_without_one_is_its_opening(call, catalogue):
    body = {"code": "P09", "name": "New", "region_codes": ["370100"]}
    status, created = call("post", "/api/admin/providers", "admin", body)
    assert status == 201, created
    status, body = call("patch", "/api/admin/providers/P09", "admin", {"deposit": "300.00"})
    assert status == 200, body
    status, body = call("get", f"/api/providers/{created['id']}/account", "admin")
    assert [change(entry) for entry in body["entries"]["items"]] == [("opening", "300.00", "0.00")]


@pytest.mark.commits
def test_an_edit_of_the_deposit_never_loses_an_order_charged_meanwhile(app, catalogue, on_site, short):
    """The admin's PATCH reads the provider, an approval charges it and commits, then the PATCH writes.

    The PATCH is played step by step in an application context (so a session and
    transaction) of its own; the approval is a request from another thread, as a
    second user's would be. The new deposit must land on the balance as it is
    when written, and the ledger must still add up.
    """
    requisition = short(on_site(serial=None)["id"], [("BOARD", 2)])  # 240.00
    db.session.commit()
    approval = ("POST", f"/api/requisitions/{requisition['id']}/approve", {}, catalogue.clerk.headers)

    with app.app_context():
        provider = providers.find("P01")  # the PATCH has read the record ...
        assert provider.deposit_cents == 100_000
        # ... an approval charges 240.00 and commits, from another thread as another user's would ...
        answers = [races.start(lambda: races.send(app.test_client(), approval)).result(timeout=30)]
        assert [status for status, _ in answers] == [200], answers
        providers.update(provider, {"deposit": 150_000})  # ... and the PATCH writes.
        db.session.commit()
    sums, balances = ledger_sums()
    assert sums == balances
    assert balances == (150_000, 0)


# ---------------------------------------------------------------- who may read an account


@pytest.mark.parametrize(
    ("user", "code", "status", "error"),
    [
        ("pm1", "P01", 200, None),
        ("pm2", "P02", 200, None),
        ("pm2", "P01", 404, "provider_not_found"),
        ("pm1", "P02", 404, "provider_not_found"),
        ("clerk", "P01", 200, None),
        ("planner", "P01", 200, None),
        ("admin", "P02", 200, None),
        ("tech1", "P01", 403, "role_forbidden"),
        ("dispatcher", "P01", 403, "role_forbidden"),
        ("agent", "P01", 403, "role_forbidden"),
    ],
)
def test_who_may_read_which_account(send, catalogue, user, code, status, error):
    response = send("get", f"/api/providers/{pid(code)}/account", user)
    if error is None:
        assert response.status_code == status, response.get_json()
        assert response.get_json()["provider_code"] == code
    else:
        assert_error(response, status, error)


def test_an_auditor_may_read_an_account(client, catalogue, as_role):
    response = client.get(f"/api/providers/{pid()}/account", headers=as_role("auditor"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["deposit"] == "1000.00"


def test_an_unknown_providers_account_is_not_found(send, catalogue):
    error = assert_error(send("get", "/api/providers/999999/account", "admin"), 404, "provider_not_found")
    assert "999999" in error["message"]


def test_a_provider_manager_is_told_the_same_for_another_provider_as_for_none(send, catalogue):
    other = assert_error(send("get", f"/api/providers/{pid('P02')}/account", "pm1"), 404, "provider_not_found")
    none = assert_error(send("get", "/api/providers/999999/account", "pm1"), 404, "provider_not_found")
    assert other["details"] == none["details"] == {}


# ---------------------------------------------------------------- settlements pay into the account

# spent before → figures after the 155.50 settlement, the settlement entry's change
SETTLEMENTS = {
    "no-credit-in-use": ([], ("1155.50", "0.00", "500.00", "1655.50"), ("settlement", "155.50", "0.00")),
    "repays-part-of-the-credit": (
        [("PANEL", 1), ("BOARD", 3)],
        ("0.00", "4.50", "495.50", "495.50"),
        ("settlement", "0.00", "-155.50"),
    ),
    "repays-the-credit-then-the-deposit": (
        [("PANEL", 1), ("BOARD", 2)],
        ("115.50", "0.00", "500.00", "615.50"),
        ("settlement", "115.50", "-40.00"),
    ),
}


@pytest.mark.parametrize(("spent", "after", "entry"), SETTLEMENTS.values(), ids=SETTLEMENTS.keys())
def test_a_settlement_pays_into_the_account_repaying_credit_first(spend, settle, account, spent, after, entry):
    if spent:
        spend(spent)
    statement = settle()
    assert statement["total"] == "155.50"
    body = account()
    assert figures(body) == after
    latest = body["entries"]["items"][0]
    assert change(latest) == entry
    assert (latest["settlement_id"], latest["requisition_id"]) == (statement["id"], None)
    assert statement["month"] in latest["reference"]


def test_a_refused_settlement_pays_nothing_in(call, settle, account, snapshot):
    statement = settle()
    money = account()
    before = snapshot()
    status, body = call("post", "/api/settlements", "admin", {"provider_id": pid(), "month": statement["month"]})
    assert (status, body["error"]["code"]) == (409, "statement_exists")
    assert snapshot() == before
    assert account() == money


def test_each_provider_is_credited_only_its_own_settlement(settle, account):
    settle()
    assert figures(account(code="P02")) == ("1000.00", "0.00", "500.00", "1500.00")
    assert [entry["kind"] for entry in account(code="P02")["entries"]["items"]] == ["opening"]


def test_provider_figures_are_the_sums_of_the_ledger_for_every_provider(spend, settle, pay_in):
    spend([("PANEL", 1), ("BOARD", 3)])
    settle()
    assert pay_in("20.00", code="P02")[0] == 201
    db.session.expire_all()
    for provider in db.session.scalars(select(Provider).order_by(Provider.id)):
        sums, balances = ledger_sums(provider.code)
        assert sums == balances, provider.code
