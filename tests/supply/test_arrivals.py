"""Parts that arrive for a job: the receipt confirmed from the phone (or the desk), and the arrived parts fitted.

The technician reports a motor missing on site; the clerk approves (RDC-370000 holds two) and ships; the parts
are received, by the phone's ``parts.receive`` op or the provider's desk, into P01's stock room; the motor is
fitted from the order it came on (``parts.used`` with ``sales_order_id``), issued from that stock once, and the
claim draft carries it. What cannot be true is refused with a code of its own: a receipt of parts never
shipped, more fitted from an order than arrived on it.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.supply.models import PartUsage
from tests.helpers import assert_error
from tests.supply.helpers import lines

MOTOR_CENTS = 45_000


@pytest.fixture
def motor(make_part, make_stock):
    make_part("MOTOR", name="Motor", price_cents=MOTOR_CENTS)
    make_stock("RDC-370000", "MOTOR", 2)


@pytest.fixture
def order_for(call, short, on_site, motor, sales_orders):
    """``order_for(qty=1, ship=True)`` → ``(job, order)``: a motor missing on a new job of tech1's, approved by
    the clerk and (with ``ship``) shipped."""

    def make(qty=1, ship=True):
        job = on_site(serial=None)
        requisition = short(job["id"], [("MOTOR", qty)])
        status, body = call("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
        assert status == 200, body
        [order] = sales_orders(requisition["id"])
        if ship:
            status, order = call("post", f"/api/sales-orders/{order['id']}/ship", "clerk")
            assert status == 200, order
        return job, order

    return make


@pytest.fixture
def fit(client, catalogue):
    """``fit(job_id, [(part_no, qty)], order)`` → the response of recording them as fitted from ``order``."""

    def post(job_id, pairs, order, user="tech1"):
        body = {"parts": lines(*pairs), "sales_order_id": order["id"]}
        return client.post(f"/api/jobs/{job_id}/parts-used", json=body, headers=getattr(catalogue, user).headers)

    return post


def received_by(device, job, order):
    """``device`` confirms the receipt offline and syncs: the result of its op."""
    status, body = device.push([device.op("parts.receive", job["id"], {"sales_order_id": order["id"]})])
    assert status == 200, body
    [result] = body["results"]
    return result


# ---------------------------------------------------------------- the receipt


def test_the_technician_receives_the_parts_from_the_phone_into_the_providers_stock(
    device, order_for, stock_books, fetch, events
):
    job, order = order_for()
    phone = device("tech1")
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    op = phone.op("parts.receive", job["id"], {"sales_order_id": order["id"]}, client_time=when.isoformat())

    status, body = phone.push([op])

    assert status == 200, body
    assert [(r["result"], r["code"]) for r in body["results"]] == [("applied", "")]
    assert stock_books("PROV-P01", "MOTOR") == (1, 1)
    # Nothing else was missing: the job goes back to the technician, to book the visit.
    assert fetch(job["id"])["state"] == "accepted"
    received, arrived = events(job["id"])[-2:]
    assert (received["kind"], received["actor"]) == ("parts_received", "tech1")
    assert received["data"] == {
        "sales_order": order["number"],
        "requisition": f"RQ{order['requisition_id']:08d}",
        "parts": lines(("MOTOR", 1)),
    }
    assert datetime.fromisoformat(received["device_time"]) == when
    assert arrived["kind"] == "parts_arrived"


def test_a_receipt_at_the_desk_is_on_the_jobs_record_too(order_for, call, events):
    job, order = order_for()
    status, body = call("post", f"/api/sales-orders/{order['id']}/receive", "pm1")
    assert status == 200, body
    received = [event for event in events(job["id"]) if event["kind"] == "parts_received"]
    assert [(event["actor"], event["device_time"]) for event in received] == [("pm1", None)]


def test_parts_never_shipped_cannot_be_received(device, order_for, send, snapshot):
    job, order = order_for(ship=False)
    before = snapshot()
    error = assert_error(send("post", f"/api/sales-orders/{order['id']}/receive", "pm1"), 409, "not_shipped")
    assert order["number"] in error["message"]
    assert snapshot() == before

    result = received_by(device("tech1"), job, order)

    assert (result["result"], result["code"]) == ("rejected", "not_shipped")


def test_a_receipt_the_desk_made_first_is_no_refusal_on_the_phone(device, order_for, call, stock_books, events):
    job, order = order_for()
    status, body = call("post", f"/api/sales-orders/{order['id']}/receive", "pm1")
    assert status == 200, body

    result = received_by(device("tech1"), job, order)

    assert (result["result"], result["code"]) == ("applied", "")
    assert stock_books("PROV-P01", "MOTOR") == (1, 1)
    assert [event["actor"] for event in events(job["id"]) if event["kind"] == "parts_received"] == ["pm1"]


def test_an_order_of_another_job_is_not_received_through_this_one(device, order_for, on_site, stock_books, call):
    _, order = order_for()
    other = on_site(serial=None)

    result = received_by(device("tech1"), other, order)

    assert (result["result"], result["code"]) == ("rejected", "sales_order_not_found")
    assert stock_books("PROV-P01", "MOTOR") == (None, 0)  # P01's stock room never held a motor
    assert call("get", f"/api/sales-orders/{order['id']}", "pm1")[1]["status"] == "shipped"


def test_another_technicians_phone_cannot_receive_the_parts(device, order_for, stock_books):
    job, order = order_for()

    result = received_by(device("tech2"), job, order)

    assert result["result"] in ("rejected", "conflict")
    assert result["code"] in ("job_not_found", "job_reassigned")
    assert stock_books("PROV-P01", "MOTOR") == (None, 0)


# ---------------------------------------------------------------- fitting what arrived


def test_the_arrived_motor_is_fitted_once_from_stock_and_reaches_the_claim_draft(
    device, order_for, movements, stock_books, call, catalogue, events
):
    job, order = order_for()
    phone = device("tech1")
    ops = [
        phone.op("parts.receive", job["id"], {"sales_order_id": order["id"]}),
        phone.op("parts.used", job["id"], {"parts": lines(("MOTOR", 1)), "sales_order_id": order["id"]}),
        phone.op("job.arrive", job["id"]),
        phone.op("job.complete", job["id"], {"summary": "换电机", "confirmed_by": "王先生"}),
    ]

    status, body = phone.push(ops)

    assert status == 200, body
    assert [r["result"] for r in body["results"]] == ["applied"] * 4, body
    assert stock_books("PROV-P01", "MOTOR") == (0, 0)
    assert [kind for kind, *_ in movements("PROV-P01", "MOTOR")] == ["transfer_in", "issue"]
    db.session.expire_all()
    [(usage_order, qty)] = db.session.execute(
        select(PartUsage.sales_order_id, PartUsage.qty).where(PartUsage.job_id == job["id"])
    ).all()
    assert (usage_order, qty) == (order["id"], 1)
    fitted = [event for event in events(job["id"]) if event["kind"] == "use_parts"]
    assert [event["data"]["sales_order"] for event in fitted] == [order["number"]]
    # The phone learns what was fitted from the order: nothing is left to fit from it.
    phone.drain()
    [held] = [data for (entity, _), data in phone.held.items() if entity == "requisition"]
    assert [(o["status"], o["fitted"]) for o in held["orders"]] == [("received", lines(("MOTOR", 1)))]
    status, drafts = call("get", f"/api/claims/unclaimed?job_id={job['id']}", "pm1")
    assert status == 200, drafts
    [draft] = drafts["items"]
    assert draft["claim"]["parts"] == [{"part_no": "MOTOR", "qty": 1}]


def test_more_cannot_be_fitted_from_an_order_than_arrived_on_it(order_for, receive_order, fit, snapshot):
    job, order = order_for(qty=2)
    receive_order(order)
    assert fit(job["id"], [("MOTOR", 1)], order).status_code == 201
    before = snapshot()

    error = assert_error(fit(job["id"], [("MOTOR", 2)], order), 409, "more_than_arrived")

    assert error["details"] == {"part_no": "MOTOR", "arrived": 2, "fitted": 1, "qty": 2}
    assert snapshot() == before
    assert fit(job["id"], [("MOTOR", 1)], order).status_code == 201


def test_a_part_the_order_did_not_bring_cannot_be_fitted_from_it(order_for, receive_order, fit, snapshot):
    job, order = order_for()
    receive_order(order)
    before = snapshot()
    error = assert_error(fit(job["id"], [("BOARD", 1)], order), 409, "more_than_arrived")
    assert error["details"]["arrived"] == 0
    assert snapshot() == before


def test_parts_not_yet_received_cannot_be_fitted_from_their_order(order_for, fit, snapshot):
    job, order = order_for()
    before = snapshot()
    error = assert_error(fit(job["id"], [("MOTOR", 1)], order), 409, "parts_not_received")
    assert error["details"] == {"status": "shipped"}
    assert snapshot() == before


def test_an_order_of_another_job_names_nothing_to_fit_from(order_for, receive_order, on_site, fit, snapshot):
    _, order = order_for()
    receive_order(order)
    other = on_site(serial=None)
    before = snapshot()
    assert_error(fit(other["id"], [("MOTOR", 1)], order), 404, "sales_order_not_found")
    assert snapshot() == before


def test_fitting_too_many_from_the_phone_is_refused_with_its_code(device, order_for, stock_books):
    job, order = order_for()
    phone = device("tech1")
    ops = [
        phone.op("parts.receive", job["id"], {"sales_order_id": order["id"]}),
        phone.op("parts.used", job["id"], {"parts": lines(("MOTOR", 2)), "sales_order_id": order["id"]}),
    ]

    status, body = phone.push(ops)

    assert status == 200, body
    assert [(r["result"], r["code"]) for r in body["results"]] == [("applied", ""), ("rejected", "more_than_arrived")]
    assert stock_books("PROV-P01", "MOTOR") == (1, 1)


@pytest.fixture
def receive_order(call):
    def post(order, user="pm1"):
        status, body = call("post", f"/api/sales-orders/{order['id']}/receive", user)
        assert status == 200, body
        return body

    return post


# ---------------------------------------------------------------- what the phone holds


def test_the_phones_requisition_shows_where_its_parts_are(device, order_for, call):
    _, order = order_for(ship=False)
    phone = device("tech1")
    phone.drain()
    [held] = [data for (entity, _), data in phone.held.items() if entity == "requisition"]
    assert [(o["id"], o["status"], o["lines"]) for o in held["orders"]] == [
        (order["id"], "created", [{"part_no": "MOTOR", "name": "Motor", "qty": 1}])
    ]

    status, body = call("post", f"/api/sales-orders/{order['id']}/ship", "clerk")
    assert status == 200, body
    phone.drain()

    [held] = [data for (entity, _), data in phone.held.items() if entity == "requisition"]
    [shipped] = held["orders"]
    assert (shipped["status"], shipped["number"]) == ("shipped", order["number"])
    assert shipped["shipped_at"] is not None
    assert phone.against_server() == {}
