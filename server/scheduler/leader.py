"""Which scheduler process acts: the one holding the database's scheduler lock.

Every app server may start a scheduler; all but one stand by. On PostgreSQL
the lock is a session advisory lock held on a connection kept open for the
life of the process: it is taken without waiting, and it is released by the
database itself the moment the holder's connection ends, so a standby takes
over on its next tick after the leader dies. SQLite lives on one machine, so
an exclusive lock on a file beside the database does the same.
"""

import fcntl
import logging
import os

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# One key for the whole deployment: every scheduler competes for the same lock.
LOCK_NAME = "sanbao:scheduler"


class PostgresLeaderLock:
    def __init__(self, engine):
        self.engine = engine
        self.connection = None
        self.held = False

    def acquire(self):
        """Try to become (or stay) the acting scheduler, without waiting; True if this process acts."""
        try:
            if self.held:
                return self._still_held()
            if self.connection is None:
                self.connection = self.engine.connect()
            self.held = bool(
                self.connection.execute(
                    text("SELECT pg_try_advisory_lock(hashtextextended(:name, 0))"), {"name": LOCK_NAME}
                ).scalar()
            )
            # Keep no transaction open on the lock's connection between ticks.
            self.connection.commit()
            return self.held
        except DBAPIError:
            log.warning("scheduler lock connection lost; standing by", exc_info=True)
            self._drop()
            return False

    def _still_held(self):
        """Whether this very session still holds the lock: a connection that was dropped and
        silently replaced holds nothing, and its successor may be leading by now."""
        if self.connection.invalidated:
            self._drop()
            return False
        held = self.connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid())"
            )
        ).scalar()
        self.connection.commit()
        if not held:
            log.warning("scheduler lock lost; standing by")
            self._drop()
        return bool(held)

    def release(self):
        if self.connection is not None and self.held:
            try:
                self.connection.execute(
                    text("SELECT pg_advisory_unlock(hashtextextended(:name, 0))"), {"name": LOCK_NAME}
                )
                self.connection.commit()
            except DBAPIError:
                pass
        self._drop()

    def _drop(self):
        if self.connection is not None:
            try:
                self.connection.invalidate()
                self.connection.close()
            except DBAPIError:
                pass
        self.connection = None
        self.held = False


class FileLeaderLock:
    def __init__(self, path):
        self.path = path
        self.handle = None

    def acquire(self):
        if self.handle is not None:
            return True
        handle = open(self.path, "a+")  # noqa: SIM115 - held open for the life of the process
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def release(self):
        if self.handle is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    @property
    def held(self):
        return self.handle is not None


def leader_lock(engine, instance_path):
    """The lock that suits the database: advisory on PostgreSQL, a file beside a SQLite database."""
    if engine.dialect.name == "postgresql":
        return PostgresLeaderLock(engine)
    database = engine.url.database
    if database and database != ":memory:":
        path = f"{database}.scheduler.lock"
    else:
        path = os.path.join(instance_path, "scheduler.lock")
    return FileLeaderLock(path)
