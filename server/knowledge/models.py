"""Knowledge-base entries (知识库): FAQs and product defects, the models and parts they concern."""

from datetime import datetime

from sqlalchemy import Column
from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.extensions import db

ARTICLE_TYPES = ("faq", "defect")

article_products = Table(
    "knowledge_article_products",
    db.metadata,
    Column("article_id", ForeignKey("knowledge_articles.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True),
)

article_parts = Table(
    "knowledge_article_parts",
    db.metadata,
    Column("article_id", ForeignKey("knowledge_articles.id", ondelete="CASCADE"), primary_key=True),
    Column("part_id", ForeignKey("parts.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ArticleCategory(db.Model):
    """A whole product category an entry applies to (e.g. every air conditioner)."""

    __tablename__ = "knowledge_article_categories"

    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class Article(db.Model):
    """One knowledge-base entry; a defect carries the fault code jobs and claims record."""

    __tablename__ = "knowledge_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    symptom: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(Text, default="")
    fix: Mapped[str] = mapped_column(Text, default="")
    # Only defects have one; NULLs do not collide under the unique constraint on either database.
    fault_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Every change bumps it; an edit based on a stale read fails instead of overwriting.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    products = relationship("Product", secondary=article_products, order_by="Product.model", lazy="selectin")
    parts = relationship("Part", secondary=article_parts, order_by="Part.part_no", lazy="selectin")
    category_rows = relationship(
        "ArticleCategory", order_by="ArticleCategory.category", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def models(self):
        return [product.model for product in self.products]

    @property
    def categories(self):
        return [row.category for row in self.category_rows]

    @property
    def part_nos(self):
        return [part.part_no for part in self.parts]

    def __repr__(self):
        return f"<Article {self.id} {self.type} {self.fault_code or ''}>"
