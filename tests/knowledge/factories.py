"""A fault code the knowledge base knows, for tests elsewhere that record one on a job or a claim."""

from sqlalchemy import select

from server.extensions import db
from server.knowledge.models import Article


def ensure_fault_code(code="E01", title=None, active=True):
    """The defect entry of ``code``, created (committed) when missing."""
    article = db.session.scalar(select(Article).where(Article.fault_code == code))
    if article is None:
        article = Article(type="defect", title=title or f"Defect {code}", fault_code=code, active=active)
        db.session.add(article)
        db.session.commit()
    return article
