"""Knowledge-base entries made for tests: a fault code known (for tests elsewhere that record one on a job or
a claim), and the body of a defect entry."""

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


def entry_body(**overrides):
    """A defect entry of TV55: no picture, backlight."""
    body = {
        "type": "defect",
        "title": "有声音无图像 (no picture)",
        "symptom": "开机有声音，屏幕全黑。Sound but a black screen.",
        "cause": "背光灯条损坏。Broken LED backlight.",
        "fix": "更换背光灯条。Replace the backlight.",
        "fault_code": "E21",
        "models": ["TV55"],
        "parts": ["BOARD"],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}
