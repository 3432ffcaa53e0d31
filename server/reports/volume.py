"""Request volume patterns, for staffing the call centre and the field: when service requests come in.

Three views of the same requests (those recorded in the range, in the caller's slice, narrowed to a province
and a product line when asked): by weekday and hour of the users' local clock (how many came in, and how many
in an average such hour, since a range holds more Mondays than Sundays now and then); by ISO week of the year,
each beside the same days of the same week a year earlier; and by province and by product line.

The database groups the requests by local day and hour (at most 24 rows a day); Python folds them into
weekdays and weeks, so both backends give the same answer from the same rows.
"""

from collections import Counter
from collections.abc import Mapping
from datetime import date
from datetime import timedelta
from typing import Any
from typing import TypedDict

from flask import current_app
from sqlalchemy import Date
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import cast
from sqlalchemy import extract
from sqlalchemy import func
from sqlalchemy import select

from server.core.clock import local_day_bounds
from server.core.clock import local_range
from server.core.reference import invalid
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.network.models import Region
from server.products.models import Product
from server.reports.services import in_slice
from server.reports.trends import MOST_DAYS
from server.reports.trends import periods
from server.users.models import User

# Twelve weeks by default: enough to see a weekly rhythm and a trend in it.
DEFAULT_DAYS = 84
HOURS = 24
WEEKDAYS = 7


class WeekRow(TypedDict):
    week: str  # ISO year and week, "2026-W49"
    start: date
    end: date
    requests: int
    # The same weekdays of the same ISO week a year earlier; None when that year had no such week (W53).
    last_year_start: date | None
    last_year_end: date | None
    last_year: int | None


def _local(column: Any) -> Any:
    """A UTC timestamp column as the users' local wall-clock time (PostgreSQL)."""
    minutes = int(current_app.config["LOCAL_UTC_OFFSET_MINUTES"])
    return func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, minutes)


def _day_and_hour(column: Any) -> tuple[Any, Any]:
    """The local day and hour of a UTC timestamp, in SQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        local = _local(column)
        return cast(local, Date), cast(extract("hour", local), Integer)
    shift = f"{int(current_app.config['LOCAL_UTC_OFFSET_MINUTES']):+d} minutes"
    return func.date(column, shift, type_=String), cast(func.strftime("%H", column, shift), Integer)


def _day(value: date | str) -> date:
    # SQLite answers dates as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _requests(user: User, args: Mapping[str, Any], start: Any, end: Any, *columns: Any) -> Any:
    """``columns`` of the requests recorded from ``start`` to ``end`` (UTC) in the slice and filters asked for."""
    statement = (
        select(*columns)
        .select_from(ServiceRequest)
        .join(Job, Job.request_id == ServiceRequest.id)
        .where(ServiceRequest.created_at >= start, ServiceRequest.created_at < end, *in_slice(Job, user, args))
    )
    if args.get("product_line"):
        statement = statement.where(
            ServiceRequest.product_id.in_(select(Product.id).where(Product.category == args["product_line"]))
        )
    return statement


def _by_day_and_hour(user: User, args: Mapping[str, Any], first: date, last: date) -> Counter[tuple[date, int]]:
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    day, hour = _day_and_hour(ServiceRequest.created_at)
    rows = db.session.execute(
        _requests(user, args, start, end, day.label("day"), hour.label("hour"), func.count().label("n")).group_by(
            day, hour
        )
    ).all()
    return Counter({(_day(row.day), int(row.hour)): int(row.n) for row in rows})


def _a_year_before(day: date) -> date | None:
    """The same weekday of the same ISO week a year earlier; None when that ISO year had no such week."""
    iso = day.isocalendar()
    try:
        return date.fromisocalendar(iso.year - 1, iso.week, iso.weekday)
    except ValueError:
        return None


def _weeks(first: date, last: date, counts: Counter[date], earlier: Counter[date]) -> list[WeekRow]:
    rows: list[WeekRow] = []
    for start, end in periods(first, last, "week"):
        iso = start.isocalendar()
        before_start, before_end = _a_year_before(start), _a_year_before(end)
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        last_year = None
        if before_start is not None and before_end is not None:
            last_year = sum(earlier[before_start + timedelta(days=n)] for n in range(len(days)))
        rows.append(
            {
                "week": f"{iso.year}-W{iso.week:02d}",
                "start": start,
                "end": end,
                "requests": sum(counts[day] for day in days),
                "last_year_start": before_start,
                "last_year_end": before_end,
                "last_year": last_year,
            }
        )
    return rows


def _grouped(user: User, args: Mapping[str, Any], start: Any, end: Any, column: Any) -> list[tuple[Any, int]]:
    rows = db.session.execute(
        _requests(user, args, start, end, column.label("key"), func.count().label("n"))
        .outerjoin(Product, Product.id == ServiceRequest.product_id)
        .group_by(column)
        .order_by(func.count().desc(), column)
    ).all()
    return [(row.key, int(row.n)) for row in rows]


def _provinces(user: User, args: Mapping[str, Any], start: Any, end: Any) -> list[dict[str, Any]]:
    counted = _grouped(user, args, start, end, Job.province_id)
    ids = [key for key, _ in counted if key is not None]
    names = (
        {
            row.id: (row.code, row.name)
            for row in db.session.execute(select(Region.id, Region.code, Region.name).where(Region.id.in_(ids)))
        }
        if ids
        else {}
    )
    return [
        {"code": names.get(key, (None, ""))[0], "name": names.get(key, (None, ""))[1], "requests": n}
        for key, n in counted
    ]


def request_volume(user: User, args: Mapping[str, Any]) -> dict[str, Any]:
    """When the requests of the range came in: by weekday and hour, by ISO week beside last year's, by province
    and by product line. A range of more than a year is refused (its weekdays would blur two seasons)."""
    first, last, start, end = local_range(args, DEFAULT_DAYS)
    days = (last - first).days + 1
    if days > MOST_DAYS:
        raise invalid("from", f"a range of {days} days is too long; request volume covers at most {MOST_DAYS} days")
    if args.get("province") and db.session.scalar(select(Region.id).where(Region.code == args["province"])) is None:
        raise invalid("province", f"there is no region {args['province']}")
    if args.get("product_line") and (
        db.session.scalar(select(Product.id).where(Product.category == args["product_line"]).limit(1)) is None
    ):
        raise invalid("product_line", f"no product belongs to the product line {args['product_line']}")

    hourly = _by_day_and_hour(user, args, first, last)
    grid = [[0] * HOURS for _ in range(WEEKDAYS)]
    daily: Counter[date] = Counter()
    for (day, hour), n in hourly.items():
        grid[day.weekday()][hour] += n
        daily[day] += n
    weekday_days = [0] * WEEKDAYS
    for n in range(days):
        weekday_days[(first + timedelta(days=n)).weekday()] += 1

    # Last year's counterparts of the range's days, counted by local day.
    counterparts = [d for d in (_a_year_before(first + timedelta(days=n)) for n in range(days)) if d is not None]
    earlier: Counter[date] = Counter()
    if counterparts:
        for (day, _), n in _by_day_and_hour(user, args, min(counterparts), max(counterparts)).items():
            earlier[day] += n
    weeks = _weeks(first, last, daily, earlier)

    peak = max(
        ((weekday, hour) for weekday in range(WEEKDAYS) for hour in range(HOURS)),
        key=lambda cell: (
            grid[cell[0]][cell[1]] / weekday_days[cell[0]] if weekday_days[cell[0]] else 0,
            -cell[0],
            -cell[1],
        ),
    )
    total = sum(daily.values())
    return {
        "from": first,
        "to": last,
        "province": args.get("province"),
        "product_line": args.get("product_line"),
        "total": total,
        "last_year_total": sum(earlier.values()) if counterparts else None,
        "weekday_days": weekday_days,
        "weekday_hour": grid,
        "weekday_hour_mean": [
            [round(grid[w][h] / weekday_days[w], 2) if weekday_days[w] else 0.0 for h in range(HOURS)]
            for w in range(WEEKDAYS)
        ],
        "peak": {
            "weekday": peak[0],
            "hour": peak[1],
            "requests": grid[peak[0]][peak[1]],
        }
        if total
        else None,
        "weeks": weeks,
        "provinces": _provinces(user, args, start, end),
        "product_lines": [
            {"product_line": key, "requests": n} for key, n in _grouped(user, args, start, end, Product.category)
        ],
    }


WEEK_COLUMNS = ("week", "start", "end", "requests", "last_year_start", "last_year_end", "last_year")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def csv_rows(report: Mapping[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The report as one CSV table: a row per week (beside last year), then a row per weekday with its 24 hours."""
    header = ["section", *WEEK_COLUMNS, *(f"h{hour:02d}" for hour in range(HOURS))]
    rows: list[list[Any]] = [
        ["week", *(row[name] for name in WEEK_COLUMNS), *([""] * HOURS)] for row in report["weeks"]
    ]
    rows += [
        ["weekday", WEEKDAY_NAMES[weekday], "", "", sum(counts), "", "", "", *counts]
        for weekday, counts in enumerate(report["weekday_hour"])
    ]
    return header, rows
