"""Sign-in delays: failed sign-ins make the next try of the same username from the same address wait.

The design, and why:

- Failures count per pair of typed username (known or not) and client address. A stranger failing from
  their address delays only that pair: the owner, signing in from an address that has not been failing, is
  never held up, so nobody can lock an owner out by guessing. Unknown usernames count like known ones, so a
  delay tells nobody whether a username exists.
- The first ``SIGN_IN_DELAY_AFTER`` failures pass freely (typing mistakes); each further one makes the pair
  wait ``SIGN_IN_DELAY_SECONDS``, doubling, at most ``SIGN_IN_DELAY_MAX_SECONDS``. During the wait a sign-in
  of the pair is refused with 429 before its password is read, and is not counted. A success forgets the
  pair; so does a quiet spell of ``SIGN_IN_FAILURES_RESET_SECONDS`` with no failure.
- The count lives in the database, so it holds across workers and servers, and grows by one atomic
  statement (an upsert adding one and returning the sum; on PostgreSQL its row stays locked until the
  request commits), so failures arriving together are all counted.

What it does not stop alone: guessing one password each from many addresses. The per-address limit
(server/users/throttling.py) bounds each address across usernames.
"""

from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from server.extensions import db
from server.users.models import SignInFailure

ADDRESS_LENGTH = 64


def delay_after(failures: int, config: dict) -> timedelta | None:
    """How long a pair with ``failures`` consecutive failures waits before its next try (None: not at all)."""
    beyond = failures - config["SIGN_IN_DELAY_AFTER"]
    if beyond <= 0:
        return None
    # Doubling from the first delay; the exponent is bounded so the product never grows huge.
    seconds = config["SIGN_IN_DELAY_SECONDS"] * 2 ** min(beyond - 1, 32)
    return timedelta(seconds=min(seconds, config["SIGN_IN_DELAY_MAX_SECONDS"]))


def _pair(username: str, address: str):
    return SignInFailure.username == username, SignInFailure.address == address[:ADDRESS_LENGTH]


def delay_left(username: str, address: str, now: datetime) -> timedelta | None:
    """The wait left for ``username`` from ``address`` at ``now``; None when it may try now."""
    until = db.session.scalar(select(SignInFailure.delayed_until).where(*_pair(username, address)))
    if until is None or until <= now:
        return None
    return until - now


def record_failure(username: str, address: str, now: datetime) -> int:
    """Count one more failure of the pair (a quiet spell starts it again at one); the pair's count now.

    One statement adds the failure, whoever else is failing at the same moment, and the row it touched
    stays locked (PostgreSQL) until this request commits, so the delay written next matches the count.
    """
    config = current_app.config
    address = address[:ADDRESS_LENGTH]
    dialect = sqlite if db.session.get_bind().dialect.name == "sqlite" else postgresql
    table = SignInFailure.__table__
    forgotten_before = now - timedelta(seconds=config["SIGN_IN_FAILURES_RESET_SECONDS"])
    statement = dialect.insert(table).values(username=username, address=address, failures=1, last_failed_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.username, table.c.address],
        set_={
            "failures": case((table.c.last_failed_at < forgotten_before, 1), else_=table.c.failures + 1),
            "last_failed_at": now,
        },
    ).returning(table.c.id, table.c.failures)
    row_id, failures = db.session.execute(statement).one()
    delay = delay_after(failures, config)
    db.session.execute(update(table).where(table.c.id == row_id).values(delayed_until=now + delay if delay else None))
    return failures


def forget_failures(username: str, address: str) -> None:
    """The pair signed in: its failures no longer count."""
    db.session.execute(delete(SignInFailure).where(*_pair(username, address)))


def purge(now: datetime) -> int:
    """Drop the pairs whose failures no longer count (a quiet spell of ``SIGN_IN_FAILURES_RESET_SECONDS``,
    and no wait left); how many. A guesser trying many usernames leaves a row each: they do not stay."""
    forgotten_before = now - timedelta(seconds=current_app.config["SIGN_IN_FAILURES_RESET_SECONDS"])
    quiet = SignInFailure.last_failed_at < forgotten_before
    waiting = SignInFailure.delayed_until > now
    result = db.session.execute(delete(SignInFailure).where(quiet, ~waiting | SignInFailure.delayed_until.is_(None)))
    return int(getattr(result, "rowcount", 0) or 0)
