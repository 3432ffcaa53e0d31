"""Races in parts supply: two API calls fired at the same moment, each from its own thread, client and connection.

PostgreSQL only: there the two requests really run side by side (advisory
locks, row locks and conditional updates decide who goes first); SQLite's
single writer would only show them taking turns. Each race runs several
rounds, a fresh part or requisition each time.
"""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.network.models import AccountEntry
from server.network.models import Provider
from server.parts.models import Part
from server.supply.models import PlanLine
from server.supply.models import SalesOrder
from tests.races import send_together
from tests.supply.helpers import stock_row

pytestmark = pytest.mark.postgres_only

ROUNDS = 5
PRICE_CENTS = 100  # 1.00 a part: P01's 1500.00 of deposit and credit never runs out over the rounds


@pytest.fixture
def clerk_b(catalogue, make_user, auth):
    """A second parts clerk of province 370000, beside ``clerk``."""
    user = make_user("parts_clerk", username="clerk3", region_code="370000")
    user.headers = auth(user)
    return user


@pytest.fixture
def race_part(make_part, make_stock):
    """``race_part(round_, rdc_qty)`` → the part number of a new part (1.00) with ``rdc_qty`` at RDC-370000."""

    def make(round_, rdc_qty, prefix="RACE"):
        part_no = f"{prefix}{round_}"
        make_part(part_no, price_cents=PRICE_CENTS)
        make_stock("RDC-370000", part_no, rdc_qty)
        return part_no

    return make


def post(path, user, json=None):
    return ("POST", path, json or {}, user.headers)


def p01_money():
    """``(deposit_cents, credit_used_cents)`` of provider P01 as stored now."""
    db.session.expire_all()
    provider = db.session.scalar(select(Provider).where(Provider.code == "P01"))
    return provider.deposit_cents, provider.credit_used_cents


# ---------------------------------------------------------------- two clerks, the last units


@pytest.mark.commits
def test_two_approvals_competing_for_the_last_units_share_them_without_overselling(
    app,
    catalogue,
    clerk_b,
    job_in,
    short,
    race_part,
):
    """Two requisitions want 2 each of a part the RDC has 3 of; two clerks approve them at the same moment.

    Five rounds, a new part each: both approvals pass, one takes 2 from the RDC, the other the last 1 and
    sends 1 to the headquarters plan. The RDC never reserves more than it holds.
    """
    jobs = [job_in(), job_in()]
    for round_ in range(ROUNDS):
        part_no = race_part(round_, 3)
        requisitions = [short(job["id"], [(part_no, 2)]) for job in jobs]

        answers = send_together(
            app,
            [
                post(f"/api/requisitions/{requisitions[0]['id']}/approve", catalogue.clerk),
                post(f"/api/requisitions/{requisitions[1]['id']}/approve", clerk_b),
            ],
        )

        assert [status for status, _ in answers] == [200, 200], (round_, answers)
        splits = sorted((body["lines"][0]["rdc_qty"], body["lines"][0]["hq_qty"]) for _, body in answers)
        assert splits == [(1, 1), (2, 0)], (round_, answers)
        assert sorted(body["path"] for _, body in answers) == ["hq", "rdc"], (round_, answers)
        assert stock_row("RDC-370000", part_no) == (3, 3), round_
        waiting = select(PlanLine.qty).join(Part, Part.id == PlanLine.part_id).where(Part.part_no == part_no)
        assert db.session.scalars(waiting).all() == [1], round_


# ---------------------------------------------------------------- one order received twice at once


@pytest.mark.commits
def test_one_shipped_order_received_twice_at_once_counts_once(
    app,
    catalogue,
    job_in,
    short,
    call,
    race_part,
    stock_books,
    movements,
):
    """The manager and the technician both receive one shipped order at the same moment, five times over:
    one 200, one 409 ``already_received``; the provider's stock gets the parts once."""
    job = job_in()
    for round_ in range(ROUNDS):
        part_no = race_part(round_, 2)
        requisition = short(job["id"], [(part_no, 2)])
        status, body = call("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
        assert status == 200, body
        status, page = call("get", f"/api/sales-orders?requisition_id={requisition['id']}", "clerk")
        assert status == 200, page
        (order,) = page["items"]
        status, body = call("post", f"/api/sales-orders/{order['id']}/ship", "clerk")
        assert status == 200, body

        answers = send_together(
            app,
            [
                post(f"/api/sales-orders/{order['id']}/receive", catalogue.pm1),
                post(f"/api/sales-orders/{order['id']}/receive", catalogue.tech1),
            ],
        )

        assert sorted(status for status, _ in answers) == [200, 409], (round_, answers)
        (refused,) = [body for status, body in answers if status == 409]
        assert refused["error"]["code"] == "already_received", (round_, answers)
        assert stock_books("PROV-P01", part_no) == (2, 2), round_
        assert [(kind, delta) for kind, delta, _, _ in movements("PROV-P01", part_no)] == [("transfer_in", 2)], round_
        status, body = call("get", f"/api/requisitions/{requisition['id']}", "clerk")
        assert status == 200, body
        assert (body["status"], body["lines"][0]["received_qty"]) == ("received", 2), round_


# ---------------------------------------------------------------- one requisition approved twice at once


@pytest.mark.commits
def test_one_requisition_approved_twice_at_once_charges_the_provider_once(
    app,
    catalogue,
    clerk_b,
    job_in,
    short,
    race_part,
):
    """Two clerks approve the same requisition at the same moment, five times over: one 200, one 409
    ``already_decided``; one debit of the provider's account, one sales order, the stock reserved once."""
    job = job_in()
    for round_ in range(ROUNDS):
        part_no = race_part(round_, 3)
        requisition = short(job["id"], [(part_no, 2)])
        deposit, credit = p01_money()

        answers = send_together(
            app,
            [
                post(f"/api/requisitions/{requisition['id']}/approve", catalogue.clerk),
                post(f"/api/requisitions/{requisition['id']}/approve", clerk_b),
            ],
        )

        assert sorted(status for status, _ in answers) == [200, 409], (round_, answers)
        (refused,) = [body for status, body in answers if status == 409]
        assert (refused["error"]["code"], refused["error"]["details"]) == (
            "already_decided",
            {"status": "approved"},
        ), (round_, answers)
        assert p01_money() == (deposit - 2 * PRICE_CENTS, credit), round_
        entries = db.session.scalars(
            select(AccountEntry.kind).where(AccountEntry.requisition_id == requisition["id"])
        ).all()
        assert entries == ["order"], round_
        orders = db.session.scalar(
            select(func.count()).select_from(SalesOrder).where(SalesOrder.requisition_id == requisition["id"])
        )
        assert orders == 1, round_
        assert stock_row("RDC-370000", part_no) == (3, 2), round_
