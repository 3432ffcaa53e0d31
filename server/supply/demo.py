"""Parts in the demo data set: the jobs meant to wait for parts are short of one that fits their unit,
reported by their technician as on a phone, so each requisition raises itself and waits for its clerk. Then
the clerks, the RDCs and the providers work the older ones as they would have: the longer a requisition has
waited, the further it got, so each desk finds its own part of the flow waiting for it."""

from datetime import timedelta

from sqlalchemy import select

from server.errors import Conflict
from server.extensions import db
from server.parts.models import Part
from server.parts.models import part_models
from server.supply.models import Requisition
from server.supply.models import SalesOrder
from server.supply.services import requisitions
from server.supply.services.usage import report_shortage
from server.users.directory import parts_clerks
from server.users.directory import provider_managers

# The share of the requisitions, youngest first, that each step has not reached yet: the youngest wait for
# their clerk, the next have been approved (the RDC has yet to ship), the next are on their way, and the
# oldest have arrived. Each step is stamped between the one before and the moment of loading.
WAITING_FOR = (("approve", 0.2), ("ship", 0.35), ("receive", 0.65))


def seed_shortages(rng, short_of_parts):
    """Report one missing part on each job of ``short_of_parts`` (``(job, technician, at)``, as the jobs demo
    hands them back); return the ids of the requisitions raised."""
    fitting = {}
    for product_id, part_no in db.session.execute(
        select(part_models.c.product_id, Part.part_no)
        .join(Part, Part.id == part_models.c.part_id)
        .order_by(Part.part_no)
    ):
        fitting.setdefault(product_id, []).append(part_no)
    raised = []
    for job, technician, at in short_of_parts:
        parts = fitting.get(job.product_id)
        if not parts:
            continue  # nothing in the catalogue fits: the technician could not name a part
        part_no = rng.choice(parts)
        device_time = at - timedelta(seconds=rng.randrange(1, 90))
        requisition = report_shortage(
            job, technician, [{"part_no": part_no, "qty": 1}], note="现场缺件", device_time=device_time, now=at
        )
        raised.append(requisition.id)
    return raised


def _between(rng, start, end, low, high):
    """A moment between ``low`` and ``high`` of the way from ``start`` to ``end``."""
    return start + (end - start) * rng.uniform(low, high)


def seed_supply(rng, requisition_ids, now):
    """Take the requisitions ``requisition_ids`` as far as their age says by ``now`` (``WAITING_FOR``): approved
    by their province's clerk (what the RDC lacks waits in the headquarters plan), shipped from the RDC,
    received by the provider. A provider whose deposit and credit do not cover one leaves it with the clerk,
    refused. Returns ``{"approved", "shipped", "received"}``: how many got that far."""
    done = {"approved": 0, "shipped": 0, "received": 0}
    youngest_first = db.session.scalars(
        select(Requisition).where(Requisition.id.in_(requisition_ids)).order_by(Requisition.raised_at.desc())
    ).all()
    count = len(youngest_first)
    for rank, requisition in enumerate(youngest_first):
        share = rank / count
        reached = next((step for step, below in WAITING_FOR if share < below), "done")
        if reached == "approve":
            continue
        approved_at = _between(rng, requisition.raised_at, now, 0.05, 0.3)
        clerk = parts_clerks(requisition.province_id)[0]
        try:
            with db.session.begin_nested():
                requisitions.approve(clerk, requisition.id, note="同意，RDC 发货", now=approved_at)
        except Conflict:
            continue  # short of money: it waits with the clerk, as the real one would
        done["approved"] += 1
        order = db.session.scalar(select(SalesOrder).where(SalesOrder.requisition_id == requisition.id))
        if order is None or reached == "ship":
            continue  # the RDC had none (it waits in the headquarters plan), or the RDC has yet to ship it
        shipped_at = _between(rng, approved_at, now, 0.2, 0.5)
        requisitions.ship(clerk, order.id, now=shipped_at)
        done["shipped"] += 1
        if reached == "receive":
            continue  # on its way to the provider
        manager = provider_managers(requisition.provider_id)[0]
        requisitions.receive(manager, order.id, now=_between(rng, shipped_at, now, 0.3, 0.8))
        done["received"] += 1
    db.session.flush()
    return done
