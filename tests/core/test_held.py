"""What a transaction holds is asked for once, and forgotten as PostgreSQL forgets it.

A lock taken again in the same transaction costs no round trip; one taken in a
savepoint that rolls back is released by PostgreSQL, so it is taken again; one
taken in a savepoint that is released stays the transaction's. Another real
connection tries each lock to prove what PostgreSQL holds, and the statements
sent are counted to prove what was asked.
"""

import pytest
from sqlalchemy import event
from sqlalchemy import text

from server.core.locks import serialise_on
from server.extensions import db
from server.parts.services import parts
from server.parts.services import stock_level
from server.parts.services import warehouse_by_code

pytestmark = pytest.mark.postgres_only

KEY = "held-test:stock"


@pytest.fixture
def statements():
    """The statements the session sends from here on."""
    sent = []

    def log(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", log)
    yield sent
    event.remove(engine, "before_cursor_execute", log)


@pytest.fixture
def other():
    """Another connection, which tries the lock ``KEY`` and lets it go at once."""
    connection = db.engine.connect()

    def may_take():
        taken = connection.execute(text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": KEY})
        free = taken.scalar_one()
        connection.rollback()
        return free

    yield may_take
    connection.close()


def locks_asked(sent):
    return sum("pg_advisory_xact_lock" in statement for statement in sent)


def test_a_lock_held_is_not_asked_for_again(app, statements, other):
    serialise_on(KEY)
    serialise_on(KEY)
    serialise_on(KEY, "held-test:other")
    assert locks_asked(statements) == 2
    assert not other()
    db.session.rollback()
    assert other()


def test_a_lock_taken_in_a_savepoint_rolled_back_is_released_and_taken_again(app, statements, other):
    savepoint = db.session.begin_nested()
    serialise_on(KEY)
    savepoint.rollback()
    assert other(), "PostgreSQL released the lock with the savepoint"
    serialise_on(KEY)
    assert locks_asked(statements) == 2
    assert not other()
    db.session.rollback()


def test_a_lock_taken_in_a_savepoint_released_stays_the_transactions(app, statements, other):
    savepoint = db.session.begin_nested()
    inner = db.session.begin_nested()
    serialise_on(KEY)
    inner.commit()
    savepoint.commit()
    serialise_on(KEY)
    assert locks_asked(statements) == 1
    assert not other()
    db.session.commit()
    assert other()
    serialise_on(KEY)
    assert locks_asked(statements) == 2, "a new transaction takes the lock again"
    db.session.rollback()


def test_a_stock_row_locked_is_read_once_and_again_after_a_rollback(app, make_stock, statements):
    make_stock("HQ", "BRD-1", 5)
    warehouse = warehouse_by_code("HQ")
    part = parts.find("BRD-1")
    db.session.commit()
    statements.clear()
    level, created = stock_level(warehouse, part, lock=True)
    again, _ = stock_level(warehouse, part, lock=True)
    assert again is level
    assert not created
    reads = sum("FROM stock_levels" in statement for statement in statements)
    assert reads == 1
    savepoint = db.session.begin_nested()
    stock_level(warehouse, part, lock=True)  # held from before the savepoint: not read
    savepoint.rollback()
    assert sum("FROM stock_levels" in statement for statement in statements) == 1
    db.session.rollback()
    stock_level(warehouse, part, lock=True)
    assert sum("FROM stock_levels" in statement for statement in statements) == 2
    db.session.rollback()
