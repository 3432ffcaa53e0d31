"""Parts in the demo data set: the jobs meant to wait for parts are short of one that fits their unit,
reported by their technician as on a phone, so each requisition raises itself and waits for its clerk."""

from datetime import timedelta

from sqlalchemy import select

from server.extensions import db
from server.parts.models import Part
from server.parts.models import part_models
from server.supply.services.usage import report_shortage


def seed_shortages(rng, short_of_parts):
    """Report one missing part on each job of ``short_of_parts`` (``(job, technician, at)``, as the jobs demo
    hands them back); return how many requisitions were raised."""
    fitting = {}
    for product_id, part_no in db.session.execute(
        select(part_models.c.product_id, Part.part_no)
        .join(Part, Part.id == part_models.c.part_id)
        .order_by(Part.part_no)
    ):
        fitting.setdefault(product_id, []).append(part_no)
    raised = 0
    for job, technician, at in short_of_parts:
        parts = fitting.get(job.product_id)
        if not parts:
            continue  # nothing in the catalogue fits: the technician could not name a part
        part_no = rng.choice(parts)
        device_time = at - timedelta(seconds=rng.randrange(1, 90))
        report_shortage(
            job, technician, [{"part_no": part_no, "qty": 1}], note="现场缺件", device_time=device_time, now=at
        )
        raised += 1
    return raised
