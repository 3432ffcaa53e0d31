"""Rules of the knowledge base: entries, their search, the fault codes jobs and claims may use, and the
fault-code statistics product engineering reads."""

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import TypedDict

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import or_
from sqlalchemy import select

from server.core.clock import utcnow
from server.core.locks import serialise_on
from server.core.reference import invalid
from server.core.roles import ADMIN
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.knowledge.models import Article
from server.knowledge.models import ArticleCategory
from server.parts.models import Part
from server.products.models import Product
from server.products.models import WarrantyPolicy
from server.users.models import User

DEFECT = "defect"
FAQ = "faq"
# Searched columns: what a technician reads, and the code on the unit's display.
SEARCHED = (Article.title, Article.symptom, Article.cause, Article.fix, Article.fault_code)


class FaultCodeList(TypedDict):
    items: Sequence[Article]


# ---------------------------------------------------------------- entries


def _known(key, values, field, words):
    """The rows whose ``key`` column holds each of ``values``, sorted by it; 422 on ``field`` naming the unknown."""
    if not values:
        return []
    found = {getattr(row, key.key): row for row in db.session.scalars(select(key.class_).where(key.in_(values)))}
    unknown = [value for value in values if value not in found]
    if unknown:
        raise invalid(field, f"unknown {words}: {', '.join(unknown)}")
    return [found[value] for value in sorted(found)]


def _products(models):
    return _known(Product.model, models, "models", "model(s)")


def _parts(part_nos):
    return _known(Part.part_no, part_nos, "parts", "part(s)")


def _categories(categories: Sequence[str]) -> list[str]:
    """The categories, each known from a product or a warranty policy; InvalidInput naming the others."""
    if not categories:
        return []
    known = set(db.session.scalars(select(Product.category).where(Product.category.in_(categories))))
    known |= set(db.session.scalars(select(WarrantyPolicy.category).where(WarrantyPolicy.category.in_(categories))))
    unknown = [category for category in categories if category not in known]
    if unknown:
        raise invalid("categories", f"unknown categor(y/ies): {', '.join(unknown)}")
    return sorted(categories)


def _check_code(article_type: str, fault_code: str | None, article_id: int | None = None) -> None:
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


def create_article(user: User, values: Mapping[str, Any]) -> Article:
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


def update_article(article: Article, values: Mapping[str, Any]) -> Article:
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
    changes: dict[str, Any] = {key: values[key] for key in ("symptom", "cause", "fix", "active") if key in values}
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


def deactivate_article(article: Article) -> Article:
    """Withdraw an entry: it leaves searches and phones, and its fault code takes no new jobs or claims."""
    return update_article(article, {"active": False})


def get_article(user: User, article_id: int) -> Article:
    """One entry; a withdrawn one only for admins (others get the 404 of a missing one)."""
    article = db.session.get(Article, article_id)
    if article is None or (not article.active and user.role != ADMIN):
        raise NotFound(f"There is no knowledge-base entry {article_id}.", code="article_not_found")
    return article


def _like(term: str) -> str:
    """``%term%`` with the user's own % and _ taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def known_model(model: str) -> Product:
    """The product of ``model``; 422 on the field ``model`` when there is none."""
    product: Product | None = db.session.scalar(select(Product).where(Product.model == model))
    if product is None:
        raise invalid("model", f"unknown model {model}")
    return product


def _for_model(product: Product) -> ColumnElement[bool]:
    return or_(
        Article.products.any(Product.id == product.id),
        Article.category_rows.any(ArticleCategory.category == product.category),
    )


def search(user: User, args: Mapping[str, Any]) -> Select[Article]:
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
        statement = statement.where(_for_model(known_model(args["model"])))
    return statement.order_by(Article.updated_at.desc(), Article.id.desc())


def fault_codes(model: str | None = None) -> FaultCodeList:
    """The active defect entries' codes, for the forms of jobs and claims; those of ``model`` when given."""
    statement = select(Article).where(Article.active, Article.type == DEFECT, Article.fault_code.is_not(None))
    if model is not None:
        statement = statement.where(_for_model(known_model(model)))
    return {"items": db.session.scalars(statement.order_by(Article.fault_code)).all()}


def require_fault_code(code: str, field: str = "fault_code", active: bool = True) -> Article:
    """The defect entry of ``code``; InvalidInput on ``field`` when no entry has it (or, with ``active``,
    when its entry was withdrawn)."""
    article: Article | None = db.session.scalar(
        select(Article).where(Article.fault_code == code, Article.type == DEFECT)
    )
    if article is None:
        raise invalid(field, f"unknown fault code {code}")
    if active and not article.active:
        raise invalid(field, f"fault code {code} was withdrawn from the knowledge base")
    return article


# ---------------------------------------------------------------- statistics
