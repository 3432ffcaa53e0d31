"""Requisitions at the parts clerk's desk: who sees which, approval (RDC or HQ, and the money), rejection.

Figures of the catalogue (see conftest): BOARD 120.00, PANEL 800.00, REMOTE
15.00; RDC-370000 holds 3 BOARD; P01 has a deposit of 1000.00 and a credit
limit of 500.00, so it can be charged 1500.00 at most.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy import update

from server.extensions import db
from server.network.services import providers
from server.network.services import regions
from server.supply.models import Requisition
from tests.helpers import assert_error
from tests.races import send_together
from tests.supply.helpers import stock_row

# ---------------------------------------------------------------- helpers


@pytest.fixture
def approve(call):
    """``approve(requisition_id, user="clerk")`` → ``(status, body)``."""

    def post(requisition_id, user="clerk", **body):
        return call("post", f"/api/requisitions/{requisition_id}/approve", user, body)

    return post


@pytest.fixture
def reject(call):
    """``reject(requisition_id, reason="no stock anywhere", user="clerk")`` → ``(status, body)``."""

    def post(requisition_id, reason="no stock anywhere", user="clerk"):
        return call("post", f"/api/requisitions/{requisition_id}/reject", user, {"reason": reason})

    return post


@pytest.fixture
def raised(on_site, short):
    """``raised([(part_no, qty)], technician=None)`` → a pending requisition on a new job of that technician."""

    def make(lines, technician=None, user="tech1"):
        job = on_site(technician, serial=None)  # no serial: a unit has one open request at a time
        return short(job["id"], lines, user=user)

    return make


@pytest.fixture
def approved(raised, approve):
    """``approved([(part_no, qty)])`` → the JSON of a requisition on a new job, approved by the clerk."""

    def make(lines):
        status, body = approve(raised(lines)["id"])
        assert status == 200, body
        return body

    return make


@pytest.fixture
def account(call, catalogue):
    """``account()`` → P01's account as the admin reads it, with every entry."""

    def read():
        status, body = call("get", f"/api/providers/{providers.find('P01').id}/account?per_page=100", "admin")
        assert status == 200, body
        return body

    return read


@pytest.fixture
def plan(call):
    """``plan()`` → ``{part_no: to_order}`` of the headquarters plan, as the planner reads it."""

    def read():
        status, body = call("get", "/api/parts-plan", "planner")
        assert status == 200, body
        return {row["part_no"]: row["to_order"] for row in body["items"]}

    return read


def listed(call, user, query=""):
    status, body = call("get", f"/api/requisitions{query}", user)
    assert status == 200, body
    return [item["id"] for item in body["items"]]


def move_to_province(requisition_id, code):
    """Put a requisition in another province (no provider of the test world covers one outside 370000)."""
    db.session.execute(
        update(Requisition).where(Requisition.id == requisition_id).values(province_id=regions.find(code).id)
    )
    db.session.commit()


# ---------------------------------------------------------------- who sees what


@pytest.fixture
def spread(raised, catalogue):
    """Requisitions of several people: tech1's (a), tech2's (b), tech3's of P02 (d), tech1's moved to 440000 (c)."""
    made = {
        "a": raised([("BOARD", 1)]),
        "b": raised([("BOARD", 1)], technician=catalogue.tech2, user="tech2"),
        "c": raised([("REMOTE", 1)]),
        "d": raised([("PANEL", 1)], technician=catalogue.tech3, user="tech3"),
    }
    move_to_province(made["c"]["id"], "440000")
    return {name: requisition["id"] for name, requisition in made.items()}


@pytest.mark.parametrize(
    ("user", "seen"),
    [
        ("clerk", "abd"),
        ("clerk2", "c"),
        ("pm1", "abc"),
        ("pm2", "d"),
        ("tech1", "ac"),
        ("tech2", "b"),
        ("tech3", "d"),
        ("planner", "abcd"),
        ("admin", "abcd"),
    ],
)
def test_each_reader_lists_only_their_slice_of_requisitions(call, spread, user, seen):
    assert listed(call, user) == [spread[name] for name in seen]


@pytest.mark.parametrize(("user", "hidden"), [("clerk", "c"), ("clerk2", "a"), ("pm2", "a"), ("tech2", "a")])
def test_a_requisition_outside_the_callers_slice_is_not_found(send, spread, user, hidden):
    error = assert_error(send("get", f"/api/requisitions/{spread[hidden]}", user), 404, "requisition_not_found")
    assert error["details"] == {}


@pytest.mark.parametrize("user", ["agent", "dispatcher"])
def test_roles_outside_the_parts_flow_cannot_list_requisitions(send, catalogue, user):
    assert_error(send("get", "/api/requisitions", user), 403, "role_forbidden")


@pytest.fixture
def decided(raised, approve, reject):
    """One requisition of each status but received: pending (p), approved (a), rejected (r), raised in that order."""
    made = {name: raised([("BOARD", 1)])["id"] for name in "par"}
    assert approve(made["a"])[0] == 200
    assert reject(made["r"])[0] == 200
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "par"),
        ("?status=pending", "p"),
        ("?status=approved", "a"),
        ("?status=rejected", "r"),
        ("?status=received", ""),
        ("?status=pending&status=rejected", "pr"),
        ("?status=rejected&status=approved&status=pending", "par"),
    ],
)
def test_the_status_filter_is_repeatable(call, decided, query, expected):
    assert listed(call, "clerk", query) == [decided[name] for name in expected]


@pytest.mark.parametrize("query", ["?status=lost", "?status=pending&status=PENDING", "?job_id=x"])
def test_a_bad_filter_is_refused(send, catalogue, query):
    error = assert_error(send("get", f"/api/requisitions{query}", "clerk"), 422, "validation_error")
    assert set(error["details"]["fields"]) == {query[1:].split("=")[0]}


def test_the_list_is_oldest_first_by_when_raised_not_by_number(call, raised):
    first, second, third = (raised([("BOARD", 1)])["id"] for _ in range(3))
    earliest = db.session.scalar(select(Requisition.raised_at).where(Requisition.id == first))
    db.session.execute(
        update(Requisition).where(Requisition.id == third).values(raised_at=earliest - timedelta(hours=1))
    )
    db.session.commit()
    assert listed(call, "clerk") == [third, first, second]


# ---------------------------------------------------------------- approval: RDC or HQ

# lines asked → per part (rdc_qty, hq_qty), path, RDC sales order lines, BOARD (on_hand, reserved) at the RDC, plan
SPLITS = {
    "all-from-rdc": ([("BOARD", 2)], {"BOARD": (2, 0)}, "rdc", [("BOARD", 2)], (3, 2), {}),
    "rdc-to-the-last": ([("BOARD", 3)], {"BOARD": (3, 0)}, "rdc", [("BOARD", 3)], (3, 3), {}),
    "rdc-then-hq": ([("BOARD", 5)], {"BOARD": (3, 2)}, "hq", [("BOARD", 3)], (3, 3), {"BOARD": 2}),
    "all-from-hq": ([("PANEL", 1)], {"PANEL": (0, 1)}, "hq", None, (3, 0), {"PANEL": 1}),
    "mixed": (
        [("BOARD", 2), ("REMOTE", 4)],
        {"BOARD": (2, 0), "REMOTE": (0, 4)},
        "hq",
        [("BOARD", 2)],
        (3, 2),
        {"REMOTE": 4},
    ),
}
split_cases = pytest.mark.parametrize(
    ("lines", "split", "path", "order_lines", "board_stock", "planned"), SPLITS.values(), ids=SPLITS.keys()
)


@split_cases
def test_approval_splits_each_line_between_the_rdc_and_headquarters(
    raised, approve, lines, split, path, order_lines, board_stock, planned
):
    status, body = approve(raised(lines)["id"])
    assert status == 200, body
    assert {line["part_no"]: (line["rdc_qty"], line["hq_qty"]) for line in body["lines"]} == split
    assert (body["status"], body["path"]) == ("approved", path)


@split_cases
def test_the_rdc_part_becomes_one_sales_order(
    raised, approve, sales_orders, lines, split, path, order_lines, board_stock, planned
):
    requisition = raised(lines)
    assert approve(requisition["id"])[0] == 200
    made = sales_orders(requisition["id"], "clerk")
    if order_lines is None:
        assert made == []
        return
    [order] = made
    assert (order["source"], order["status"], order["warehouse"], order["provider_code"]) == (
        "rdc",
        "created",
        "RDC-370000",
        "P01",
    )
    assert [(line["part_no"], line["qty"]) for line in order["lines"]] == order_lines
    # The desks name the provider and the technician as people know them, not by code or username.
    assert order["provider_name"] == requisition["provider_name"] == "Provider P01"
    assert requisition["raised_by_name"] == "tech1"


@split_cases
def test_the_rdc_part_is_reserved_at_once(raised, approve, lines, split, path, order_lines, board_stock, planned):
    assert approve(raised(lines)["id"])[0] == 200
    assert stock_row("RDC-370000", "BOARD") == board_stock


@split_cases
def test_the_rest_joins_the_headquarters_plan(
    raised, approve, plan, lines, split, path, order_lines, board_stock, planned
):
    assert approve(raised(lines)["id"])[0] == 200
    assert plan() == planned


def test_the_reservation_is_written_in_the_stock_ledger(
    raised, approve, sales_orders, movements, stock_books, catalogue
):
    requisition = raised([("BOARD", 2)])
    assert approve(requisition["id"])[0] == 200
    [order] = sales_orders(requisition["id"], "clerk")
    assert movements("RDC-370000", "BOARD")[-1] == ("reserve", 0, f"order {order['number']}", catalogue.clerk.id)
    assert stock_books("RDC-370000", "BOARD") == (3, 3)


def test_a_second_approval_takes_only_what_the_first_left(approved):
    approved([("BOARD", 2)])
    second = approved([("BOARD", 2)])
    assert [(line["rdc_qty"], line["hq_qty"]) for line in second["lines"]] == [(1, 1)]
    assert stock_row("RDC-370000", "BOARD") == (3, 3)


@pytest.mark.parametrize("user", ["clerk", "admin"])
def test_approval_records_who_decided_when_and_for_how_much(raised, approve, user):
    status, body = approve(raised([("BOARD", 2), ("REMOTE", 1)])["id"], user=user, note="rush")
    assert status == 200, body
    assert (body["decided_by"], body["amount"], body["decision_note"]) == (user, "255.00", "rush")
    assert body["approved_at"] is not None
    assert (body["rejected_at"], body["reject_reason"]) == (None, "")


def test_approval_tells_the_technician_and_the_providers_managers(raised, approve, notified, fetch):
    requisition = raised([("BOARD", 1)])
    assert approve(requisition["id"])[0] == 200
    job_id = requisition["job_id"]
    told = {name: notified(name, "requisition_approved") for name in ("tech1", "pm1", "tech2", "pm2")}
    assert told == {"tech1": [job_id], "pm1": [job_id], "tech2": [], "pm2": []}


def test_approval_leaves_the_job_waiting_for_its_parts(raised, approve, fetch):
    requisition = raised([("BOARD", 1)])
    assert approve(requisition["id"])[0] == 200
    assert fetch(requisition["job_id"])["state"] == "waiting_parts"


# ---------------------------------------------------------------- approval: the money

# lines → (deposit, credit_used, credit_available, available), the order entry's (deposit_change, credit_change)
CHARGES = {
    "deposit-only": ([("BOARD", 2)], ("760.00", "0.00", "500.00", "1260.00"), ("-240.00", "0.00")),
    "deposit-then-credit": (
        [("PANEL", 1), ("BOARD", 3)],
        ("0.00", "160.00", "340.00", "340.00"),
        ("-1000.00", "160.00"),
    ),
    "to-the-credit-limit": (
        [("BOARD", 10), ("REMOTE", 20)],
        ("0.00", "500.00", "0.00", "0.00"),
        ("-1000.00", "500.00"),
    ),
}


@pytest.mark.parametrize(("lines", "figures", "entry"), CHARGES.values(), ids=CHARGES.keys())
def test_the_provider_pays_from_its_deposit_first_then_on_credit(raised, approve, account, lines, figures, entry):
    requisition = raised(lines)
    assert approve(requisition["id"])[0] == 200
    after = account()
    assert (after["deposit"], after["credit_used"], after["credit_available"], after["available"]) == figures
    order = after["entries"]["items"][0]
    assert (order["kind"], order["requisition_id"]) == ("order", requisition["id"])
    assert requisition["number"] in order["reference"]
    assert (order["deposit_change"], order["credit_change"]) == entry


def test_once_the_deposit_is_spent_orders_go_on_credit(approved, account):
    approved([("PANEL", 1), ("BOARD", 3)])  # 1160.00: the whole deposit and 160.00 of credit
    approved([("BOARD", 2)])  # 240.00
    after = account()
    assert (after["deposit"], after["credit_used"], after["available"]) == ("0.00", "400.00", "100.00")
    assert (after["entries"]["items"][0]["deposit_change"], after["entries"]["items"][0]["credit_change"]) == (
        "0.00",
        "240.00",
    )


def test_the_amount_charged_is_the_whole_requisition_even_the_part_through_headquarters(approved, account):
    body = approved([("BOARD", 5)])  # 3 from the RDC now, 2 later through HQ: 600.00 charged now
    assert body["amount"] == "600.00"
    assert account()["deposit"] == "400.00"


def line_sum(requisition):
    """The plain sum behind a requisition's amount, from its lines as the API shows them."""
    return sum(Decimal(line["price"]) * line["qty"] for line in requisition["lines"])


def test_a_pending_requisitions_amount_is_what_its_lines_add_up_to(raised, call, catalogue):
    requisition = raised([("BOARD", 2), ("REMOTE", 3)])  # 2 × 120.00 + 3 × 15.00

    one = call("get", f"/api/requisitions/{requisition['id']}", "clerk")[1]
    [listed] = call("get", "/api/requisitions?status=pending", "clerk")[1]["items"]
    on_the_job = call("get", f"/api/jobs/{requisition['job_id']}/parts", "tech1")[1]["requisitions"]

    assert [r["amount"] for r in (requisition, one, listed, *on_the_job)] == ["285.00"] * 4
    assert [line["amount"] for line in one["lines"]] == ["240.00", "45.00"]
    assert Decimal(one["amount"]) == line_sum(one) == sum(Decimal(line["amount"]) for line in one["lines"])
    assert db.session.get(Requisition, requisition["id"]).amount_cents == 28_500


def test_a_requisition_stored_without_its_amount_still_shows_the_sum_of_its_lines(raised, call):
    """Requisitions raised before the amount was kept at raising hold 0 until approved: the API reads the lines."""
    requisition = raised([("PANEL", 1), ("BOARD", 1)])
    db.session.execute(update(Requisition).where(Requisition.id == requisition["id"]).values(amount_cents=0))
    db.session.commit()

    body = call("get", f"/api/requisitions/{requisition['id']}", "clerk")[1]

    assert (body["amount"], line_sum(body)) == ("920.00", Decimal("920.00"))


def test_approval_charges_the_amount_the_pending_requisition_showed(raised, approve, account):
    requisition = raised([("BOARD", 2), ("REMOTE", 1)])
    before = Decimal(account()["available"])

    status, body = approve(requisition["id"])

    assert status == 200, body
    assert body["amount"] == requisition["amount"] == "255.00"
    assert before - Decimal(account()["available"]) == Decimal(requisition["amount"])


# lines, approved before → the details of the refusal
SHORTFALLS = {
    "two-panels": (
        [("PANEL", 2)],
        [],
        {"amount": "1600.00", "deposit": "1000.00", "credit_available": "500.00", "short_by": "100.00"},
    ),
    "one-remote-over": (
        [("BOARD", 10), ("REMOTE", 21)],
        [],
        {"amount": "1515.00", "deposit": "1000.00", "credit_available": "500.00", "short_by": "15.00"},
    ),
    "after-an-earlier-order": (
        [("PANEL", 1)],
        [("PANEL", 1), ("BOARD", 1)],
        {"amount": "800.00", "deposit": "80.00", "credit_available": "500.00", "short_by": "220.00"},
    ),
    "credit-partly-used": (
        [("PANEL", 1)],
        [("PANEL", 1), ("BOARD", 3)],
        {"amount": "800.00", "deposit": "0.00", "credit_available": "340.00", "short_by": "460.00"},
    ),
}


@pytest.mark.parametrize(("lines", "before", "details"), SHORTFALLS.values(), ids=SHORTFALLS.keys())
def test_approval_beyond_deposit_and_credit_is_refused_saying_by_how_much(
    send, raised, approved, lines, before, details
):
    if before:
        approved(before)
    requisition = raised(lines)
    error = assert_error(
        send("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {}), 409, "insufficient_funds"
    )
    assert error["details"] == details
    assert details["short_by"] in error["message"]


def test_a_refusal_for_want_of_money_changes_nothing(send, raised, snapshot):
    requisition = raised([("PANEL", 1), ("BOARD", 2), ("REMOTE", 40)])  # 1640.00
    before = snapshot()
    assert send("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {}).status_code == 409
    assert snapshot() == before


def test_after_a_refusal_for_want_of_money_nothing_is_ordered_reserved_or_charged(
    send, call, raised, sales_orders, account, plan
):
    requisition = raised([("PANEL", 1), ("BOARD", 2), ("REMOTE", 40)])  # 1640.00
    money = account()
    assert send("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {}).status_code == 409
    body = call("get", f"/api/requisitions/{requisition['id']}", "clerk")[1]
    # 800.00 + 2 × 120.00 + 40 × 15.00: the amount asked for, not charged.
    assert (body["status"], body["path"], body["amount"], body["decided_by"]) == ("pending", None, "1640.00", None)
    assert [(line["rdc_qty"], line["hq_qty"]) for line in body["lines"]] == [(0, 0), (0, 0), (0, 0)]
    assert sales_orders(requisition["id"], "clerk") == []
    assert stock_row("RDC-370000", "BOARD") == (3, 0)
    assert account() == money
    assert plan() == {}


def test_a_requisition_refused_for_money_is_approved_once_the_provider_pays_in(send, call, raised, approve):
    requisition = raised([("PANEL", 2)])  # 1600.00, 100.00 more than P01 has
    assert send("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {}).status_code == 409
    status, body = call(
        "post",
        f"/api/providers/{providers.find('P01').id}/account/deposits",
        "admin",
        {"amount": "100.00", "reference": "bank"},
    )
    assert status == 201, body
    status, body = approve(requisition["id"])
    assert (status, body["status"]) == (200, "approved")


# ---------------------------------------------------------------- a decision is taken once, by the right clerk


@pytest.mark.parametrize(
    ("first", "second", "status"),
    [
        ("approve", "approve", "approved"),
        ("approve", "reject", "approved"),
        ("reject", "approve", "rejected"),
        ("reject", "reject", "rejected"),
    ],
)
def test_a_decided_requisition_cannot_be_decided_again(send, raised, first, second, status):
    requisition = raised([("BOARD", 1)])
    body = {"reason": "no"} if first == "reject" else {}
    assert send("post", f"/api/requisitions/{requisition['id']}/{first}", "clerk", body).status_code == 200
    body = {"reason": "no"} if second == "reject" else {}
    error = assert_error(
        send("post", f"/api/requisitions/{requisition['id']}/{second}", "clerk", body), 409, "already_decided"
    )
    assert error["details"] == {"status": status}


@pytest.mark.parametrize(("first", "second"), [("approve", "approve"), ("reject", "approve"), ("approve", "reject")])
def test_a_second_decision_changes_nothing(send, raised, snapshot, first, second):
    requisition = raised([("BOARD", 1)])
    bodies = {"approve": {}, "reject": {"reason": "no"}}
    assert send("post", f"/api/requisitions/{requisition['id']}/{first}", "clerk", bodies[first]).status_code == 200
    before = snapshot()
    response = send("post", f"/api/requisitions/{requisition['id']}/{second}", "clerk", bodies[second])
    assert response.status_code == 409
    assert snapshot() == before


@pytest.mark.parametrize(("action", "body"), [("approve", {}), ("reject", {"reason": "not ours"})])
def test_a_clerk_of_another_province_cannot_decide(send, raised, snapshot, action, body):
    requisition = raised([("BOARD", 1)])
    before = snapshot()
    response = send("post", f"/api/requisitions/{requisition['id']}/{action}", "clerk2", body)
    error = assert_error(response, 404, "requisition_not_found")
    assert str(requisition["id"]) in error["message"]
    assert snapshot() == before


@pytest.mark.parametrize(("action", "body"), [("approve", {}), ("reject", {"reason": "no"})])
def test_an_unknown_requisition_is_not_found(send, catalogue, action, body):
    assert_error(send("post", f"/api/requisitions/999999/{action}", "clerk", body), 404, "requisition_not_found")


@pytest.mark.parametrize("user", ["tech1", "pm1", "planner", "dispatcher"])
@pytest.mark.parametrize(("action", "body"), [("approve", {}), ("reject", {"reason": "no"})])
def test_only_clerks_and_admins_decide(send, raised, snapshot, user, action, body):
    requisition = raised([("BOARD", 1)])
    before = snapshot()
    assert_error(send("post", f"/api/requisitions/{requisition['id']}/{action}", user, body), 403, "role_forbidden")
    assert snapshot() == before


# ---------------------------------------------------------------- rejection


@pytest.mark.parametrize(
    "body",
    [{"reason": ""}, {"reason": "   "}, {"reason": "\t\n"}, {}, {"reason": None}, {"reason": "x" * 501}],
    ids=["empty", "spaces", "whitespace", "missing", "null", "too-long"],
)
def test_a_rejection_needs_a_reason(send, raised, snapshot, body):
    requisition = raised([("BOARD", 1)])
    before = snapshot()
    response = send("post", f"/api/requisitions/{requisition['id']}/reject", "clerk", body)
    assert_error(response, 422, "validation_error", fields={"reason"})
    assert snapshot() == before


def test_a_rejection_records_who_when_and_why(raised, reject):
    status, body = reject(raised([("BOARD", 1)])["id"], reason="  wrong part for this model  ")
    assert status == 200, body
    assert (body["status"], body["reject_reason"], body["decided_by"]) == (
        "rejected",
        "wrong part for this model",
        "clerk",
    )
    assert body["rejected_at"] is not None
    # BOARD × 1: the amount asked for, never charged (the account tests below).
    assert (body["approved_at"], body["path"], body["amount"]) == (None, None, "120.00")


def test_a_rejection_charges_reserves_and_plans_nothing(raised, reject, account, plan, sales_orders):
    requisition = raised([("BOARD", 5)])
    money = account()
    assert reject(requisition["id"])[0] == 200
    orders = sales_orders(requisition["id"], "clerk")
    assert (account(), stock_row("RDC-370000", "BOARD"), plan(), orders) == (money, (3, 0), {}, [])


def test_a_rejection_sends_the_job_back_to_its_technician(raised, reject, fetch, events):
    requisition = raised([("BOARD", 1)])
    assert reject(requisition["id"], reason="discontinued")[0] == 200
    assert fetch(requisition["job_id"])["state"] == "accepted"
    last = events(requisition["job_id"])[-1]
    assert (last["kind"], last["from_state"], last["to_state"], last["actor"]) == (
        "parts_refused",
        "waiting_parts",
        "accepted",
        None,
    )
    assert requisition["number"] in last["note"]
    assert "discontinued" in last["note"]


def test_a_rejection_tells_the_technician(raised, reject, notified):
    requisition = raised([("BOARD", 1)])
    assert reject(requisition["id"])[0] == 200
    assert (notified("tech1", "parts_refused"), notified("tech2", "parts_refused")) == ([requisition["job_id"]], [])


@pytest.mark.parametrize("other", ["pending", "approved"])
def test_a_rejection_keeps_the_job_waiting_while_another_requisition_is_open(
    on_site, short, approve, reject, fetch, events, notified, other
):
    job = on_site(serial=None)
    kept = short(job["id"], [("BOARD", 1)])
    refused = short(job["id"], [("PANEL", 1)])
    if other == "approved":
        assert approve(kept["id"])[0] == 200
    assert reject(refused["id"])[0] == 200
    assert fetch(job["id"])["state"] == "waiting_parts"
    assert "parts_refused" not in [event["kind"] for event in events(job["id"])]
    assert notified("tech1", "parts_refused") == []
    assert notified("tech1", "requisition_rejected") == [job["id"]]


def test_the_technician_may_arrive_again_after_a_rejection(call, raised, reject, fetch):
    requisition = raised([("BOARD", 1)])
    assert reject(requisition["id"])[0] == 200
    status, body = call("post", f"/api/jobs/{requisition['job_id']}/arrive", "tech1", {})
    assert status == 200, body
    assert fetch(requisition["job_id"])["state"] == "on_site"


# ---------------------------------------------------------------- the clerk's view of one requisition


def test_one_requisition_shows_the_free_rdc_stock_of_each_line(call, raised):
    requisition = raised([("BOARD", 5), ("PANEL", 1)])
    status, body = call("get", f"/api/requisitions/{requisition['id']}", "clerk")
    assert status == 200, body
    assert {line["part_no"]: line["rdc_available"] for line in body["lines"]} == {"BOARD": 3, "PANEL": 0}


def test_the_free_rdc_stock_leaves_out_what_other_approvals_reserved(call, raised, approved):
    requisition = raised([("BOARD", 5)])
    approved([("BOARD", 2)])
    body = call("get", f"/api/requisitions/{requisition['id']}", "clerk")[1]
    assert [line["rdc_available"] for line in body["lines"]] == [1]


def test_the_list_does_not_show_rdc_stock(call, raised):
    raised([("BOARD", 1)])
    body = call("get", "/api/requisitions", "clerk")[1]
    assert [line["rdc_available"] for line in body["items"][0]["lines"]] == [None]


def test_a_requisition_in_a_province_without_an_rdc_shows_no_free_stock(call, raised):
    requisition = raised([("BOARD", 1)])
    move_to_province(requisition["id"], "440000")
    body = call("get", f"/api/requisitions/{requisition['id']}", "clerk2")[1]
    assert [line["rdc_available"] for line in body["lines"]] == [0]


def test_a_province_without_an_rdc_sends_everything_through_headquarters(raised, approve, plan):
    requisition = raised([("BOARD", 2)])
    move_to_province(requisition["id"], "440000")
    status, body = approve(requisition["id"], user="clerk2")
    assert status == 200, body
    assert (body["path"], [(line["rdc_qty"], line["hq_qty"]) for line in body["lines"]]) == ("hq", [(0, 2)])
    assert plan() == {"BOARD": 2}


# ---------------------------------------------------------------- decisions at the same moment

ROUNDS = 3


@pytest.mark.commits
def test_two_approvals_of_one_requisition_at_once_charge_it_once(app, raised, catalogue, account):
    """The clerk and an admin approve the same requisition at the same moment, three times over."""
    for round_ in range(ROUNDS):
        requisition = raised([("BOARD", 1)])  # 120.00, one BOARD from the RDC
        path = f"/api/requisitions/{requisition['id']}/approve"
        answers = send_together(
            app, [("POST", path, {}, catalogue.clerk.headers), ("POST", path, {}, catalogue.admin.headers)]
        )
        assert sorted(status for status, _ in answers) == [200, 409], (round_, answers)
        assert [body["error"]["code"] for status, body in answers if status == 409] == ["already_decided"]
    body = account()
    assert (body["deposit"], [entry["kind"] for entry in body["entries"]["items"]]) == (
        "640.00",
        ["order"] * ROUNDS + ["opening"],
    )


@pytest.mark.commits
def test_two_approvals_competing_for_the_last_of_the_money_never_both_pass(app, raised, catalogue, account):
    """Two requisitions of 800.00 each; P01 can pay 1500.00: one is approved, the other refused for money."""
    first, second = raised([("PANEL", 1)]), raised([("PANEL", 1)])
    answers = send_together(
        app,
        [
            ("POST", f"/api/requisitions/{first['id']}/approve", {}, catalogue.clerk.headers),
            ("POST", f"/api/requisitions/{second['id']}/approve", {}, catalogue.admin.headers),
        ],
    )
    assert sorted(status for status, _ in answers) == [200, 409], answers
    [refused] = [body for status, body in answers if status == 409]
    assert (refused["error"]["code"], refused["error"]["details"]["short_by"]) == ("insufficient_funds", "100.00")
    assert figures_of(account()) == ("200.00", "0.00")


@pytest.mark.commits
def test_two_approvals_competing_for_the_last_rdc_stock_never_reserve_more_than_there_is(app, raised, catalogue):
    """Two requisitions of 2 BOARD each, 3 at the RDC: 2 + 1 from the RDC, the last one through headquarters."""
    first, second = raised([("BOARD", 2)]), raised([("BOARD", 2)])
    answers = send_together(
        app,
        [
            ("POST", f"/api/requisitions/{first['id']}/approve", {}, catalogue.clerk.headers),
            ("POST", f"/api/requisitions/{second['id']}/approve", {}, catalogue.admin.headers),
        ],
    )
    assert [status for status, _ in answers] == [200, 200], answers
    splits = sorted((body["lines"][0]["rdc_qty"], body["lines"][0]["hq_qty"]) for _, body in answers)
    assert splits == [(1, 1), (2, 0)]
    assert stock_row("RDC-370000", "BOARD") == (3, 3)


def figures_of(body):
    return body["deposit"], body["credit_used"]


def test_the_clerks_note_on_approval_keeps_the_technicians_note(call, on_site):
    job = on_site()
    status, raised = call(
        "post", f"/api/jobs/{job['id']}/shortages", "tech1", {"parts": [{"part_no": "BOARD", "qty": 1}], "note": "板坏"}
    )
    assert status == 201, raised
    status, body = call("post", f"/api/requisitions/{raised['id']}/approve", "clerk", {"note": "加急"})
    assert status == 200, body
    assert (body["note"], body["decision_note"]) == ("板坏", "加急")
