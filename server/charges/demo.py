"""Charges in the demo data set: the paid repairs a technician is at now have a quote waiting for the
customer's approval, made through the same rules as the phone's ``quote.save``."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from server.charges import quotes
from server.charges.models import FeeItem
from server.extensions import db
from server.jobs.models import Job
from server.products.models import Product

# Quote refs made from the job's number: the same on every fresh database.
_REFS = uuid.UUID("6f1c8e0a-3b7d-4c2e-9a55-0d4e2b7c9f10")
AT_THE_DOOR = ("on_site", "waiting_parts")


def seed_charges(jobs: Sequence[Job], now: datetime) -> int:
    """Quote the diagnosis and the travel of each paid job a technician is on site at; the quotes made."""
    diagnosis = {
        item.category: item for item in db.session.scalars(select(FeeItem).where(FeeItem.repair_type == "diagnosis"))
    }
    made = 0
    for job in jobs:
        if job.job_type != "paid" or job.state not in AT_THE_DOOR or job.technician is None:
            continue
        category = db.session.scalar(select(Product.category).where(Product.id == job.product_id))
        item = diagnosis.get(category or "")
        if item is None:
            continue
        lines = [
            {"kind": "labour", "fee_code": item.code, "part_code": None, "quantity": 1, "unit_price_cents": 0},
            {"kind": "travel", "fee_code": None, "part_code": None, "quantity": 1, "unit_price_cents": 0},
        ]
        priced, _, _ = quotes.priced_lines(job, lines)
        for line, price in zip(lines, priced, strict=True):
            line["unit_price_cents"] = price["guide_price_cents"]
        ref = str(uuid.uuid5(_REFS, job.number))
        quotes.save(job, job.technician, {"ref": ref, "lines": lines, "discount_cents": 0, "note": ""}, now=now)
        made += 1
    return made
