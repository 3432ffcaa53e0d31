"""The headquarters parts plan: what the RDCs could not cover, ordered from the factory and sent on when it comes.

Two provinces wait on headquarters here: 370000 (clerk ``clerk``, RDC with 3
BOARD, provider P01 and ``tech1``) and 440000 (clerk ``clerk2``, an RDC with
nothing, provider P44 with ``tech44`` and ``pm44``, built by ``canton``).
HQ holds no stock unless a test gives it some.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from sqlalchemy import update

from server.extensions import db
from server.scheduler.runner import Scheduler
from server.scheduler.tasks import task_by_id
from server.supply.models import PlanLine
from server.supply.models import PurchaseOrder
from server.supply.models import Requisition
from tests.supply.helpers import CLERK_OF
from tests.supply.helpers import stock_row

# ---------------------------------------------------------------- fixtures


@pytest.fixture
def plan(call):
    """``plan()`` → the plan's rows by part number, as the planner reads them."""

    def read():
        status, body = call("get", "/api/parts-plan", "planner")
        assert status == 200, body
        return {row["part_no"]: row for row in body["items"]}

    return read


def figures(rows):
    """``{part_no: (waiting, on_order, to_order, lines)}`` of the plan's rows."""
    return {part_no: (row["waiting"], row["on_order"], row["to_order"], row["lines"]) for part_no, row in rows.items()}


@pytest.fixture
def roll_up(call):
    """``roll_up()`` → ``(status, body)`` of the planner's POST /api/purchase-orders: ``body`` is
    ``{"purchase_order", "sales_orders"}`` when it answers 200 or 201, an error otherwise."""

    def post():
        return call("post", "/api/purchase-orders", "planner")

    return post


@pytest.fixture
def ordered(roll_up):
    """``ordered()`` → the purchase order of a roll-up now (201 asserted)."""

    def run():
        status, body = roll_up()
        assert status == 201, body
        return body["purchase_order"]

    return run


@pytest.fixture
def orders_of(sales_orders):
    """``orders_of(requisition)`` → its sales orders as ``(source, warehouse, status, [(part_no, qty)])``."""

    def read(requisition):
        return [
            (o["source"], o["warehouse"], o["status"], [(line["part_no"], line["qty"]) for line in o["lines"]])
            for o in sales_orders(requisition["id"])
        ]

    return read


@pytest.fixture
def latest_order(sales_orders):
    """``latest_order(requisition)`` → the JSON of its newest sales order, as GET /api/sales-orders gives it."""

    def read(requisition):
        return sales_orders(requisition["id"])[-1]

    return read


def po_lines(order):
    return [(line["part_no"], line["qty"], line["received_qty"]) for line in order["lines"]]


def make_older(requisition, than):
    """Stamp ``requisition`` (and its plan lines) as raised a day before ``than``.

    The API stamps ``raised_at`` with the moment of the request, so the order of
    creation would always be the order of age; set directly, the oldest-first rule
    is shown to follow the stamp, not the row id.
    """
    older = db.session.get(Requisition, than["id"]).raised_at - timedelta(days=1)
    db.session.execute(update(Requisition).where(Requisition.id == requisition["id"]).values(raised_at=older))
    line_ids = [line.id for line in db.session.get(Requisition, requisition["id"]).lines]
    db.session.execute(update(PlanLine).where(PlanLine.requisition_line_id.in_(line_ids)).values(raised_at=older))
    db.session.commit()


@pytest.fixture
def waiting(approved):
    """Two requisitions waiting on headquarters: ``older`` in 370000 (BOARD 4, REMOTE 2: the RDC covers 3 BOARD)
    and ``newer`` in 440000 (BOARD 2, REMOTE 1, none in its RDC). The plan: BOARD 3, REMOTE 3."""

    return SimpleNamespace(
        older=approved([("BOARD", 4), ("REMOTE", 2)], "370000"),
        newer=approved([("BOARD", 2), ("REMOTE", 1)], "440000"),
    )


# ---------------------------------------------------------------- the plan


def test_an_empty_plan_has_no_rows(call, catalogue):
    status, body = call("get", "/api/parts-plan", "planner")

    assert status == 200, body
    assert body == {"items": []}


def test_a_requisition_the_rdc_covers_adds_nothing_to_the_plan(approved, plan):
    requisition = approved([("BOARD", 3)])

    assert requisition["path"] == "rdc"
    assert plan() == {}


def test_the_plan_sums_each_part_over_the_requisitions_waiting(waiting, plan):
    assert figures(plan()) == {"BOARD": (3, 0, 3, 2), "REMOTE": (3, 0, 3, 2)}


def test_the_plan_shows_each_parts_name_and_oldest_need(waiting, plan):
    rows = plan()

    assert [(row["name"], row["oldest_raised_at"]) for row in rows.values()] == [
        ("Main board", waiting.older["raised_at"]),
        ("Remote", waiting.older["raised_at"]),
    ]


def test_the_oldest_need_follows_the_requisitions_stamp(waiting, plan):
    make_older(waiting.newer, than=waiting.older)
    db.session.expire_all()
    newer_stamp = db.session.get(Requisition, waiting.newer["id"]).raised_at

    assert {row["oldest_raised_at"] for row in plan().values()} == {newer_stamp.isoformat()}


# ---------------------------------------------------------------- rolling up


def test_a_roll_up_orders_the_plan_as_one_purchase_order_with_a_line_per_part(waiting, roll_up):
    status, body = roll_up()

    assert status == 201, body
    order = body["purchase_order"]
    assert (order["number"], order["status"], order["received_at"]) == (f"PO{order['id']:08d}", "ordered", None)
    assert po_lines(order) == [("BOARD", 3, 0), ("REMOTE", 3, 0)]
    assert body["sales_orders"] == []


def test_a_roll_up_puts_the_plan_on_order(waiting, roll_up, plan):
    roll_up()

    assert figures(plan()) == {"BOARD": (3, 3, 0, 2), "REMOTE": (3, 3, 0, 2)}


def test_a_second_roll_up_has_nothing_to_order_and_changes_nothing(waiting, ordered, roll_up, call, snapshot):
    ordered()
    before = snapshot()

    status, body = roll_up()

    assert status == 409, body
    assert body["error"]["code"] == "nothing_to_order"
    assert snapshot() == before
    assert call("get", "/api/purchase-orders", "planner")[1]["total"] == 1


def test_a_roll_up_of_an_empty_plan_has_nothing_to_order(roll_up, call, snapshot):
    before = snapshot()

    status, body = roll_up()

    assert status == 409, body
    assert body["error"]["code"] == "nothing_to_order"
    assert snapshot() == before
    assert call("get", "/api/purchase-orders", "planner")[1]["total"] == 0


def test_a_need_raised_after_a_roll_up_goes_on_the_next_order_alone(waiting, ordered, approved, plan):
    ordered()
    approved([("BOARD", 2)], "440000")

    order = ordered()

    assert po_lines(order) == [("BOARD", 2, 0)]
    assert figures(plan())["BOARD"] == (5, 5, 0, 3)


def test_a_roll_up_sends_hq_stock_before_ordering_the_rest(waiting, make_stock, roll_up, plan, orders_of):
    make_stock("HQ", "BOARD", 5)

    status, body = roll_up()

    assert status == 201, body
    assert po_lines(body["purchase_order"]) == [("REMOTE", 3, 0)]
    assert figures(plan()) == {"REMOTE": (3, 3, 0, 2)}
    assert orders_of(waiting.older)[1:] == [("hq", "RDC-370000", "created", [("BOARD", 1)])]
    assert orders_of(waiting.newer) == [("hq", "RDC-440000", "created", [("BOARD", 2)])]
    assert stock_row("HQ", "BOARD") == (2, 0)


def test_the_201_answer_of_a_roll_up_lists_the_sales_orders_hq_stock_filled(waiting, make_stock, roll_up, latest_order):
    make_stock("HQ", "BOARD", 5)

    status, body = roll_up()

    assert status == 201, body
    raised = [latest_order(r) for r in (waiting.older, waiting.newer)]
    assert body["sales_orders"] == raised


def test_a_roll_up_that_hq_stock_covers_whole_keeps_what_it_sent(approved, make_stock, roll_up, plan, orders_of, call):
    """Nothing is left to order once HQ stock has filled the plan: the roll-up answers 200 with no purchase
    order, and the parts it sent stay sent (an earlier 409 rolled the fill back)."""
    requisition = approved([("BOARD", 5)])
    make_stock("HQ", "BOARD", 5)

    status, body = roll_up()

    assert status == 200, body
    assert body["purchase_order"] is None
    assert [(o["source"], o["requisition_id"]) for o in body["sales_orders"]] == [("hq", requisition["id"])]
    assert plan() == {}
    assert orders_of(requisition)[1:] == [("hq", "RDC-370000", "created", [("BOARD", 2)])]
    assert stock_row("HQ", "BOARD") == (3, 0)
    assert call("get", "/api/purchase-orders", "planner")[1]["total"] == 0


@pytest.mark.parametrize("warehouse", ["HQ", "RDC-370000"])
def test_a_roll_up_that_hq_stock_covers_whole_keeps_every_stock_book_balanced(
    approved, make_stock, roll_up, stock_books, warehouse
):
    approved([("BOARD", 5)])
    make_stock("HQ", "BOARD", 5)

    assert roll_up()[0] == 200

    on_hand, ledger = stock_books(warehouse, "BOARD")
    assert on_hand == ledger


def test_the_200_answer_of_a_roll_up_filled_from_hq_stock_lists_the_sales_orders_it_raised(
    approved, make_stock, roll_up, latest_order
):
    older = approved([("BOARD", 4), ("REMOTE", 1)], "370000")  # BOARD 1 and REMOTE 1 through HQ
    newer = approved([("BOARD", 2)], "440000")
    make_stock("HQ", "BOARD", 3)
    make_stock("HQ", "REMOTE", 1)

    status, body = roll_up()

    assert status == 200, body
    assert body["purchase_order"] is None
    raised = [latest_order(r) for r in (older, newer)]
    assert body["sales_orders"] == raised
    assert [
        (o["source"], o["warehouse"], o["status"], [(line["part_no"], line["qty"]) for line in o["lines"]])
        for o in body["sales_orders"]
    ] == [
        ("hq", "RDC-370000", "created", [("BOARD", 1), ("REMOTE", 1)]),
        ("hq", "RDC-440000", "created", [("BOARD", 2)]),
    ]


def test_a_roll_up_filled_from_hq_stock_then_has_nothing_left(approved, make_stock, roll_up, snapshot):
    approved([("BOARD", 5)])
    make_stock("HQ", "BOARD", 2)
    assert roll_up()[0] == 200
    before = snapshot()

    status, body = roll_up()

    assert status == 409, body
    assert body["error"]["code"] == "nothing_to_order"
    assert snapshot() == before


def test_hq_stock_fills_a_need_already_on_order_and_the_order_stays_on_the_plan(
    approved, ordered, make_stock, roll_up, plan
):
    approved([("BOARD", 5)])  # 2 through HQ
    ordered()
    make_stock("HQ", "BOARD", 2)

    status, body = roll_up()

    assert status == 200, body
    assert body["purchase_order"] is None
    assert len(body["sales_orders"]) == 1
    rows = plan()
    assert figures(rows) == {"BOARD": (0, 2, 0, 0)}
    assert rows["BOARD"]["oldest_raised_at"] is None


# ---------------------------------------------------------------- the scheduler's roll-up


@pytest.fixture
def run_rollup(app):
    """``run_rollup()`` → the recorded run of the scheduler's ``parts.plan_rollup`` task, run once now."""
    made = []

    def run():
        made.append(Scheduler(app, (task_by_id("parts.plan_rollup"),), worker="test-host:1"))
        return made[-1].run_task(made[-1].tasks[0])

    yield run
    for scheduler in made:
        scheduler.lock.release()


def test_the_scheduled_roll_up_orders_the_plan(waiting, run_rollup, plan):
    run = run_rollup()

    order = db.session.scalar(select(PurchaseOrder))
    assert (run.outcome, run.detail) == ("ok", f"purchase order {order.number} raised for 2 part(s)")
    assert (order.status, order.created_by_id) == ("ordered", None)
    assert figures(plan()) == {"BOARD": (3, 3, 0, 2), "REMOTE": (3, 3, 0, 2)}


def test_the_scheduled_roll_up_of_an_empty_plan_says_there_is_nothing_to_order(catalogue, run_rollup):
    run = run_rollup()

    assert (run.outcome, run.detail) == ("ok", "nothing in the parts plan to order")
    assert db.session.scalar(select(PurchaseOrder)) is None


def test_the_scheduled_roll_up_sends_hq_stock_without_ordering(approved, make_stock, run_rollup, plan, orders_of):
    requisition = approved([("BOARD", 5)])
    make_stock("HQ", "BOARD", 5)

    run = run_rollup()

    assert (run.outcome, run.detail) == (
        "ok",
        "1 sales order(s) filled from HQ stock; nothing in the parts plan to order",
    )
    assert db.session.scalar(select(PurchaseOrder)) is None
    assert plan() == {}
    assert orders_of(requisition)[1:] == [("hq", "RDC-370000", "created", [("BOARD", 2)])]
    assert stock_row("HQ", "BOARD") == (3, 0)


def test_the_scheduled_roll_up_sends_hq_stock_and_orders_the_rest(waiting, make_stock, run_rollup, plan):
    make_stock("HQ", "BOARD", 5)

    run = run_rollup()

    order = db.session.scalar(select(PurchaseOrder))
    assert (run.outcome, run.detail) == (
        "ok",
        f"2 sales order(s) filled from HQ stock; purchase order {order.number} raised for 1 part(s)",
    )
    assert figures(plan()) == {"REMOTE": (3, 3, 0, 2)}


# ---------------------------------------------------------------- receiving a purchase order


@pytest.fixture(params=["370000", "440000"], ids=["older_in_370000", "older_in_440000"])
def on_order(request, approved, ordered):
    """BOARD on order for two provinces: 370000's requisition (BOARD 5, the RDC covers 3) and 440000's (BOARD 2),
    one purchase order of BOARD 4. Parametrised by which requisition is the older (its ``raised_at``).

    ``on_order.older`` / ``.newer``: the requisitions; ``.order``: the purchase order; ``.rdc``: the RDC of each.
    """
    first = approved([("BOARD", 5)], "370000")
    second = approved([("BOARD", 2)], "440000")
    if request.param == "440000":
        make_older(second, than=first)
        first, second = second, first
    return SimpleNamespace(
        older=first,
        newer=second,
        order=ordered(),
        rdc={r["id"]: f"RDC-{r['province_code']}" for r in (first, second)},
    )


@pytest.fixture
def receive(call, on_order):
    """``receive(lines=None)`` → ``(status, body)`` of the planner receiving ``on_order.order``."""

    def post(lines=None, order_id=None):
        body = {} if lines is None else {"lines": [{"part_no": p, "qty": q} for p, q in lines]}
        return call("post", f"/api/purchase-orders/{order_id or on_order.order['id']}/receive", "planner", body)

    return post


def test_receiving_an_order_in_full_records_what_came(on_order, receive):
    status, order = receive()

    assert status == 200, order
    assert (order["id"], order["status"]) == (on_order.order["id"], "received")
    assert order["received_at"] is not None
    assert po_lines(order) == [("BOARD", 4, 4)]


def test_the_plan_shows_the_order_until_it_is_received(on_order, plan):
    assert figures(plan()) == {"BOARD": (4, 4, 0, 2)}


def test_receiving_an_order_in_full_fills_every_need(on_order, receive, plan, orders_of):
    receive()

    assert plan() == {}
    assert [orders_of(r)[-1] for r in (on_order.older, on_order.newer)] == [
        ("hq", on_order.rdc[r["id"]], "created", [("BOARD", 2)]) for r in (on_order.older, on_order.newer)
    ]


def test_a_short_receipt_records_the_quantity_counted(receive):
    status, order = receive([("BOARD", 3)])

    assert status == 200, order
    assert po_lines(order) == [("BOARD", 4, 3)]


def test_a_short_receipt_fills_the_oldest_requisition_first(on_order, receive, orders_of):
    receive([("BOARD", 3)])

    assert orders_of(on_order.older)[-1] == ("hq", on_order.rdc[on_order.older["id"]], "created", [("BOARD", 2)])
    assert orders_of(on_order.newer)[-1] == ("hq", on_order.rdc[on_order.newer["id"]], "created", [("BOARD", 1)])


def test_the_parts_from_headquarters_are_reserved_at_each_requisitions_rdc(on_order, receive):
    receive([("BOARD", 3)])

    # RDC-370000 holds its own 3 (reserved for the RDC order at approval) and what came from HQ.
    expected = {"RDC-370000": 3, "RDC-440000": 0}
    expected[on_order.rdc[on_order.older["id"]]] += 2
    expected[on_order.rdc[on_order.newer["id"]]] += 1
    assert {rdc: stock_row(rdc, "BOARD") for rdc in expected} == {rdc: (n, n) for rdc, n in expected.items()}


@pytest.mark.parametrize("warehouse", ["HQ", "RDC-370000", "RDC-440000"])
def test_a_short_receipt_keeps_every_stock_book_balanced(receive, stock_books, warehouse):
    receive([("BOARD", 3)])

    on_hand, ledger = stock_books(warehouse, "BOARD")
    assert on_hand == ledger


def test_a_short_receipt_moves_the_parts_through_hq_oldest_need_first(on_order, receive, movements):
    receive([("BOARD", 3)])

    assert [(kind, delta) for kind, delta, _, _ in movements("HQ", "BOARD")] == [
        ("receipt", 3),
        ("transfer_out", -2),
        ("transfer_out", -1),
    ]


def test_what_a_short_receipt_leaves_unfilled_goes_back_to_the_plan(on_order, receive, plan):
    receive([("BOARD", 3)])

    rows = plan()
    assert figures(rows) == {"BOARD": (1, 0, 1, 1)}
    assert rows["BOARD"]["oldest_raised_at"] == on_order.newer["raised_at"]


def test_the_next_roll_up_orders_what_a_short_receipt_left_unfilled(receive, ordered, plan):
    receive([("BOARD", 3)])

    order = ordered()

    assert po_lines(order) == [("BOARD", 1, 0)]
    assert figures(plan()) == {"BOARD": (1, 1, 0, 1)}


def test_a_receipt_of_nothing_sends_every_need_back_to_the_plan(receive, plan):
    receive([("BOARD", 0)])

    assert figures(plan()) == {"BOARD": (4, 0, 4, 2)}


def test_the_next_roll_up_orders_again_what_a_receipt_of_nothing_left(receive, ordered):
    receive([("BOARD", 0)])

    assert po_lines(ordered()) == [("BOARD", 4, 0)]


def test_an_over_delivery_stays_free_at_hq(receive, plan):
    receive([("BOARD", 6)])

    assert plan() == {}
    assert stock_row("HQ", "BOARD") == (2, 0)


def test_an_over_delivery_fills_the_next_need_at_the_next_roll_up(receive, approved, roll_up, plan, orders_of):
    receive([("BOARD", 6)])
    requisition = approved([("BOARD", 2)], "440000")

    status, body = roll_up()

    assert status == 200, body
    assert body["purchase_order"] is None
    assert orders_of(requisition) == [("hq", "RDC-440000", "created", [("BOARD", 2)])]
    assert plan() == {}
    assert stock_row("HQ", "BOARD") == (0, 0)


def test_the_clerks_hear_that_parts_came_from_headquarters(on_order, receive, call):
    receive()

    for requisition in (on_order.older, on_order.newer):
        clerk = CLERK_OF[requisition["province_code"]]
        status, page = call("get", "/api/notifications", clerk)
        assert status == 200, page
        ready = [n["data"] for n in page["items"] if n["kind"] == "sales_order_ready"]
        order_id = call("get", f"/api/sales-orders?requisition_id={requisition['id']}", "admin")[1]["items"][-1]["id"]
        assert ready == [{"requisition_id": requisition["id"], "sales_order_id": order_id}]


def test_receiving_an_order_twice_is_refused_and_changes_nothing(on_order, receive, snapshot):
    receive([("BOARD", 3)])
    before = snapshot()

    status, body = receive()

    assert status == 409, body
    assert body["error"]["code"] == "already_received"
    assert on_order.order["number"] in body["error"]["message"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("lines", "field_errors"),
    [
        ([{"part_no": "PANEL", "qty": 1}], {"lines": ["part(s) not on purchase order {number}: PANEL"]}),
        (
            [{"part_no": "BOARD", "qty": 4}, {"part_no": "NOPE", "qty": 1}],
            {"lines": ["part(s) not on purchase order {number}: NOPE"]},
        ),
        (
            [{"part_no": "BOARD", "qty": -1}],
            {"lines": {"0": {"qty": ["Must be greater than or equal to 0 and less than or equal to 10000000."]}}},
        ),
        ([{"part_no": "BOARD", "qty": "3"}], {"lines": {"0": {"qty": ["Not a valid integer."]}}}),
        ([{"part_no": "BOARD", "qty": 1}, {"part_no": "BOARD", "qty": 2}], {"lines": ["Give each part once."]}),
        # A line without its part number reached the one-line-per-part check, which read it (KeyError, a 500).
        ([{"qty": 0}], {"lines": {"0": {"part_no": ["Missing data for required field."]}}}),
        ([5], {"lines": {"0": {"_schema": ["Invalid input type."]}}}),
        (
            [{"part_no": "BOARD", "qty": 1}, {"qty": 2}],
            {"lines": {"1": {"part_no": ["Missing data for required field."]}}},
        ),
    ],
    ids=[
        "part_not_on_the_order",
        "unknown_part",
        "negative_qty",
        "qty_as_text",
        "part_twice",
        "no_part_no",
        "not_a_line",
        "second_line_without_part_no",
    ],
)
def test_a_bad_receipt_is_refused_whole(on_order, call, snapshot, lines, field_errors):
    before = snapshot()

    status, body = call("post", f"/api/purchase-orders/{on_order.order['id']}/receive", "planner", {"lines": lines})

    assert status == 422, body
    assert body["error"]["code"] == "validation_error"
    expected = {
        field: [m.format(number=on_order.order["number"]) for m in errors] if isinstance(errors, list) else errors
        for field, errors in field_errors.items()
    }
    assert body["error"]["details"]["fields"] == expected
    assert snapshot() == before


def test_receiving_an_unknown_order_is_404(catalogue, call):
    status, body = call("post", "/api/purchase-orders/999/receive", "planner", {})

    assert status == 404, body
    assert body["error"]["code"] == "purchase_order_not_found"


@pytest.fixture
def two_orders(approved, ordered):
    """BOARD ordered twice: order ``first`` for 370000's requisition ``older`` (BOARD 5, 2 through HQ), then
    order ``second`` for 440000's ``newer`` (BOARD 2)."""
    older = approved([("BOARD", 5)], "370000")
    first = ordered()
    newer = approved([("BOARD", 2)], "440000")
    second = ordered()
    return SimpleNamespace(older=older, newer=newer, first=first, second=second)


def test_a_later_order_received_first_leaves_the_earlier_order_counted_for_the_newer_need(
    two_orders, call, plan, orders_of
):
    """Receiving order 2 first sends its parts to the oldest need (raised for order 1); order 1's parts still
    come, and they cover the newer need: the plan shows that need on order, not to be ordered again."""
    assert (po_lines(two_orders.first), po_lines(two_orders.second)) == ([("BOARD", 2, 0)], [("BOARD", 2, 0)])

    status, body = call("post", f"/api/purchase-orders/{two_orders.second['id']}/receive", "planner", {})

    assert status == 200, body
    assert orders_of(two_orders.older)[1:] == [("hq", "RDC-370000", "created", [("BOARD", 2)])]
    assert orders_of(two_orders.newer) == []
    assert figures(plan()) == {"BOARD": (2, 2, 0, 1)}


def test_after_a_later_order_received_first_the_roll_up_orders_nothing_again(two_orders, call, roll_up):
    call("post", f"/api/purchase-orders/{two_orders.second['id']}/receive", "planner", {})

    status, body = roll_up()

    assert status == 409, body
    assert body["error"]["code"] == "nothing_to_order"


def test_the_earlier_order_received_last_fills_the_newer_need(two_orders, call, plan, orders_of):
    call("post", f"/api/purchase-orders/{two_orders.second['id']}/receive", "planner", {})

    status, body = call("post", f"/api/purchase-orders/{two_orders.first['id']}/receive", "planner", {})

    assert status == 200, body
    assert orders_of(two_orders.newer) == [("hq", "RDC-440000", "created", [("BOARD", 2)])]
    assert plan() == {}
    assert stock_row("HQ", "BOARD") == (0, 0)


# ---------------------------------------------------------------- the requisitions behind the plan


def needs(rows, *fields):
    return [tuple(row[field] for field in ("requisition_number", "part_no", *fields)) for row in rows]


def test_the_requisitions_waiting_on_headquarters_are_listed_oldest_first(waiting, call):
    status, body = call("get", "/api/parts-plan/requisitions", "planner")

    assert status == 200, body
    older, newer = waiting.older["number"], waiting.newer["number"]
    assert needs(body["items"], "qty", "waiting") == [
        (older, "BOARD", 1, 1),
        (older, "REMOTE", 2, 2),
        (newer, "BOARD", 2, 2),
        (newer, "REMOTE", 1, 1),
    ]
    assert body["total"] == 4


def test_a_waiting_requisition_comes_with_its_job_provider_and_province_by_name(waiting, call):
    rows = call("get", "/api/parts-plan/requisitions?part_no=BOARD", "planner")[1]["items"]

    row = rows[1]
    assert {field: row[field] for field in ("requisition_id", "job_id", "provider_code", "province_code")} == {
        "requisition_id": waiting.newer["id"],
        "job_id": waiting.newer["job_id"],
        "provider_code": "P44",
        "province_code": "440000",
    }
    assert (row["provider_name"], row["province_name"], row["name"]) == ("Provider P44", "Region 440000", "Main board")
    assert row["job_number"] == call("get", f"/api/jobs/{waiting.newer['job_id']}", "admin")[1]["number"]
    assert row["raised_at"] == waiting.newer["raised_at"]


@pytest.mark.parametrize(
    ("query", "parts"),
    [("?part_no=REMOTE", ["REMOTE", "REMOTE"]), ("?part_no=BOARD&part_no=REMOTE", ["BOARD", "REMOTE"] * 2)],
)
def test_the_waiting_requisitions_filter_by_part(waiting, call, query, parts):
    status, body = call("get", f"/api/parts-plan/requisitions{query}", "planner")

    assert status == 200, body
    assert [row["part_no"] for row in body["items"]] == parts


def test_the_waiting_requisitions_follow_age_not_number(waiting, call):
    make_older(waiting.newer, than=waiting.older)

    rows = call("get", "/api/parts-plan/requisitions?part_no=BOARD", "planner")[1]["items"]

    assert [row["requisition_number"] for row in rows] == [waiting.newer["number"], waiting.older["number"]]


def test_a_requisition_filled_leaves_the_waiting_list_and_one_partly_filled_shows_what_is_left(on_order, receive, call):
    receive([("BOARD", 3)])

    rows = call("get", "/api/parts-plan/requisitions", "planner")[1]["items"]

    assert needs(rows, "qty", "waiting") == [(on_order.newer["number"], "BOARD", 2, 1)]


def test_an_unknown_part_in_the_filter_is_refused(waiting, send):
    response = send("get", "/api/parts-plan/requisitions?part_no=" + "X" * 65, "planner")

    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["error"]["details"]["fields"]) == {"part_no"}


def test_an_order_serves_the_oldest_needs_first_with_what_it_brings(on_order, call):
    status, body = call("get", f"/api/purchase-orders/{on_order.order['id']}/requisitions", "planner")

    assert status == 200, body
    assert needs(body["items"], "waiting", "on_receipt") == [
        (on_order.older["number"], "BOARD", 2, 2),
        (on_order.newer["number"], "BOARD", 2, 2),
    ]
    assert body["beyond"] == 0


def test_an_order_that_cannot_serve_every_need_says_how_many_more_wait(on_order, approved, call):
    later = approved([("BOARD", 3)], "440000")  # on order in no purchase order yet

    body = call("get", f"/api/purchase-orders/{on_order.order['id']}/requisitions", "planner")[1]

    assert later["number"] not in [row["requisition_number"] for row in body["items"]]
    assert [row["on_receipt"] for row in body["items"]] == [2, 2]
    assert body["beyond"] == 1


def test_an_order_serves_what_its_receipt_would_send_hq_stock_first(two_orders, make_stock, call):
    """Two orders of BOARD 2 each for two needs of 2: the later order, received now, fills the oldest need. With
    one BOARD free at HQ, that one goes first and the order's two reach the newer need too."""
    later = call("get", f"/api/purchase-orders/{two_orders.second['id']}/requisitions", "planner")[1]
    assert needs(later["items"], "on_receipt") == [(two_orders.older["number"], "BOARD", 2)]
    assert later["beyond"] == 1

    make_stock("HQ", "BOARD", 1)
    db.session.commit()
    later = call("get", f"/api/purchase-orders/{two_orders.second['id']}/requisitions", "planner")[1]

    assert needs(later["items"], "on_receipt") == [
        (two_orders.older["number"], "BOARD", 2),
        (two_orders.newer["number"], "BOARD", 1),
    ]
    assert later["beyond"] == 0


def test_what_an_order_serves_is_what_its_receipt_sends(on_order, call, receive, orders_of):
    expected = call("get", f"/api/purchase-orders/{on_order.order['id']}/requisitions", "planner")[1]["items"]

    assert receive()[0] == 200

    sent = {r["number"]: orders_of(r)[-1][3] for r in (on_order.older, on_order.newer)}
    assert sent == {row["requisition_number"]: [("BOARD", row["on_receipt"])] for row in expected}


def test_a_received_order_serves_no_more_requisitions(on_order, receive, call):
    receive([("BOARD", 3)])

    status, body = call("get", f"/api/purchase-orders/{on_order.order['id']}/requisitions", "planner")

    assert status == 200, body
    assert body == {"items": [], "beyond": 0}


def test_the_requisitions_of_an_unknown_order_are_404(catalogue, call):
    status, body = call("get", "/api/purchase-orders/999/requisitions", "planner")

    assert status == 404, body
    assert body["error"]["code"] == "purchase_order_not_found"


# ---------------------------------------------------------------- who may plan


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        ("parts_clerk", "get", "/api/parts-plan"),
        ("parts_clerk", "get", "/api/purchase-orders"),
        ("parts_clerk", "post", "/api/purchase-orders"),
        ("parts_clerk", "post", "/api/purchase-orders/1/receive"),
        ("dispatcher", "get", "/api/parts-plan"),
        ("auditor", "get", "/api/parts-plan"),
        ("technician", "post", "/api/purchase-orders"),
        ("provider_manager", "get", "/api/purchase-orders/1"),
        ("parts_clerk", "get", "/api/parts-plan/requisitions"),
        ("provider_manager", "get", "/api/purchase-orders/1/requisitions"),
    ],
)
def test_the_plan_is_for_planners_and_admins(client, catalogue, as_role, role, method, path):
    response = getattr(client, method)(path, json={} if method == "post" else None, headers=as_role(role))

    assert response.status_code == 403, response.get_json()
    error = response.get_json()["error"]
    assert (error["code"], error["details"]) == ("role_forbidden", {"allowed_roles": ["admin", "hq_planner"]})


@pytest.mark.parametrize("user", ["admin", "planner"])
def test_planners_and_admins_read_the_plan(waiting, call, user):
    status, body = call("get", "/api/parts-plan", user)

    assert status == 200, body
    assert [row["part_no"] for row in body["items"]] == ["BOARD", "REMOTE"]


# ---------------------------------------------------------------- on to the provider


def ship_and_receive(call, requisition, receiver):
    """Ship (the province's clerk) and receive (``receiver``) the requisition's orders not yet shipped."""
    status, page = call("get", f"/api/sales-orders?requisition_id={requisition['id']}&status=created", "admin")
    assert status == 200, page
    for order in page["items"]:
        status, body = call("post", f"/api/sales-orders/{order['id']}/ship", CLERK_OF[requisition["province_code"]])
        assert status == 200, body
        status, body = call("post", f"/api/sales-orders/{order['id']}/receive", receiver)
        assert status == 200, body


@pytest.fixture
def order_and_receive(roll_up, call):
    """``order_and_receive(lines=None)`` → the purchase order rolled up now (201 asserted) and received with
    ``[(part_no, qty)]`` counted, or in full (200 asserted)."""

    def run(lines=None):
        status, rolled = roll_up()
        assert status == 201, rolled
        order = rolled["purchase_order"]
        body = {} if lines is None else {"lines": [{"part_no": p, "qty": q} for p, q in lines]}
        status, received = call("post", f"/api/purchase-orders/{order['id']}/receive", "planner", body)
        assert status == 200, received
        return received

    return run


def test_parts_through_headquarters_reach_the_provider_and_release_the_job(
    approved, job_in, order_and_receive, call, fetch, stock_books
):
    job = job_in("440000")
    requisition = approved([("BOARD", 2)], "440000", job=job)
    order_and_receive()

    ship_and_receive(call, requisition, "pm44")

    status, body = call("get", f"/api/requisitions/{requisition['id']}", "clerk2")
    assert status == 200, body
    assert body["status"] == "received"
    assert fetch(job["id"])["state"] == "accepted"
    assert [stock_books(w, "BOARD") for w in ("HQ", "RDC-440000", "PROV-P44")] == [(0, 0), (0, 0), (2, 2)]


def test_a_job_waits_until_the_rest_of_a_short_delivery_arrives(approved, job_in, order_and_receive, call, fetch):
    job = job_in("440000")
    requisition = approved([("BOARD", 3)], "440000", job=job)
    order_and_receive([("BOARD", 1)])
    ship_and_receive(call, requisition, "pm44")
    assert call("get", f"/api/requisitions/{requisition['id']}", "clerk2")[1]["status"] == "approved"
    assert fetch(job["id"])["state"] == "waiting_parts"

    assert po_lines(order_and_receive()) == [("BOARD", 2, 2)]
    ship_and_receive(call, requisition, "tech44")

    status, received = call("get", f"/api/requisitions/{requisition['id']}", "clerk2")
    assert status == 200, received
    assert (received["status"], [line["received_qty"] for line in received["lines"]]) == ("received", [3])
    assert fetch(job["id"])["state"] == "accepted"
