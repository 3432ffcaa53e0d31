"""Reference worlds built once per worker and copied row for row into the next tests that ask for them.

Thousands of tests start from the same few worlds (``world``, ``people``, ``staff``, ``catalogue``…), and
building one through the services costs a test tens of milliseconds on SQLite and over a hundred on PostgreSQL,
often more than the test itself. A world's fixture hands its building to ``recorded(name, build)``: the first
test of a worker that asks for it builds it and keeps the rows it wrote; every later one gets those rows
inserted as they were (same ids, same values, the sequences where the build left them) and reads its objects
back from the database, as it would after building them.

A copy is only made where it is exact: when the test's database holds nothing but the worlds recorded so far,
in the order they were recorded (a test that wrote anything else first, or asks for them in another order,
builds as before), and of a build that only added rows. The recordings are of one UTC day: the worlds hold
dates counted from today. Where a test starts on a database it cannot vouch for (SQLite tests marked
``commits``, PostgreSQL's first test), it builds.
"""

from datetime import UTC
from datetime import datetime

from sqlalchemy import event
from sqlalchemy import text

from server.extensions import db

_NOT_RECORDED = object()
# The first word of the statements that may change what a table or a sequence holds (nextval below).
_WRITES = {"INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE", "ALTER", "CREATE", "DROP", "WITH", "DO", "CALL"}


class Recordings:
    def __init__(self):
        self.deltas = {}  # (backend, UTC day, worlds in order) → what the last world added, or None if not copyable
        self.database = None  # the test's database while it holds exactly ``chain``, else None
        self.chain = None  # the worlds the test's database holds, in the order they were made

    def start(self, database):
        """A test begins on ``database`` (``SQLiteRows`` or ``PostgresRows``), empty."""
        self.database, self.chain = database, ()

    def stop(self):
        self.database = self.chain = None

    def __call__(self, name, build):
        """Build the world ``name`` with ``build()``, or copy its recorded rows; True when copied."""
        database = self.database
        if database is None:
            build()
            return False
        db.session.flush()
        if not database.untouched():
            self.stop()
            build()
            return False
        key = (database.backend, datetime.now(UTC).date(), *self.chain, name)
        delta = self.deltas.get(key, _NOT_RECORDED)
        copied = delta is not _NOT_RECORDED and delta is not None
        if copied:
            database.write(delta)
            # Into the test's transaction as a build's commits put them: a rollback of the session (a refused
            # request's) must not take them away with its savepoint.
            db.session.commit()
        else:
            before = database.rows() if delta is _NOT_RECORDED else None
            build()
            db.session.flush()
            if before is not None:
                delta = self.deltas[key] = database.added(before, database.rows())
        if delta is None:
            self.stop()
        else:
            self.chain = key[2:]
            database.mark()
        return copied


class SQLiteRows:
    """The rolled-back SQLite test's one connection (pysqlite): rows as tuples, changes by its own count."""

    backend = "sqlite"

    def __init__(self, driver):
        self.driver = driver
        self.mark()

    def mark(self):
        self.changes = self.driver.total_changes

    def untouched(self):
        return self.driver.total_changes == self.changes

    def rows(self):
        return {t.name: self.driver.execute(f'SELECT * FROM "{t.name}"').fetchall() for t in db.metadata.sorted_tables}

    def added(self, before, after):
        return _added(before, after)

    def write(self, delta):
        for table, rows in delta.items():
            self.driver.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(rows[0]))})', rows)


class PostgresRows:
    """A PostgreSQL test's database: rows as COPY's text lines (exact for every type), sequences by value, and
    changes counted from the statements the app's engine sends."""

    backend = "postgresql"

    def __init__(self, counter):
        self.counter = counter
        self.mark()

    def mark(self):
        self.writes = self.counter.writes

    def untouched(self):
        return self.counter.writes == self.writes

    def _driver(self):
        return db.session.connection().connection.driver_connection

    def rows(self):
        with self._driver().cursor() as cursor:
            tables = {}
            for table in db.metadata.sorted_tables:
                with cursor.copy(f'COPY "{table.name}" TO STDOUT') as copy:
                    tables[table.name] = [bytes(line) for line in copy]
            sequences = db.session.execute(
                text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()")
            )
            return tables, dict(sequences.all())

    def added(self, before, after):
        rows = _added(before[0], after[0])
        return None if rows is None else (rows, {name: value for name, value in after[1].items() if value is not None})

    def write(self, delta):
        rows, sequences = delta
        with self._driver().cursor() as cursor:
            for table, lines in rows.items():
                with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                    copy.write(b"".join(lines))
        if sequences:
            calls = ", ".join(f"setval('\"{name}\"', {value})" for name, value in sequences.items())
            db.session.execute(text(f"SELECT {calls}"))


class WriteCounter:
    """Counts the statements an engine sends that may change rows or sequences."""

    def __init__(self, engine):
        self.writes = 0
        event.listen(engine, "before_cursor_execute", self.count)

    def count(self, conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip()[:8].split(None, 1)
        if (head and head[0].upper() in _WRITES) or "nextval" in statement or "setval" in statement:
            self.writes += 1


def _added(before, after):
    """The rows ``after`` has beyond ``before``, table by table in insertion order; None unless rows were only added."""
    delta = {}
    for table, rows in after.items():
        kept = set(before[table])
        if not kept <= set(rows):
            return None
        added = [row for row in rows if row not in kept]
        if added:
            delta[table] = added
    return delta


recorded = Recordings()
