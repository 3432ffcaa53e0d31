"""The charges world: the dispatch world's catalogue with a fee guide, and a paid job on site.

Unit SN-OLD (TV55, sold long ago) is out of warranty, so a request for it makes a paid job; its county 370112
is of area class county. The guide: labour TV-BOARD (tv, 80.00) and WM-PUMP (washing_machine), travel 30.00 for
county areas, and part BOARD's customer price 200.00 (BOARD, PANEL and REMOTE fit TV55).
"""

import io
import re
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.charges.models import FeeItem
from server.charges.models import TravelFee
from server.charges.quotes import receipt_number
from server.extensions import db
from server.installbase.services import import_sales
from server.messaging.models import Message
from server.parts.models import Part
from tests.fixtures.jobs import PHONE


@pytest.fixture
def guide(catalogue):
    sold = datetime.now(UTC).date() - timedelta(days=800)
    header = "serial,model,sale_date,province,city,store,customer_phone\n"
    sale = f"{header}SN-OLD2,TV55,{sold},370000,370100,Store 1,{PHONE}\n"
    assert import_sales(io.BytesIO(sale.encode()), "old2.csv")["rejected"] == []
    db.session.add_all(
        [
            FeeItem(code="TV-BOARD", category="tv", repair_type="board", name="更换主板", labour_cents=8_000),
            FeeItem(
                code="WM-PUMP", category="washing_machine", repair_type="pump", name="更换排水泵", labour_cents=6_000
            ),
            TravelFee(area_class="county", fee_cents=3_000),
        ]
    )
    db.session.scalar(select(Part).where(Part.part_no == "BOARD")).customer_price_cents = 20_000
    db.session.commit()
    return catalogue


@pytest.fixture
def paid_job(guide, open_job, walk):
    """``paid_job(serial="SN-OLD", technician=tech1)`` → the JSON of a new paid job of P01 on site (SN-OLD2 is a
    second unit out of warranty)."""

    def make(serial="SN-OLD", technician=None):
        job = walk(open_job(serial=serial), "on_site", technician or guide.tech1)
        assert job["job_type"] == "paid"
        return job

    return make


LINES = [
    {"kind": "labour", "fee_code": "TV-BOARD", "quantity": 1, "unit_price_cents": 8_000},
    {"kind": "part", "part_code": "BOARD", "quantity": 1, "unit_price_cents": 18_000},
    {"kind": "travel", "unit_price_cents": 3_000},
]


def quote_body(**overrides):
    return {"ref": str(uuid.uuid4()), "lines": LINES, "discount_cents": 1_000, "note": "", **overrides}


def payment_body(quote_ref, amount_cents, **overrides):
    ref = str(uuid.uuid4())
    body = {"ref": ref, "quote_ref": quote_ref, "method": "cash", "amount_cents": amount_cents}
    return {**body, "receipt_number": receipt_number(ref), **overrides}


def sent_code(job_number):
    """The approval code in the latest quote message of the job."""
    body = db.session.scalars(select(Message.body).where(Message.kind == "quote_code").order_by(Message.id.desc()))
    for text in body:
        if job_number in text:
            return re.search(r"确认码为(\d{6})", text).group(1)
    raise AssertionError(f"no quote code was sent for {job_number}")


@pytest.fixture
def apply(device, guide):
    """``apply(op_type, job, payload, phone=None)`` → the push's answer for that one op, from tech1's phone (or
    ``phone``: another ``device(name)``)."""
    tech1 = device("tech1")

    def push(op_type, job, payload, phone=None):
        phone = phone or tech1
        op = phone.op(op_type, job["id"], payload)
        status, body = phone.push([op])
        assert status == 200, body
        return body["results"][0]

    push.phone = tech1
    return push


def approved(apply, job, phone=None, **quote_fields):
    """A quote of ``job`` saved and approved with the code sent to the customer; its ref."""
    body = quote_body(**quote_fields)
    assert apply("quote.save", job, body, phone)["result"] == "applied"
    answer = apply(
        "quote.approve", job, {"ref": body["ref"], "method": "code", "code": sent_code(job["number"])}, phone
    )
    assert answer["result"] == "applied", answer
    return body["ref"]
