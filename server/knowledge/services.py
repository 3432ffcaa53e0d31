"""Rules of the knowledge base: entries, their search, the fault codes jobs and claims may use, and the
fault-code statistics product engineering reads."""

from datetime import date

from flask import current_app
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union_all

from server.accounts.models import ADMIN
from server.accounts.models import PROVIDER_ROLES
from server.claims.models import REJECTED
from server.claims.models import Claim
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.jobs.sla import local_day_bounds
from server.jobs.sla import local_today
from server.knowledge.models import Article
from server.knowledge.models import ArticleCategory
from server.locks import serialise_on
from server.models import utcnow
from server.parts.models import Part
from server.products.models import Product
from server.products.models import WarrantyPolicy
from server.reference import invalid

DEFECT = "defect"
FAQ = "faq"
# Searched columns: what a technician reads, and the code on the unit's display.
SEARCHED = (Article.title, Article.symptom, Article.cause, Article.fix, Article.fault_code)


# ---------------------------------------------------------------- entries


def _products(models):
    if not models:
        return []
    found = {p.model: p for p in db.session.scalars(select(Product).where(Product.model.in_(models)))}
    unknown = [model for model in models if model not in found]
    if unknown:
        raise invalid("models", f"unknown model(s): {', '.join(unknown)}")
    return [found[model] for model in sorted(found)]


def _parts(part_nos):
    if not part_nos:
        return []
    found = {p.part_no: p for p in db.session.scalars(select(Part).where(Part.part_no.in_(part_nos)))}
    unknown = [part_no for part_no in part_nos if part_no not in found]
    if unknown:
        raise invalid("parts", f"unknown part(s): {', '.join(unknown)}")
    return [found[part_no] for part_no in sorted(found)]


def _categories(categories):
    """The categories, each known from a product or a warranty policy; InvalidInput naming the others."""
    if not categories:
        return []
    known = set(db.session.scalars(select(Product.category).where(Product.category.in_(categories))))
    known |= set(db.session.scalars(select(WarrantyPolicy.category).where(WarrantyPolicy.category.in_(categories))))
    unknown = [category for category in categories if category not in known]
    if unknown:
        raise invalid("categories", f"unknown categor(y/ies): {', '.join(unknown)}")
    return sorted(categories)


def _check_code(article_type, fault_code, article_id=None):
    """A defect has a fault code no other entry holds; an FAQ has none."""
    if article_type == FAQ:
        if fault_code is not None:
            raise invalid("fault_code", "an FAQ has no fault code; make it a defect entry")
        return
    if fault_code is None:
        raise invalid("fault_code", "a defect entry needs its fault code")
    # Two admins giving one code at once: the second waits and then sees the first's entry.
    serialise_on(f"fault-code:{fault_code}")
    holder = db.session.scalar(select(Article).where(Article.fault_code == fault_code))
    if holder is not None and holder.id != article_id:
        raise Conflict(
            f"Fault code {fault_code} belongs to entry {holder.id} ({holder.title}).",
            code="fault_code_taken",
            details={"article_id": holder.id},
        )


def create_article(user, values):
    """Add an entry; a defect's fault code must be new."""
    title = values["title"].strip()
    if not title:
        raise invalid("title", "give the entry a title")
    _check_code(values["type"], values["fault_code"])
    article = Article(
        type=values["type"],
        title=title,
        symptom=values["symptom"],
        cause=values["cause"],
        fix=values["fix"],
        fault_code=values["fault_code"],
        products=_products(values["models"]),
        parts=_parts(values["parts"]),
        category_rows=[ArticleCategory(category=c) for c in _categories(values["categories"])],
        created_by_id=user.id,
    )
    db.session.add(article)
    db.session.flush()
    return article


def update_article(article, values):
    """Change some fields of an entry (``active`` withdraws or restores it); every edit is a new version."""
    if "version" in values and values["version"] != article.version:
        raise Conflict(
            f"Entry {article.id} is at version {article.version} now, not {values['version']}; reload it.",
            code="concurrent_change",
        )
    article_type = values.get("type", article.type)
    fault_code = values.get("fault_code", article.fault_code)
    if article_type == FAQ and "fault_code" not in values:
        fault_code = None  # a defect turned into an FAQ gives its code up
    if "title" in values and not values["title"].strip():
        raise invalid("title", "give the entry a title")
    _check_code(article_type, fault_code, article.id)
    changes = {key: values[key] for key in ("symptom", "cause", "fix", "active") if key in values}
    if "title" in values:
        changes["title"] = values["title"].strip()
    changes["type"] = article_type
    changes["fault_code"] = fault_code
    if "models" in values:
        changes["products"] = _products(values["models"])
    if "parts" in values:
        changes["parts"] = _parts(values["parts"])
    if "categories" in values:
        kept = {row.category: row for row in article.category_rows}
        changes["category_rows"] = [
            kept.get(c) or ArticleCategory(category=c) for c in _categories(values["categories"])
        ]
    changed = False
    for name, value in changes.items():
        if getattr(article, name) != value:
            setattr(article, name, value)
            changed = True
    if changed:
        # A change of only its models or parts updates no column of its own: this one makes it a new version.
        article.updated_at = utcnow()
        db.session.flush()
    return article


def deactivate_article(article):
    """Withdraw an entry: it leaves searches and phones, and its fault code takes no new jobs or claims."""
    return update_article(article, {"active": False})


def get_article(user, article_id):
    """One entry; a withdrawn one only for admins (others get the 404 of a missing one)."""
    article = db.session.get(Article, article_id)
    if article is None or (not article.active and user.role != ADMIN):
        raise NotFound(f"There is no knowledge-base entry {article_id}.", code="article_not_found")
    return article


def _like(term):
    """``%term%`` with the user's own % and _ taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _product(model):
    product = db.session.scalar(select(Product).where(Product.model == model))
    if product is None:
        raise invalid("model", f"unknown model {model}")
    return product


def _for_model(product):
    return or_(
        Article.products.any(Product.id == product.id),
        Article.category_rows.any(ArticleCategory.category == product.category),
    )


def search(user, args):
    """Entries matching every word of ``q`` (in title, symptom, cause, fix or fault code), newest first.

    A plain (I)LIKE per word and column rather than a full-text index: PostgreSQL's default parser
    does not split Chinese into words, so "主板" would not be found inside "更换主板后正常", while a
    substring match finds it on both databases, and a knowledge base of thousands of entries scans fast.
    """
    statement = select(Article)
    if "active" in args and user.role != ADMIN:
        raise invalid("active", "only an admin lists withdrawn entries")
    statement = statement.where(Article.active == args.get("active", True))
    for term in (args.get("q") or "").split():
        pattern = _like(term)
        statement = statement.where(or_(*(column.ilike(pattern, escape="\\") for column in SEARCHED)))
    if "type" in args:
        statement = statement.where(Article.type == args["type"])
    if "model" in args:
        statement = statement.where(_for_model(_product(args["model"])))
    return statement.order_by(Article.updated_at.desc(), Article.id.desc())


def fault_codes(model=None):
    """The active defect entries' codes, for the forms of jobs and claims; those of ``model`` when given."""
    statement = select(Article).where(Article.active, Article.type == DEFECT, Article.fault_code.is_not(None))
    if model is not None:
        statement = statement.where(_for_model(_product(model)))
    return {"items": db.session.scalars(statement.order_by(Article.fault_code)).all()}


def require_fault_code(code, field="fault_code", active=True):
    """The defect entry of ``code``; InvalidInput on ``field`` when no entry has it (or, with ``active``,
    when its entry was withdrawn)."""
    article = db.session.scalar(select(Article).where(Article.fault_code == code, Article.type == DEFECT))
    if article is None:
        raise invalid(field, f"unknown fault code {code}")
    if active and not article.active:
        raise invalid(field, f"fault code {code} was withdrawn from the knowledge base")
    return article


# ---------------------------------------------------------------- statistics


def _offset_minutes():
    return int(current_app.config["LOCAL_UTC_OFFSET_MINUTES"])


def _period_of_instant(column, by):
    """The users' local month (or year) of a UTC timestamp, as text, in SQL."""
    minutes = _offset_minutes()
    if db.session.get_bind().dialect.name == "postgresql":
        local = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, minutes)
        return func.to_char(local, "YYYY-MM" if by == "month" else "YYYY")
    return func.strftime("%Y-%m" if by == "month" else "%Y", column, f"{minutes:+d} minutes", type_=String)


def _period_of_day(column, by):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM" if by == "month" else "YYYY")
    return func.strftime("%Y-%m" if by == "month" else "%Y", column, type_=String)


def _default_range(args):
    """The range asked for; by default the twelve months up to today (local)."""
    end = args.get("end") or local_today()
    start = args.get("start")
    if start is None:
        year, month = divmod(end.year * 12 + end.month - 1 - 11, 12)
        start = date(year, month + 1, 1)
        start = min(start, end)
    if end < start:
        raise invalid("to", "the range ends before it starts")
    return start, end


def fault_code_report(user, args):
    """The most frequent fault codes per model and month (or year).

    Counted from two sources: completed jobs with a fault code (by the local day they were completed; the
    model is the request's) and claims not rejected (by repair date; the model claimed). ``total`` counts
    each repair once: a claim naming a job that recorded a fault code is already counted with the job.
    Each period and model keeps its ``top`` codes by total. Provider staff see their provider's only.
    """
    start, end = _default_range(args)
    by = args["by"]
    first_instant, _ = local_day_bounds(start)
    _, last_instant = local_day_bounds(end)
    model = _product(args["model"]).model if "model" in args else None
    scoped = user.role in PROVIDER_ROLES

    job_period = _period_of_instant(Job.completed_at, by).label("period")
    jobs = (
        select(
            job_period,
            Product.model.label("model"),
            Job.fault_code.label("code"),
            func.count().label("jobs"),
            literal_column("0").label("claims"),
            func.count().label("total"),
        )
        .join(ServiceRequest, Job.request_id == ServiceRequest.id)
        .join(Product, ServiceRequest.product_id == Product.id)
        .where(
            Job.fault_code.is_not(None),
            Job.completed_at.is_not(None),
            Job.completed_at >= first_instant,
            Job.completed_at < last_instant,
            *([Product.model == model] if model else []),
            *([Job.provider_id == user.provider_id] if scoped else []),
        )
        .group_by(literal_column("period"), Product.model, Job.fault_code)
    )
    claimed_job = select(Job.id).where(Job.id == Claim.job_id, Job.fault_code.is_not(None)).exists()
    claim_period = _period_of_day(Claim.repair_date, by).label("period")
    claims = (
        select(
            claim_period,
            Claim.model.label("model"),
            Claim.fault_code.label("code"),
            literal_column("0").label("jobs"),
            func.count().label("claims"),
            func.sum(case((claimed_job, 0), else_=1)).label("total"),
        )
        .where(
            Claim.status != REJECTED,
            Claim.repair_date >= start,
            Claim.repair_date <= end,
            *([Claim.model == model] if model else []),
            *([Claim.provider_id == user.provider_id] if scoped else []),
        )
        .group_by(literal_column("period"), Claim.model, Claim.fault_code)
    )
    both = union_all(jobs, claims).subquery()
    summed = (
        select(
            both.c.period,
            both.c.model,
            both.c.code,
            func.sum(both.c.jobs).label("jobs"),
            func.sum(both.c.claims).label("claims"),
            func.sum(both.c.total).label("total"),
        )
        .group_by(both.c.period, both.c.model, both.c.code)
        .subquery()
    )
    ranked = select(
        summed,
        func.row_number()
        .over(partition_by=(summed.c.period, summed.c.model), order_by=(summed.c.total.desc(), summed.c.code))
        .label("rank"),
    ).subquery()
    rows = db.session.execute(
        select(ranked, Article.title)
        .outerjoin(Article, and_(Article.fault_code == ranked.c.code, Article.type == DEFECT))
        .where(ranked.c.rank <= args["top"])
        .order_by(ranked.c.period, ranked.c.model, ranked.c.rank)
    ).all()
    return {
        "start": start,
        "end": end,
        "by": by,
        "rows": [
            {
                "period": row.period,
                "model": row.model,
                "fault_code": row.code,
                "title": row.title,
                "jobs": int(row.jobs),
                "claims": int(row.claims),
                "total": int(row.total),
                "rank": int(row.rank),
            }
            for row in rows
        ],
    }


FAULT_CODE_COLUMNS = ("period", "model", "rank", "fault_code", "title", "total", "jobs", "claims")


def fault_code_rows(report):
    """The statistics as CSV rows, one per period, model and code, in FAULT_CODE_COLUMNS order."""
    return ([row[name] for name in FAULT_CODE_COLUMNS] for row in report["rows"])
