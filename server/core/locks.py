"""Make transactions that touch the same thing run one after the other.

Check-then-write rules ("no second open request for a unit") hold under
concurrency only if two transactions never check at the same time.
"""

from sqlalchemy import text

from server.extensions import db


def serialise_on(*keys: str) -> None:
    """Hold, until the transaction ends, a lock on each of ``keys`` (strings).

    PostgreSQL: transaction-scoped advisory locks, taken in sorted order so that
    two transactions never wait on each other. SQLite has one writer at a time:
    a write statement that changes nothing takes the database's write lock now,
    so a concurrent writer waits for this transaction to commit, and what this
    one reads from here on is the latest committed data.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        for key in sorted(set(keys)):
            db.session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": key})
    else:
        db.session.execute(text("UPDATE scheduler_runs SET id = id WHERE 1 = 0"))
