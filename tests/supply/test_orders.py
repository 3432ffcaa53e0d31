"""RDC sales orders: shipped by the province's clerk, received by the provider, and what each step moves.

An order ships once (created → shipped) and is received once (shipped →
received); the stock ledger and the stock rows move together, and a job
goes back to its technician only when nothing else it waits for is open.
RDC-370000 starts with 3 BOARD and P01's stock room with 1 (see conftest).
"""

import pytest

from tests.helpers import assert_error
from tests.races import send_together
from tests.supply.helpers import stock_row

# ---------------------------------------------------------------- helpers


@pytest.fixture
def approve(call):
    def post(requisition_id):
        status, body = call("post", f"/api/requisitions/{requisition_id}/approve", "clerk", {})
        assert status == 200, body
        return body

    return post


@pytest.fixture
def ordered(on_site, short, approve, sales_orders):
    """``ordered([(part_no, qty)], job=None)`` → ``(requisition, its RDC sales order)`` once the clerk approved.

    Without ``job``, on a new job of tech1 on site.
    """

    def make(lines=(("BOARD", 2),), job=None):
        job = job or on_site(serial=None)  # no serial: a unit has one open request at a time
        requisition = short(job["id"], list(lines))
        approve(requisition["id"])
        [order] = sales_orders(requisition["id"])
        return requisition, order

    return make


@pytest.fixture
def ship(call):
    def post(order, user="clerk"):
        return call("post", f"/api/sales-orders/{order['id']}/ship", user)

    return post


@pytest.fixture
def receive(call):
    def post(order, user="pm1"):
        return call("post", f"/api/sales-orders/{order['id']}/receive", user)

    return post


@pytest.fixture
def shipped(ordered, ship):
    """``shipped(lines)`` → ``(requisition, order)`` once the order has shipped."""

    def make(lines=(("BOARD", 2),), job=None):
        requisition, order = ordered(lines, job=job)
        status, body = ship(order)
        assert status == 200, body
        return requisition, body

    return make


@pytest.fixture
def requisition_now(call):
    def read(requisition_id):
        status, body = call("get", f"/api/requisitions/{requisition_id}", "admin")
        assert status == 200, body
        return body

    return read


# ---------------------------------------------------------------- shipping


def test_shipping_moves_a_created_order_to_shipped(ordered, ship):
    _, order = ordered()
    status, body = ship(order)
    assert status == 200, body
    assert (body["status"], body["id"]) == ("shipped", order["id"])
    assert body["shipped_at"] is not None
    assert body["received_at"] is None


def test_shipping_takes_the_parts_out_of_the_rdcs_stock_and_its_reservation(ordered, ship, stock_books):
    _, order = ordered([("BOARD", 2)])
    assert stock_row("RDC-370000", "BOARD") == (3, 2)
    assert ship(order)[0] == 200
    assert stock_row("RDC-370000", "BOARD") == (1, 0)
    assert stock_books("RDC-370000", "BOARD") == (1, 1)


def test_shipping_is_written_in_the_stock_ledger(ordered, ship, movements, catalogue):
    _, order = ordered([("BOARD", 2)])
    assert ship(order)[0] == 200
    assert movements("RDC-370000", "BOARD")[-2:] == [
        ("reserve", 0, f"order {order['number']}", catalogue.clerk.id),
        ("transfer_out", -2, f"order {order['number']}", catalogue.clerk.id),
    ]


def test_shipping_stamps_the_requisition(ordered, ship, requisition_now):
    requisition, order = ordered()
    assert requisition_now(requisition["id"])["shipped_at"] is None
    body = ship(order)[1]
    assert requisition_now(requisition["id"])["shipped_at"] == body["shipped_at"]


def test_shipping_tells_the_technician_and_the_providers_managers(ordered, ship, notified):
    requisition, order = ordered()
    assert ship(order)[0] == 200
    told = {name: notified(name, "parts_shipped") for name in ("tech1", "pm1", "tech2", "pm2")}
    job_id = requisition["job_id"]
    assert told == {"tech1": [job_id], "pm1": [job_id], "tech2": [], "pm2": []}


def test_shipping_leaves_the_job_waiting(ordered, ship, fetch):
    requisition, order = ordered()
    assert ship(order)[0] == 200
    assert fetch(requisition["job_id"])["state"] == "waiting_parts"


def test_an_order_ships_once(send, shipped, snapshot, stock_books):
    _, order = shipped()
    before = snapshot()
    error = assert_error(send("post", f"/api/sales-orders/{order['id']}/ship", "clerk"), 409, "already_shipped")
    assert order["number"] in error["message"]
    assert snapshot() == before
    assert stock_books("RDC-370000", "BOARD") == (1, 1)


def test_a_received_order_cannot_ship_again(send, shipped, receive, snapshot):
    _, order = shipped()
    assert receive(order)[0] == 200
    before = snapshot()
    error = assert_error(send("post", f"/api/sales-orders/{order['id']}/ship", "clerk"), 409, "illegal_transition")
    assert error["details"] == {"status": "received", "action": "shipped", "allowed_from": ["created"]}
    assert snapshot() == before


def test_a_clerk_of_another_province_cannot_ship(send, ordered, snapshot):
    _, order = ordered()
    before = snapshot()
    error = assert_error(send("post", f"/api/sales-orders/{order['id']}/ship", "clerk2"), 404, "sales_order_not_found")
    assert str(order["id"]) in error["message"]
    assert snapshot() == before


@pytest.mark.parametrize("user", ["pm1", "tech1", "planner", "dispatcher"])
def test_only_clerks_and_admins_ship(send, ordered, snapshot, user):
    _, order = ordered()
    before = snapshot()
    assert_error(send("post", f"/api/sales-orders/{order['id']}/ship", user), 403, "role_forbidden")
    assert snapshot() == before


def test_an_admin_may_ship(ordered, ship):
    _, order = ordered()
    assert ship(order, user="admin")[0] == 200


# ---------------------------------------------------------------- receiving


@pytest.mark.parametrize("user", ["pm1", "tech1", "admin"])
def test_receiving_moves_a_shipped_order_to_received(shipped, receive, user):
    _, order = shipped()
    status, body = receive(order, user=user)
    assert status == 200, body
    assert (body["status"], body["shipped_at"]) == ("received", order["shipped_at"])
    assert body["received_at"] is not None


def test_receiving_puts_the_parts_into_the_providers_stock(shipped, receive, stock_books):
    _, order = shipped([("BOARD", 2)])
    assert receive(order)[0] == 200
    assert stock_row("PROV-P01", "BOARD") == (3, 0)
    assert stock_books("PROV-P01", "BOARD") == (3, 3)
    assert stock_books("RDC-370000", "BOARD") == (1, 1)


def test_receiving_is_written_in_the_stock_ledger(shipped, receive, movements, catalogue):
    _, order = shipped([("BOARD", 2)])
    assert receive(order, user="tech1")[0] == 200
    assert movements("PROV-P01", "BOARD")[-1] == ("transfer_in", 2, f"order {order['number']}", catalogue.tech1.id)


def test_receiving_the_whole_requisition_closes_it(shipped, receive, requisition_now):
    requisition, order = shipped([("BOARD", 2)])
    body = receive(order)[1]
    after = requisition_now(requisition["id"])
    assert (after["status"], after["received_at"]) == ("received", body["received_at"])
    assert [(line["part_no"], line["received_qty"]) for line in after["lines"]] == [("BOARD", 2)]


def test_receiving_returns_the_job_to_its_technician(shipped, receive, fetch, events):
    requisition, order = shipped()
    assert receive(order)[0] == 200
    assert fetch(requisition["job_id"])["state"] == "accepted"
    last = events(requisition["job_id"])[-1]
    assert (last["kind"], last["from_state"], last["to_state"]) == ("parts_arrived", "waiting_parts", "accepted")
    assert order["number"] in last["note"]


def test_receiving_tells_the_technician_the_parts_arrived(shipped, receive, notified):
    requisition, order = shipped()
    assert receive(order)[0] == 200
    assert (notified("tech1", "parts_arrived"), notified("tech2", "parts_arrived")) == ([requisition["job_id"]], [])


def test_the_technician_can_go_back_to_the_customer_once_the_parts_arrived(call, shipped, receive, fetch):
    requisition, order = shipped()
    assert receive(order)[0] == 200
    for step in ("depart", "arrive"):
        status, body = call("post", f"/api/jobs/{requisition['job_id']}/{step}", "tech1", {})
        assert status == 200, (step, body)
    assert fetch(requisition["job_id"])["state"] == "on_site"


def test_an_order_is_received_once_and_its_parts_counted_once(send, shipped, receive, snapshot, stock_books):
    _, order = shipped([("BOARD", 2)])
    assert receive(order)[0] == 200
    before = snapshot()
    error = assert_error(send("post", f"/api/sales-orders/{order['id']}/receive", "tech1"), 409, "already_received")
    assert order["number"] in error["message"]
    assert snapshot() == before
    assert stock_books("PROV-P01", "BOARD") == (3, 3)


def test_an_order_not_shipped_cannot_be_received(send, ordered, snapshot):
    _, order = ordered()
    before = snapshot()
    response = send("post", f"/api/sales-orders/{order['id']}/receive", "pm1")
    error = assert_error(response, 409, "not_shipped")
    assert error["details"] == {"status": "created", "action": "received", "allowed_from": ["shipped"]}
    assert snapshot() == before


@pytest.mark.parametrize("user", ["pm2", "tech3", "tech2"])
def test_another_provider_or_technician_cannot_see_the_order(send, ordered, user):
    _, order = ordered()
    assert_error(send("get", f"/api/sales-orders/{order['id']}", user), 404, "sales_order_not_found")


@pytest.mark.parametrize("user", ["pm2", "tech3", "tech2"])
def test_another_provider_or_technician_cannot_receive_the_order(send, shipped, snapshot, user):
    _, order = shipped()
    before = snapshot()
    assert_error(send("post", f"/api/sales-orders/{order['id']}/receive", user), 404, "sales_order_not_found")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("user", "seen"),
    [
        ("pm1", True),
        ("tech1", True),
        ("clerk", True),
        ("planner", True),
        ("admin", True),
        ("pm2", False),
        ("tech2", False),
        ("tech3", False),
        ("clerk2", False),
    ],
)
def test_the_order_list_shows_each_reader_their_own(call, ordered, user, seen):
    _, order = ordered()
    status, body = call("get", "/api/sales-orders", user)
    assert status == 200, body
    assert [item["id"] for item in body["items"]] == ([order["id"]] if seen else [])


@pytest.mark.parametrize("user", ["clerk", "planner", "dispatcher"])
def test_only_the_provider_its_technicians_and_admins_receive(send, shipped, snapshot, user):
    _, order = shipped()
    before = snapshot()
    assert_error(send("post", f"/api/sales-orders/{order['id']}/receive", user), 403, "role_forbidden")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["created", "shipped", "received"]),
        ("?status=shipped", ["shipped"]),
        ("?status=created&status=received", ["created", "received"]),
    ],
)
def test_the_order_list_filters_by_status(call, ordered, ship, receive, query, expected):
    orders = [ordered([("BOARD", 1)])[1] for _ in range(3)]
    assert ship(orders[1])[0] == 200
    assert ship(orders[2])[0] == 200
    assert receive(orders[2])[0] == 200
    status, body = call("get", f"/api/sales-orders{query}", "clerk")
    assert status == 200, body
    assert [item["status"] for item in body["items"]] == expected


def test_the_order_list_can_put_the_newest_first(call, ordered):
    orders = [ordered([("BOARD", 1)])[1] for _ in range(3)]
    status, body = call("get", "/api/sales-orders?newest_first=true", "pm1")
    assert status == 200, body
    assert [item["id"] for item in body["items"]] == [order["id"] for order in reversed(orders)]


def test_an_order_names_its_job_its_requisition_and_the_region_of_the_rdc_shipping_it(call, on_site, short, approve):
    job = on_site(serial=None)
    requisition = short(job["id"], [("BOARD", 1)])
    approve(requisition["id"])
    status, body = call("get", f"/api/sales-orders?requisition_id={requisition['id']}", "pm1")
    assert status == 200, body
    [order] = body["items"]
    assert (order["job_id"], order["job_number"]) == (job["id"], job["number"])
    assert order["requisition_number"] == requisition["number"]
    assert (order["warehouse"], order["warehouse_region"]) == ("RDC-370000", "Region 370000")


# ---------------------------------------------------------------- a job waiting for more than one requisition


@pytest.fixture
def two_on_one_job(on_site, ordered):
    """Two requisitions of one job, each approved with an RDC order: ``(job, [(requisition, order)] * 2)``."""
    job = on_site(serial=None)
    return job, [ordered([("BOARD", 1)], job=job), ordered([("BOARD", 1)], job=job)]


def test_the_first_of_two_requisitions_received_leaves_the_job_waiting(two_on_one_job, ship, receive, fetch):
    job, [(_, first), _] = two_on_one_job
    assert ship(first)[0] == 200
    assert receive(first)[0] == 200
    assert fetch(job["id"])["state"] == "waiting_parts"


def test_the_first_of_two_received_tells_the_technician_without_releasing_the_job(
    two_on_one_job, ship, receive, notified
):
    job, [(_, first), _] = two_on_one_job
    assert ship(first)[0] == 200
    assert receive(first)[0] == 200
    assert (notified("tech1", "parts_received"), notified("tech1", "parts_arrived")) == ([job["id"]], [])


@pytest.mark.parametrize("order_of_receipt", [(0, 1), (1, 0)], ids=["in-order", "reversed"])
def test_the_job_goes_back_when_the_last_of_its_requisitions_is_received(
    two_on_one_job, ship, receive, fetch, events, order_of_receipt
):
    job, pairs = two_on_one_job
    for index in order_of_receipt:
        order = pairs[index][1]
        assert ship(order)[0] == 200
        assert receive(order)[0] == 200
    assert fetch(job["id"])["state"] == "accepted"
    assert [event["kind"] for event in events(job["id"])].count("parts_arrived") == 1


def test_a_requisition_partly_through_headquarters_keeps_the_job_waiting_until_that_part_arrives(
    call, on_site, short, approve, sales_orders, ship, receive, fetch, requisition_now
):
    job = on_site(serial=None)
    requisition = short(job["id"], [("BOARD", 5)])  # 3 from the RDC, 2 through headquarters
    approve(requisition["id"])
    [rdc_order] = sales_orders(requisition["id"])
    assert ship(rdc_order)[0] == 200
    assert receive(rdc_order)[0] == 200
    assert fetch(job["id"])["state"] == "waiting_parts"
    halfway = requisition_now(requisition["id"])
    assert (halfway["status"], halfway["lines"][0]["received_qty"]) == ("approved", 3)
    status, rolled = call("post", "/api/purchase-orders", "planner")
    assert status == 201, rolled
    po = rolled["purchase_order"]
    assert call("post", f"/api/purchase-orders/{po['id']}/receive", "planner", {})[0] == 200
    [_, hq_order] = sales_orders(requisition["id"])
    assert (hq_order["source"], [(line["part_no"], line["qty"]) for line in hq_order["lines"]]) == (
        "hq",
        [("BOARD", 2)],
    )
    assert ship(hq_order)[0] == 200
    assert receive(hq_order)[0] == 200
    assert fetch(job["id"])["state"] == "accepted"
    assert requisition_now(requisition["id"])["status"] == "received"


# ---------------------------------------------------------------- the same step twice at the same moment

ROUNDS = 3


@pytest.mark.commits
def test_two_receipts_of_one_order_at_once_count_its_parts_once(app, shipped, catalogue, stock_books):
    """The manager and the technician both press "received" at the same moment, three times over."""
    for round_ in range(ROUNDS):
        _, order = shipped([("BOARD", 1)])
        path = f"/api/sales-orders/{order['id']}/receive"
        answers = send_together(
            app, [("POST", path, None, catalogue.pm1.headers), ("POST", path, None, catalogue.tech1.headers)]
        )
        assert sorted(status for status, _ in answers) == [200, 409], (round_, answers)
        assert [body["error"]["code"] for status, body in answers if status == 409] == ["already_received"]
    assert stock_books("PROV-P01", "BOARD") == (1 + ROUNDS, 1 + ROUNDS)


@pytest.mark.commits
def test_two_shipments_of_one_order_at_once_take_its_parts_once(app, ordered, catalogue, stock_books):
    _, order = ordered([("BOARD", 2)])
    path = f"/api/sales-orders/{order['id']}/ship"
    answers = send_together(
        app, [("POST", path, None, catalogue.clerk.headers), ("POST", path, None, catalogue.admin.headers)]
    )
    assert sorted(status for status, _ in answers) == [200, 409], answers
    assert [body["error"]["code"] for status, body in answers if status == 409] == ["already_shipped"]
    assert stock_books("RDC-370000", "BOARD") == (1, 1)
