"""The parts supply cycle: days from a shortage's requisition to the parts in the provider's hands.

The published case cut it from 25 days to 12, aiming at 7. The report gives
mean, median and 90th percentile by province and by path (straight from the
RDC, or through the headquarters plan), and the mean of each stage, so the
days can be traced to where they are spent.
"""

import math
from collections import defaultdict
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from server.extensions import db
from server.jobs.sla import local_day_bounds
from server.jobs.sla import local_today
from server.network.models import Region
from server.parts.models import Requisition
from server.reference import invalid

DAY = 86400.0
STAGES = (
    ("approval", "raised_at", "approved_at"),
    ("shipping", "approved_at", "shipped_at"),
    ("delivery", "shipped_at", "received_at"),
)


def percentile(sorted_values, fraction):
    """The ``fraction`` percentile by linear interpolation (as SQL's percentile_cont)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def summary(days):
    days = sorted(days)
    if not days:
        return {"requisitions": 0, "mean_days": None, "median_days": None, "p90_days": None}
    return {
        "requisitions": len(days),
        "mean_days": round(sum(days) / len(days), 2),
        "median_days": round(percentile(days, 0.5), 2),
        "p90_days": round(percentile(days, 0.9), 2),
    }


def parts_cycle(user, args):
    """Supply cycle of the requisitions received between ``from`` and ``to`` (local days, both included)."""
    last = args.get("to") or local_today()
    first = args.get("from") or last - timedelta(days=89)
    if last < first:
        raise invalid("to", f"the range ends ({last}) before it starts ({first})")
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    statement = (
        select(
            Region.code,
            Region.name,
            Requisition.path,
            Requisition.raised_at,
            Requisition.approved_at,
            Requisition.shipped_at,
            Requisition.received_at,
        )
        .join(Region, Region.id == Requisition.province_id)
        .where(Requisition.received_at >= start, Requisition.received_at < end)
    )
    if user.province_id is not None:  # a provincial clerk or dispatcher sees their province
        statement = statement.where(Requisition.province_id == user.province_id)
    if "province" in args:
        statement = statement.where(Region.code == args["province"])
    overall = []
    by_province = defaultdict(list)
    names = {}
    by_path = defaultdict(list)
    stages = defaultdict(list)
    for code, name, path, *stamps in db.session.execute(statement):
        times = dict(zip(("raised_at", "approved_at", "shipped_at", "received_at"), stamps, strict=True))
        days = (times["received_at"] - times["raised_at"]).total_seconds() / DAY
        overall.append(days)
        by_province[code].append(days)
        names[code] = name
        by_path[path].append(days)
        for stage, begin, finish in STAGES:
            if times[begin] is not None and times[finish] is not None:
                stages[stage].append((times[finish] - times[begin]).total_seconds() / DAY)
    return {
        "from": first,
        "to": last,
        "target_days": current_app.config["PARTS_CYCLE_TARGET_DAYS"],
        "overall": summary(overall),
        "by_province": [
            {"province_code": code, "province_name": names[code], **summary(days)}
            for code, days in sorted(by_province.items())
        ],
        "by_path": [{"path": path, **summary(days)} for path, days in sorted(by_path.items())],
        "stages": [
            {"stage": stage, "mean_days": round(sum(stages[stage]) / len(stages[stage]), 2) if stages[stage] else None}
            for stage, _, _ in STAGES
        ],
    }
