"""The parts supply cycle: days from a shortage's requisition to the parts in the provider's hands, and its
reverse path: days from the repair to the old part at the RDC.

The published case cut it from 25 days to 12, aiming at 7. The report gives
mean, median and 90th percentile by province and by path (straight from the
RDC, or through the headquarters plan), and the mean of each stage, so the
days can be traced to where they are spent.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from typing import Any
from typing import Literal
from typing import TypedDict

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from server.core.clock import local_range
from server.extensions import db
from server.network.models import Region
from server.supply.models import PartReturn
from server.supply.models import Requisition
from server.users.models import User

DAY = 86400.0
STAGES = (
    ("approval", "raised_at", "approved_at"),
    ("shipping", "approved_at", "shipped_at"),
    ("delivery", "shipped_at", "received_at"),
)


class CycleSummary(TypedDict):
    requisitions: int
    mean_days: float | None  # None when no requisition counts
    median_days: float | None
    p90_days: float | None


class ProvinceCycle(CycleSummary):
    province_code: str
    province_name: str


class PathCycle(CycleSummary):
    path: str | None


class ReverseSummary(TypedDict):
    returns: int
    mean_days: float | None
    median_days: float | None
    p90_days: float | None


class ProvinceReverse(ReverseSummary):
    province_code: str
    province_name: str


class StageMean(TypedDict):
    stage: str
    mean_days: float | None


# "from" is a keyword, so this one is spelt as a call.
CycleReport = TypedDict(
    "CycleReport",
    {
        "from": date,
        "to": date,
        "target_days": float,
        "overall": CycleSummary,
        "by_province": list[ProvinceCycle],
        "by_path": list[PathCycle],
        "stages": list[StageMean],
        # Old parts received at the RDC in the period: days from the repair that replaced them.
        "reverse": ReverseSummary,
        "reverse_by_province": list[ProvinceReverse],
    },
)


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` percentile by linear interpolation (as SQL's percentile_cont)."""
    if not sorted_values:
        return None
    position = (len(sorted_values) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def summary(days: Iterable[float]) -> CycleSummary:
    days = sorted(days)
    if not days:
        return {"requisitions": 0, "mean_days": None, "median_days": None, "p90_days": None}
    median, p90 = percentile(days, 0.5), percentile(days, 0.9)
    # Of at least one day, so both are found.
    assert median is not None
    assert p90 is not None
    return {
        "requisitions": len(days),
        "mean_days": round(sum(days) / len(days), 2),
        "median_days": round(median, 2),
        "p90_days": round(p90, 2),
    }


def _days(begin, finish):
    """Days from ``begin`` to ``finish`` computed by the database, as a plain number.

    Reading four timestamps per row into Python cost two thirds of the report
    over a year of requisitions; one float per stage costs a fraction of that.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", finish - begin) / DAY
    return func.julianday(finish) - func.julianday(begin)


def parts_cycle(user: User, args: Mapping[str, Any]) -> CycleReport:
    """Supply cycle of the requisitions received between ``from`` and ``to`` (local days, both included)."""
    first, last, start, end = local_range(args, 90)
    scope = [Requisition.received_at >= start, Requisition.received_at < end]
    if user.province_id is not None:  # a provincial clerk or dispatcher sees their province
        scope.append(Requisition.province_id == user.province_id)
    if "province" in args:
        scope.append(Requisition.province_id.in_(select(Region.id).where(Region.code == args["province"])))
    overall: list[float] = []
    by_province: defaultdict[int, list[float]] = defaultdict(list)
    by_path: defaultdict[str | None, list[float]] = defaultdict(list)
    rows = db.session.execute(
        select(Requisition.province_id, Requisition.path, _days(Requisition.raised_at, Requisition.received_at)).where(
            *scope
        )
    )
    for province_id, path, days in rows:
        days = float(days)
        overall.append(days)
        by_province[province_id].append(days)
        by_path[path].append(days)
    stage_means = db.session.execute(
        select(*(func.avg(_days(getattr(Requisition, b), getattr(Requisition, f))) for _, b, f in STAGES)).where(*scope)
    ).one()
    reverse, reverse_by_province = _reverse(user, args, start, end)
    provinces = {
        region.id: region
        for region in db.session.scalars(
            select(Region).where(Region.id.in_(list(by_province) + list(reverse_by_province)))
        )
    }
    return {
        "from": first,
        "to": last,
        "target_days": current_app.config["PARTS_CYCLE_TARGET_DAYS"],
        "overall": summary(overall),
        "by_province": sorted(
            (
                {"province_code": provinces[pid].code, "province_name": provinces[pid].name, **summary(days)}
                for pid, days in by_province.items()
            ),
            key=lambda row: row["province_code"],
        ),
        "by_path": [{"path": path, **summary(days)} for path, days in sorted(by_path.items())],
        "stages": [
            {"stage": stage, "mean_days": round(float(mean), 2) if mean is not None else None}
            for (stage, _, _), mean in zip(STAGES, stage_means, strict=True)
        ],
        "reverse": _reverse_summary(reverse),
        "reverse_by_province": sorted(
            (
                {
                    "province_code": provinces[pid].code,
                    "province_name": provinces[pid].name,
                    **_reverse_summary(days),
                }
                for pid, days in reverse_by_province.items()
            ),
            key=lambda row: row["province_code"],
        ),
    }


def _reverse_summary(days: list[float]) -> ReverseSummary:
    figures = summary(days)
    return {
        "returns": figures["requisitions"],
        "mean_days": figures["mean_days"],
        "median_days": figures["median_days"],
        "p90_days": figures["p90_days"],
    }


def _reverse(
    user: User, args: Mapping[str, Any], start: datetime, end: datetime
) -> tuple[list[float], dict[int, list[float]]]:
    """Days from the repair to the old part's arrival at the RDC, of the returns received in the period."""
    scope = [PartReturn.received_at >= start, PartReturn.received_at < end]
    if user.province_id is not None:
        scope.append(PartReturn.province_id == user.province_id)
    if "province" in args:
        scope.append(PartReturn.province_id.in_(select(Region.id).where(Region.code == args["province"])))
    overall: list[float] = []
    by_province: defaultdict[int, list[float]] = defaultdict(list)
    for province_id, days in db.session.execute(
        select(PartReturn.province_id, _days(PartReturn.fitted_at, PartReturn.received_at)).where(*scope)
    ):
        overall.append(float(days))
        by_province[province_id].append(float(days))
    return overall, by_province


Figure = Literal["requisitions", "mean_days", "median_days", "p90_days"]
FIGURES: tuple[Figure, ...] = ("requisitions", "mean_days", "median_days", "p90_days")
CSV_HEADER = ("section", "key", *FIGURES)


def csv_rows(report: CycleReport) -> list[tuple[Any, ...]]:
    """The report as CSV rows: overall, then by province, by path and the mean days of each stage."""
    rows: list[tuple[Any, ...]] = [("overall", "", *(report["overall"][f] for f in FIGURES))]
    rows += [("province", r["province_code"], *(r[f] for f in FIGURES)) for r in report["by_province"]]
    rows += [("path", r["path"], *(r[f] for f in FIGURES)) for r in report["by_path"]]
    rows += [("stage", r["stage"], "", r["mean_days"], "", "") for r in report["stages"]]
    reverse = report["reverse"]
    rows.append(("reverse", "", reverse["returns"], reverse["mean_days"], reverse["median_days"], reverse["p90_days"]))
    rows += [
        ("reverse_province", r["province_code"], r["returns"], r["mean_days"], r["median_days"], r["p90_days"])
        for r in report["reverse_by_province"]
    ]
    return rows


def file_name(report: CycleReport) -> str:
    return f"parts-cycle-{report['from']}-{report['to']}.csv"
