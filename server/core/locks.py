"""Make transactions that touch the same thing run one after the other.

Check-then-write rules ("no second open request for a unit") hold under
concurrency only if two transactions never check at the same time.
"""

from sqlalchemy import text

from server.core import held
from server.extensions import db


def serialise_on(*keys: str) -> None:
    """Hold, until the transaction ends, a lock on each of ``keys`` (strings).

    PostgreSQL: transaction-scoped advisory locks, taken in sorted order so that
    two transactions never wait on each other. SQLite has one writer at a time:
    a write statement that changes nothing takes the database's write lock now,
    so a concurrent writer waits for this transaction to commit, and what this
    one reads from here on is the latest committed data.

    A lock the transaction holds already is not asked for again (see ``held``).
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    wanted = sorted(key for key in set(keys) if not held.recall(_lock_key(key, postgresql)))
    if not wanted:
        return
    # On the session's connection: a lock depends on nothing pending, so it makes the session flush nothing.
    connection = db.session.connection()
    if postgresql:
        for key in wanted:
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
    else:
        connection.execute(text("UPDATE scheduler_runs SET id = id WHERE 1 = 0"))
    for key in wanted:
        held.keep(_lock_key(key, postgresql))


def _lock_key(key: str, postgresql: bool) -> str:
    # SQLite's one lock is the database's: once taken, every key is held.
    return f"lock:{key}" if postgresql else "lock:sqlite-writer"
