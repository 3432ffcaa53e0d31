"""The HQ parts planner's desk, end to end: the plan with the requisitions waiting on headquarters, a roll-up
into one purchase order (double click and all), the order received with the quantities counted, a count
above the order and a stale screen refused in the planner's language, and every screen looked at.

The world: two requisitions of province 370000 approved by its clerk, BOARD 5 + REMOTE 2 (the RDC covers 3
BOARD) and then BOARD 1 + REMOTE 1: headquarters' plan waits for BOARD 3 and REMOTE 3. HQ holds no stock.
On PostgreSQL, with one gunicorn for the module (tests/e2e/conftest.py).
"""

from types import SimpleNamespace

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.parts.models import Part
from server.parts.models import StockMovement
from server.parts.models import Warehouse
from server.supply.models import PurchaseOrder
from server.supply.models import SalesOrder
from server.supply.models import SalesOrderLine
from tests.supply.helpers import stock_row

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


@pytest.fixture
def waiting(api, catalogue, jobs_of):
    """The two requisitions, raised on tech1's phone and approved by the clerk, oldest first."""
    requisitions = []
    shortages = ([("BOARD", 5), ("REMOTE", 2)], [("BOARD", 1), ("REMOTE", 1)])
    for job_id, parts in zip(jobs_of(2, state="on_site"), shortages, strict=True):
        body = {"parts": [{"part_no": part_no, "qty": qty} for part_no, qty in parts]}
        raised = api.post(f"/api/jobs/{job_id}/shortages", json=body, headers=catalogue.tech1.headers)
        assert raised.status_code == 201, raised.get_json()
        approve = f"/api/requisitions/{raised.get_json()['id']}/approve"
        approved = api.post(approve, json={}, headers=catalogue.clerk.headers)
        assert approved.status_code == 200, approved.get_json()
        requisitions.append(approved.get_json())
    return SimpleNamespace(older=requisitions[0], newer=requisitions[1])


def purchase_orders():
    """``[(status, [(part_no, qty, received_qty)])]`` of every purchase order, oldest first."""
    orders = db.session.scalars(select(PurchaseOrder).order_by(PurchaseOrder.id)).all()
    shown = [
        (order.status, [(line.part.part_no, line.qty, line.received_qty) for line in order.lines]) for order in orders
    ]
    db.session.rollback()
    return shown


def receipts_at_hq():
    """``{part_no: [quantity of each receipt]}`` in HQ's stock ledger."""
    rows = db.session.execute(
        select(Part.part_no, StockMovement.on_hand_delta)
        .join(Part, Part.id == StockMovement.part_id)
        .join(Warehouse, Warehouse.id == StockMovement.warehouse_id)
        .where(Warehouse.code == "HQ", StockMovement.kind == "receipt")
        .order_by(StockMovement.id)
    ).all()
    db.session.rollback()
    found = {}
    for part_no, qty in rows:
        found.setdefault(part_no, []).append(qty)
    return found


def sent_from_headquarters():
    """``{requisition_id: [(part_no, qty)]}`` of the sales orders raised from what came through HQ."""
    rows = db.session.execute(
        select(SalesOrder.requisition_id, Part.part_no, func.sum(SalesOrderLine.qty))
        .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
        .join(Part, Part.id == SalesOrderLine.part_id)
        .where(SalesOrder.source == "hq")
        .group_by(SalesOrder.requisition_id, Part.part_no)
        .order_by(SalesOrder.requisition_id, Part.part_no)
    ).all()
    db.session.rollback()
    found = {}
    for requisition_id, part_no, qty in rows:
        found.setdefault(requisition_id, []).append((part_no, int(qty)))
    return found


FIGURES = ("parts", "waiting", "onOrder", "toOrder")


def cells(table, row):
    return [text.strip() for text in table.locator(f"tbody tr[data-part-no='{row}'] td").all_text_contents()]


def difference(lines, part_no):
    """What a line's count (or receipt) differs from the order by, as the order's screen says it."""
    return lines.locator(f"tr[data-part-no='{part_no}'] [data-testid=difference]").text_content()


def received_count(lines, part_no):
    return lines.locator(f"tr[data-part-no='{part_no}'] [data-testid=received]").text_content()


def test_a_planner_rolls_up_the_plan_once_and_receives_it_counted_one_short(desk, catalogue, waiting):
    planner = desk("zh-CN")
    page = planner.page
    planner.sign_in_at_desk(catalogue.planner)

    # The planner's home: the plan by part, and beside it the requisitions waiting, oldest first.
    plan = page.get_by_test_id("plan")
    plan.wait_for()
    assert cells(plan, "BOARD")[1:5] == ["3", "0", "3", "2"]
    assert cells(plan, "REMOTE")[1:5] == ["3", "0", "3", "2"]
    figures = {name: page.get_by_test_id(f"figure-{name}").locator("strong").text_content() for name in FIGURES}
    assert figures == {"parts": "2", "waiting": "6", "onOrder": "0", "toOrder": "6"}
    waiting_rows = page.get_by_test_id("waiting-requisitions").locator("tbody tr")
    assert [waiting_rows.nth(i).get_attribute("data-requisition-id") for i in range(4)] == [
        str(waiting.older["id"]),
        str(waiting.older["id"]),
        str(waiting.newer["id"]),
        str(waiting.newer["id"]),
    ]
    plan.locator("tbody tr[data-part-no='BOARD'] a").click()
    page.locator("[data-testid=waiting] h2", has_text="BOARD").wait_for()
    assert page.get_by_test_id("waiting-requisitions").locator("tbody tr").count() == 2
    planner.screenshot("plan-board")

    # A double click on Roll up raises one purchase order, and the desk opens it.
    page.locator("[data-action=roll-up]").dblclick()
    order = page.get_by_test_id("purchase-order")
    order.wait_for()
    [(status, lines)] = purchase_orders()
    assert (status, lines) == ("ordered", [("BOARD", 3, 0), ("REMOTE", 3, 0)])
    number = db.session.scalar(select(PurchaseOrder)).number
    db.session.rollback()
    assert page.get_by_test_id("desk-notice").text_content() == planner.t("plan.rolledUp.other", number=number, count=6)
    # What the order serves when it comes: every waiting line, the older requisition first.
    served = page.get_by_test_id("served-requisitions").locator("tbody tr")
    assert served.count() == 4
    assert served.first.get_attribute("data-requisition-id") == str(waiting.older["id"])

    # Two boards came, not three: counted so, and received with a double click, once.
    form = page.get_by_test_id("receive-form")
    form.locator("input[data-part-no='BOARD']").fill("2")
    assert difference(form, "BOARD") == planner.t("plan.diff.short", count=1)
    planner.screenshot("receive-counted")
    form.locator("[data-action=receive]").dblclick()
    order.locator("[data-testid=order-status][data-status=received]").wait_for()
    assert page.get_by_test_id("desk-notice").text_content() == planner.t("plan.received.other", number=number, count=5)
    received = page.get_by_test_id("order-lines")
    assert cells(received, "BOARD")[:2] == ["BOARD Main board", "3"]
    assert received_count(received, "BOARD") == "2"
    assert difference(received, "BOARD") == planner.t("plan.diff.short", count=1)
    assert received.locator("tr.short").count() == 1
    # Chinese has one form for every count: "短缺 1 件…".
    assert page.get_by_test_id("outcome").text_content() == planner.t("plan.arrivedShort.other", count=1)

    assert purchase_orders() == [("received", [("BOARD", 3, 2), ("REMOTE", 3, 3)])]
    assert receipts_at_hq() == {"BOARD": [2], "REMOTE": [3]}
    # Everything that came went straight on: the two boards to the older requisition, the remotes to both.
    assert stock_row("HQ", "BOARD") == (0, 0)
    assert stock_row("HQ", "REMOTE") == (0, 0)
    assert sent_from_headquarters() == {
        waiting.older["id"]: [("BOARD", 2), ("REMOTE", 2)],
        waiting.newer["id"]: [("REMOTE", 1)],
    }
    db.session.rollback()

    # The short board waits on in the plan, to be ordered again.
    page.get_by_test_id("tab-plan").click()
    page.locator("[data-testid=plan] tbody tr").first.wait_for()
    assert [row.get_attribute("data-part-no") for row in page.locator("[data-testid=plan] tbody tr").all()] == ["BOARD"]
    assert cells(page.get_by_test_id("plan"), "BOARD")[1:5] == ["1", "0", "1", "1"]


def test_a_count_above_the_order_and_stale_screens_are_refused_and_change_nothing(desk, api, catalogue, waiting):
    planner = desk("en")
    page = planner.page
    planner.sign_in_at_desk(catalogue.planner)
    notice = page.get_by_test_id("desk-notice")

    # The plan on this screen still has parts to order, but another planner has rolled it up meanwhile: the
    # roll-up is refused in the planner's words, nothing is raised twice, and the plan is drawn as it is now.
    to_order = page.get_by_test_id("figure-toOrder").locator("strong")
    assert to_order.text_content() == "6"
    meanwhile = api.post("/api/purchase-orders", json={}, headers=catalogue.planner.headers)
    assert meanwhile.status_code == 201, meanwhile.get_json()
    order_id = meanwhile.get_json()["purchase_order"]["id"]
    page.locator("[data-action=roll-up]").click()
    notice.filter(has_text=planner.t("error.nothing_to_order")).wait_for()
    assert notice.text_content() == f"{planner.t('error.nothing_to_order')} {planner.t('desk.reloaded')}"
    assert to_order.text_content() == "0"
    assert len(purchase_orders()) == 1

    page.goto(f"/#/plan/order/{order_id}")
    form = page.get_by_test_id("receive-form")

    # A count that is no number is refused before anything is sent.
    form.locator("input[data-part-no='REMOTE']").fill("two")
    form.locator("[data-action=receive]").click()
    assert notice.text_content() == planner.t("plan.badCount", parts="REMOTE")
    assert form.locator("input[data-part-no='REMOTE']").get_attribute("aria-invalid") is not None

    # Five boards counted against three ordered: refused, saying what to check; nothing received.
    form.locator("input[data-part-no='REMOTE']").fill("3")
    form.locator("input[data-part-no='BOARD']").fill("5")
    assert difference(form, "BOARD") == planner.t("plan.diff.over", count=2)
    form.locator("[data-action=receive]").click()
    assert notice.text_content() == planner.t("plan.overCount", part="BOARD", counted=5, ordered=3)
    assert notice.get_attribute("role") == "alert"
    assert form.get_by_test_id("confirm-over").is_visible()
    assert purchase_orders() == [("ordered", [("BOARD", 3, 0), ("REMOTE", 3, 0)])]
    assert receipts_at_hq() == {}
    planner.screenshot("over-count-refused")

    # Meanwhile the order is received elsewhere; this screen still offers it: the server refuses, and the
    # order is drawn as it now stands, under the reason.
    elsewhere = api.post(f"/api/purchase-orders/{order_id}/receive", json={}, headers=catalogue.planner.headers)
    assert elsewhere.status_code == 200, elsewhere.get_json()
    form.locator("input[data-part-no='BOARD']").fill("3")
    form.locator("[data-action=receive]").click()
    page.get_by_test_id("purchase-order").locator("[data-testid=order-status][data-status=received]").wait_for()
    assert notice.text_content() == f"{planner.t('error.already_received')} {planner.t('desk.reloaded')}"
    assert received_count(page.get_by_test_id("order-lines"), "BOARD") == "3"
    assert purchase_orders() == [("received", [("BOARD", 3, 3), ("REMOTE", 3, 3)])]
    assert receipts_at_hq() == {"BOARD": [3], "REMOTE": [3]}


def test_every_screen_of_the_planners_desk_reads_right_at_a_phone_and_a_laptop(desk, catalogue, request):
    planner = desk("en")
    page = planner.page
    planner.sign_in_at_desk(catalogue.planner)
    problems = []

    # Nothing planned yet: the plan and the list of orders say so.
    page.get_by_test_id("plan-empty").wait_for()
    problems += planner.inspect("plan-empty", ready=page.get_by_test_id("plan-empty"))
    page.get_by_test_id("tab-orders").click()
    page.get_by_text(planner.t("plan.noOrders")).wait_for()
    problems += planner.inspect("orders-empty", ready=page.get_by_test_id("status-filter"))

    request.getfixturevalue("waiting")
    page.goto("/#/plan")
    page.reload()
    plan = page.get_by_test_id("plan")
    problems += planner.inspect("plan", ready=plan)
    plan.locator("tbody tr[data-part-no='REMOTE'] a").click()
    page.locator("[data-testid=waiting] h2", has_text="REMOTE").wait_for()
    problems += planner.inspect("plan-part", ready=page.get_by_test_id("waiting-requisitions"))

    page.locator("[data-action=roll-up]").click()
    form = page.get_by_test_id("receive-form")
    problems += planner.inspect("order", ready=form)
    form.locator("input[data-part-no='BOARD']").fill("4")
    form.locator("[data-action=receive]").click()
    form.get_by_test_id("confirm-over").wait_for()
    problems += planner.inspect("order-over-count", ready=form)
    form.locator("input[data-part-no='BOARD']").fill("2")
    form.locator("[data-action=receive]").click()
    received = page.get_by_test_id("order-lines")
    problems += planner.inspect("order-received", ready=received)

    page.get_by_test_id("tab-orders").click()
    problems += planner.inspect("orders", ready=page.get_by_test_id("purchase-orders"))

    assert not problems, "\n".join(problems)
