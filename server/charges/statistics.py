"""Charge statistics (收费统计): paid repairs by product category, province, provider or technician, what was
quoted against the fee guide (the discounts given), paid and still owed.

A job counts in the range its latest quote was made in; its figures are that version's.
"""

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from server.charges.models import APPROVED
from server.charges.models import Payment
from server.charges.models import Quote
from server.core.clock import local_range
from server.core.roles import PROVIDER_MANAGER
from server.extensions import db
from server.jobs.models import Job
from server.network.models import Provider
from server.network.models import Region
from server.products.models import Product
from server.users.models import User

FIELDS = ("jobs", "quoted_cents", "guide_cents", "discount_cents", "paid_cents", "outstanding_cents")
COLUMNS = ("key", "label", *FIELDS)
DEFAULT_DAYS = 30


def _key(group: str):
    """The columns a row is keyed and labelled by, and the join that reaches them."""
    if group == "category":
        return Product.category, Product.category, (Product, Product.id == Job.product_id)
    if group == "province":
        return Region.code, Region.name, (Region, Region.id == Job.province_id)
    if group == "technician":
        return (
            User.username,
            func.coalesce(func.nullif(User.display_name, ""), User.username),
            (User, User.id == Job.technician_id),
        )
    return Provider.code, Provider.name, (Provider, Provider.id == Job.provider_id)


def charges_report(user: User, args: Mapping[str, Any]) -> dict[str, Any]:
    """``{group, from, to, rows: [{key, label, jobs, quoted, guide, discount, paid, outstanding}], totals}``; a
    provider's manager reads its own provider's jobs only."""
    first, last, start, end = local_range(args, DEFAULT_DAYS)
    group = args.get("group", "provider")
    latest = select(Quote.job_id, func.max(Quote.version).label("version")).group_by(Quote.job_id).subquery()
    paid = select(Payment.quote_id, func.sum(Payment.amount_cents).label("cents")).group_by(Payment.quote_id).subquery()
    key, label, (table, on) = _key(group)
    statement = (
        select(key, label, Quote.status, Quote.total_cents, Quote.guide_total_cents, func.coalesce(paid.c.cents, 0))
        .join(latest, (latest.c.job_id == Quote.job_id) & (latest.c.version == Quote.version))
        .join(Job, Job.id == Quote.job_id)
        .outerjoin(table, on)
        .outerjoin(paid, paid.c.quote_id == Quote.id)
        .where(Quote.created_at >= start, Quote.created_at < end)
    )
    if user.role == PROVIDER_MANAGER:
        statement = statement.where(Job.provider_id == user.provider_id)
    rows: dict[Any, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    for row_key, row_label, status, total, guide_total, paid_cents in db.session.execute(statement):
        row = rows[(row_key, row_label)]
        row["jobs"] += 1
        row["quoted_cents"] += total
        row["guide_cents"] += guide_total
        row["discount_cents"] += guide_total - total
        row["paid_cents"] += int(paid_cents)
        if status == APPROVED:
            row["outstanding_cents"] += max(total - int(paid_cents), 0)
    listed = [{"key": k, "label": lab, **figures} for (k, lab), figures in rows.items()]
    listed.sort(key=lambda row: (-row["quoted_cents"], str(row["key"])))
    totals = {"key": None, "label": None, **{name: sum(row[name] for row in listed) for name in FIELDS}}
    return {"group": group, "from": first, "to": last, "rows": listed, "totals": totals}
