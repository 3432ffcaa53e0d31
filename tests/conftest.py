"""Fixtures: the app on a database backend, factories, and a clean database per test.

Tests come in tiers, each a marker set here from what a test uses (``make test`` runs them all and prints
the time of each; ``make test-fast`` runs the first two):

- ``unit``: no database, no app. Pure rules: thousands of them cost seconds.
- ``sqlite``: the app on SQLite. Each test runs inside a transaction rolled back at its end, unless it is
  marked ``commits`` (other connections must see its writes: threads, a live server, a second engine);
  those commit for real and have their tables emptied afterwards.
- ``postgres``: the app on PostgreSQL, for what is PostgreSQL's: races with real concurrent connections,
  locks, COPY, query plans, the migrations, and the modules whose SQL differs by dialect. A test reaches
  it by ``postgres_only`` (PostgreSQL alone) or ``both_backends`` (SQLite and PostgreSQL). Every database
  test there commits for real.
- ``browser``: the app served by gunicorn and driven by Chromium or Node (``live``), one server per module.

The schema is built by the Alembic migrations, never by ``create_all``.

Fixtures shared by the packages are plugins, listed in ``pytest_plugins`` below: factories of reference data
(tests/fixtures/reference.py), the dispatch world (jobs.py), parts supply (supply.py), the claims world
(claims.py), the simulated phone (device.py), the reports' world (reports.py) and the browser tier's live
server, Chromium and phone (browser.py). A package's conftest keeps only its own; where it defines a
fixture of a plugin's name (``world``, ``upload``, ``make_job``…), its own wins in its directory. The worlds most
tests start from (``world``, ``people``, ``staff``, ``catalogue``…) are built once per worker and their rows copied
into the next tests that ask for them (tests/recording.py).
"""

import contextlib
import os
import time
import uuid
from collections import defaultdict

import flask_migrate
import pytest
from flask import request_finished
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from server import create_app
from server.extensions import db
from tests.recording import PostgresRows
from tests.recording import SQLiteRows
from tests.recording import WriteCounter
from tests.recording import recorded

# Helpers that tests import (not plugins, not test modules): their asserts explain themselves too.
pytest.register_assert_rewrite("tests.helpers", "tests.races")

pytest_plugins = [
    "tests.fixtures.reference",
    "tests.fixtures.jobs",
    "tests.fixtures.supply",
    "tests.fixtures.claims",
    "tests.fixtures.device",
    "tests.fixtures.reports",
    "tests.fixtures.browser",
]

BACKENDS = ("sqlite", "postgresql")
TIERS = ("unit", "sqlite", "postgres", "browser")


def backends_of(node):
    """The backends a test runs on: SQLite unless it is marked for PostgreSQL."""
    if node.get_closest_marker("postgres_only"):
        return ["postgresql"]
    if node.get_closest_marker("both_backends"):
        return list(BACKENDS)
    return ["sqlite"]


def pytest_generate_tests(metafunc):
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", backends_of(metafunc.definition), indirect=True, scope="session")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        if item.get_closest_marker("live") or item.path.parent.name == "e2e":
            item.add_marker(pytest.mark.browser)
        elif backend == "postgresql":
            item.add_marker(pytest.mark.postgres)
        elif backend == "sqlite":
            item.add_marker(pytest.mark.sqlite)
        else:
            item.add_marker(pytest.mark.unit)


class TierClock:
    """Adds up the time of each tier's tests (setup, call and teardown) and prints it at the end, with the
    figures tests report as ``("figure", text)`` user properties (they travel back from xdist's workers)."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.counts = defaultdict(int)
        self.figures = []
        self.started = time.monotonic()

    def pytest_runtest_logreport(self, report):
        self.figures += [value for name, value in report.user_properties if name == "figure" and report.when == "call"]
        tier = next((name for name in TIERS if name in report.keywords), None)
        if tier is None:
            return
        self.seconds[tier] += report.duration
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            self.counts[tier] += 1

    def pytest_terminal_summary(self, terminalreporter):
        if not self.counts:
            return
        terminalreporter.section("time by tier (summed over the workers)")
        for tier in TIERS:
            if self.counts[tier]:
                terminalreporter.write_line(f"{tier:>9}: {self.counts[tier]:5d} tests {self.seconds[tier]:8.1f} s")
        terminalreporter.write_line(f"{'wall':>9}: {time.monotonic() - self.started:20.1f} s")
        for figure in sorted(self.figures):
            terminalreporter.write_line(figure)


def pytest_configure(config):
    # Only where the reports arrive: the controller of an xdist run, or a run without workers.
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(TierClock(), "tier-clock")


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail(
            "This test is PostgreSQL's: set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)"
        )
    with private_database(url, durable=False) as private_url:
        yield private_url


@contextlib.contextmanager
def private_database(url, durable=True):
    """A database of this run's own beside ``url``, dropped afterwards.

    Test runs that share one server (a developer's and CI's) never see each
    other's tables. Without the right to create databases, ``url`` itself is used.

    ``durable`` false: its commits do not wait for the disk (``synchronous_commit = off``; a crash of the server
    could lose the last few, never corrupt anything). The tests commit thousands of times and no test crashes the
    server: a commit is 0.2 ms instead of 2.7 ms on this machine. The benchmarks keep durable commits.
    """
    server_url = make_url(url)
    name = f"sanbao_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            if not durable:
                connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    except ProgrammingError:
        admin.dispose()
        yield url
        return
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def app_config(database_url, **overrides):
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-of-enough-length-for-hs256",
        # Argon2id at its cheapest: the suite hashes hundreds of passwords.
        "PASSWORD_TIME_COST": 1,
        "PASSWORD_MEMORY_KIB": 8,
        # No per-address sign-in limit: every test signs in from 127.0.0.1. The tests of the limit build an
        # app with it on (tests/users/test_sign_in_limits.py); the per-account delay stays on everywhere.
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    return config


def reset_schema(url):
    """Drop everything in the test database, so the migrations start from nothing."""
    if url.startswith("postgresql"):
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
    db.session.remove()
    db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    # The decoder slots of this worker's own: the machine's are shared by every test run on it, which
    # would make an upload here wait for, or be refused because of, another worker's or worktree's.
    app = create_app(app_config(database_url, SCAN_DECODE_DIR=str(tmp_path_factory.mktemp("decoders"))))
    with app.app_context():
        reset_schema(database_url)
        flask_migrate.upgrade()
        db.session.remove()
        if database_url.startswith("postgresql"):
            # What tests/recording.py needs to know the database still holds nothing but its worlds.
            app.test_writes = WriteCounter(db.engine)
            app.test_writes.emptied = True
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def backend(database_url):
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


def _postgres_emptying(tables):
    """One round trip that empties ``tables`` (children first) and restarts every sequence used.

    DELETE rather than TRUNCATE: a test leaves a few rows in a few tables, and
    TRUNCATE of forty tables costs about 100 ms on this machine where this
    costs 3 ms, whatever the tests insert. Sequences restart so ids begin at 1.
    """
    deletes = "\n".join(f'DELETE FROM "{table.name}";' for table in tables)
    return text(
        "DO $$ DECLARE s record; BEGIN\n" + deletes + "\nFOR s IN SELECT schemaname, sequencename FROM pg_sequences"
        " WHERE schemaname = current_schema() AND last_value IS NOT NULL LOOP"
        " EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.schemaname, s.sequencename);"
        " END LOOP; END $$;"
    )


def empty_tables():
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(_postgres_emptying(tables))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


class _BoundSession(FlaskSession):
    """A session on the one connection a rolled-back test holds, whatever table it touches.

    The test and the requests it makes share this one session (a test client's request reuses the test's
    app context). It does not expire what it loaded at each commit: every write goes through it, so the
    reload after each of the many commits a test's factories make only costs time (a sixth of this tier's).
    What a request wrote is expired when the request ends (``rolled_back``), as a new request's session
    would not have it, and a test that edits rows behind the session (raw SQL standing for another process)
    expires it itself. The PostgreSQL tier keeps the production setting.
    """

    def __init__(self, *args, **kwargs):
        kwargs["expire_on_commit"] = False
        super().__init__(*args, **kwargs)

    def get_bind(self, *args, **kwargs):
        return self.bind


def _expire_after_request(sender, response, **extra):
    db.session.expire_all()


@contextlib.contextmanager
def rolled_back():
    """Everything the test does, commits included, inside one transaction rolled back at its end.

    Commits release savepoints instead; the app's own savepoints nest inside. pysqlite would begin its own
    transactions behind SQLAlchemy's back, so on this connection SQLAlchemy alone says BEGIN.
    """
    connection = db.engine.connect()
    driver = connection.connection.driver_connection
    driver.isolation_level = None
    outer = connection.begin()
    connection.exec_driver_sql("BEGIN")
    recorded.start(SQLiteRows(driver))
    app_session = db.session
    db.session = db._make_scoped_session(
        {"class_": _BoundSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
    )
    request_finished.connect(_expire_after_request)
    try:
        yield
    finally:
        recorded.stop()
        request_finished.disconnect(_expire_after_request)
        db.session.remove()
        db.session = app_session
        outer.rollback()
        driver.isolation_level = ""
        connection.close()


@pytest.fixture(autouse=True)
def _database_per_test(request):
    """Push an app context for tests on the app and leave their database as they found it."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    rollback = request.getfixturevalue("backend") == "sqlite" and not request.node.get_closest_marker("commits")
    with app.app_context():
        if rollback:
            with rolled_back():
                yield
            return
        writes = getattr(app, "test_writes", None)
        if writes is not None and writes.emptied:
            writes.emptied = False
            recorded.start(PostgresRows(writes))
        try:
            yield
        finally:
            recorded.stop()
        db.session.rollback()
        empty_tables()
        db.session.remove()
        if writes is not None:
            writes.emptied = True


@pytest.fixture
def snapshot():
    """``snapshot()`` → every row of every table, to prove that something changed nothing."""

    def take():
        db.session.expire_all()
        return {
            table.name: db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }

    return take


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def app_config_for_broken_db(tmp_path):
    """An app whose database cannot be opened (a directory stands where the file should be)."""
    target = tmp_path / "not-a-database"
    target.mkdir()
    app = create_app(app_config(f"sqlite:///{target}"))
    yield app
    with app.app_context():
        db.engine.dispose()
