"""What the transaction already holds: locks it has taken and rows it has read, asked for once.

A push applies hundreds of ops in one transaction; each used to take the same
stock lock and read the same part and warehouse again, a round trip apiece.
Kept here per savepoint, because PostgreSQL releases a lock taken in a
savepoint that is rolled back, and a row created in one is gone with it: what
a savepoint took is forgotten when it rolls back, and belongs to the
transaction or savepoint around it once it is released.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm import SessionTransaction

from server.extensions import db

_KEY = "held"


def innermost(session: Session) -> SessionTransaction | None:
    """The savepoint the session now writes in, or else its transaction."""
    return session.get_nested_transaction() or session.get_transaction()


def enclosing(transaction: SessionTransaction) -> SessionTransaction | None:
    """The savepoint or transaction around ``transaction`` (passing over the ORM's own subtransactions)."""
    outer = transaction.parent
    while outer is not None and outer.parent is not None and not outer.nested:
        outer = outer.parent
    return outer


def _levels(session: Session) -> dict[SessionTransaction, dict[str, Any]]:
    return session.info.setdefault(_KEY, {})


def recall(key: str) -> Any:
    """What this transaction keeps under ``key`` (None when nothing, or what a rolled-back savepoint took)."""
    session = db.session()
    levels = session.info.get(_KEY)
    if not levels:
        return None
    level = innermost(session)
    while level is not None:
        kept = levels.get(level)
        if kept is not None and key in kept:
            return kept[key]
        level = enclosing(level)
    return None


def keep(key: str, value: Any = True) -> None:
    """Keep ``value`` under ``key`` until the transaction ends, or the savepoint it was taken in rolls back."""
    session = db.session()
    level = innermost(session)
    if level is not None:
        _levels(session).setdefault(level, {})[key] = value


def _released(session: Session) -> None:
    # ``after_commit`` fires for a savepoint as it is released, while it is still the innermost.
    savepoint = session.get_nested_transaction()
    if savepoint is None:
        return
    kept = session.info.get(_KEY, {}).pop(savepoint, None)
    outer = enclosing(savepoint)
    if kept and outer is not None:
        _levels(session).setdefault(outer, {}).update(kept)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    levels = session.info.get(_KEY)
    if levels:
        levels.pop(transaction, None)


def install() -> None:
    """Listen on every session (once)."""
    if getattr(install, "done", False):
        return
    event.listen(Session, "after_commit", _released)
    event.listen(Session, "after_transaction_end", _ended)
    install.done = True  # type: ignore[attr-defined]
