"""The scheduler lock: one acting scheduler among many, and a standby takes over when the leader goes.

Each test runs with the lock of its backend: on PostgreSQL a session advisory
lock, every lock object on its own real connection; on SQLite an exclusive
lock on a file (here under ``tmp_path``). Tests marked ``postgres_only`` are
about the advisory lock's connection itself: they run once, on a PostgreSQL
database of their own.
"""

import os

import pytest
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from server.extensions import db
from server.scheduler.leader import LOCK_NAME
from server.scheduler.leader import FileLeaderLock
from server.scheduler.leader import PostgresLeaderLock
from server.scheduler.leader import leader_lock
from server.scheduler.models import SchedulerRun
from server.scheduler.runner import Scheduler
from server.scheduler.tasks import TASKS
from tests.races import together

pytestmark = [pytest.mark.both_backends, pytest.mark.commits]

CONTENDERS = 8


@pytest.fixture
def make_lock(app, backend, tmp_path):
    """``make_lock()`` → a new lock object of the backend, all competing for one lock; released afterwards."""
    made = []

    def make():
        if backend == "postgresql":
            made.append(PostgresLeaderLock(db.engine))
        else:
            made.append(FileLeaderLock(str(tmp_path / "scheduler.lock")))
        return made[-1]

    yield make
    for lock in made:
        lock.release()


@pytest.fixture
def kill_holder(backend):
    """``kill_holder(lock)``: the leader's process dies without letting go (its database session, its file)."""

    def kill(lock):
        if backend == "postgresql":
            terminate_lock_holders(db.engine)
        else:
            lock.handle.close()  # what the kernel does to a dead process's files
            lock.handle = None

    return kill


def terminate_lock_holders(engine):
    """End, from another session, every session holding an advisory lock in the database, as an operator or a
    crash would; waits until each is gone, so its locks are free on return."""
    with engine.connect() as other:
        killed = other.execute(
            text(
                "SELECT pg_terminate_backend(pid, 10000) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        ).scalars()
        assert list(killed) == [True]


# ---------------------------------------------------------------- one leader


def test_the_first_to_ask_becomes_the_leader(make_lock):
    leader = make_lock()

    assert leader.acquire() is True
    assert leader.held is True


def test_a_second_lock_is_refused_while_the_first_holds_it(make_lock):
    leader, standby = make_lock(), make_lock()
    leader.acquire()

    assert standby.acquire() is False
    assert standby.held is False


def test_the_leader_asking_again_stays_the_leader(make_lock):
    leader, standby = make_lock(), make_lock()
    leader.acquire()

    assert [leader.acquire(), leader.acquire()] == [True, True]
    assert standby.acquire() is False


def test_a_standby_takes_over_once_the_leader_lets_go(make_lock):
    leader, standby = make_lock(), make_lock()
    leader.acquire()
    standby.acquire()

    leader.release()

    assert leader.held is False
    assert standby.acquire() is True


def test_a_standby_letting_go_leaves_the_leader_leading(make_lock):
    leader, standby = make_lock(), make_lock()
    leader.acquire()
    standby.acquire()

    standby.release()

    assert make_lock().acquire() is False
    assert leader.acquire() is True


def test_a_released_leader_can_lead_again(make_lock):
    leader = make_lock()
    leader.acquire()
    leader.release()

    assert leader.acquire() is True
    assert make_lock().acquire() is False


def test_of_many_asking_at_the_same_moment_exactly_one_leads(make_lock):
    locks = [make_lock() for _ in range(CONTENDERS)]

    answers = together([lock.acquire for lock in locks])

    assert sorted(answers) == [False] * (CONTENDERS - 1) + [True]
    assert [lock.held for lock in locks] == answers


def test_a_dead_leaders_lock_passes_to_a_standby(make_lock, kill_holder):
    leader, standby = make_lock(), make_lock()
    leader.acquire()
    assert standby.acquire() is False

    kill_holder(leader)

    assert standby.acquire() is True


# ---------------------------------------------------------------- schedulers competing


@pytest.fixture
def schedulers(app):
    """``schedulers(n)`` → n schedulers, each with its own lock of the backend; released afterwards."""
    made = []

    def make(count):
        start = len(made)
        made.extend(Scheduler(app, TASKS, worker=f"host-{start + n}:1") for n in range(count))
        return made[start:]

    yield make
    for scheduler in made:
        scheduler.lock.release()


def test_two_schedulers_running_at_the_same_moment_run_each_task_once(schedulers):
    first, second = schedulers(2)

    answers = together([first.run_all, second.run_all])

    assert sorted(len(runs) for runs in answers) == [0, len(TASKS)]
    db.session.expire_all()
    counts = db.session.execute(
        select(SchedulerRun.task, func.count()).group_by(SchedulerRun.task).order_by(SchedulerRun.task)
    ).all()
    assert counts == sorted((task.id, 1) for task in TASKS)


def test_two_schedulers_running_at_the_same_moment_record_one_worker(schedulers):
    first, second = schedulers(2)

    together([first.run_all, second.run_all])

    db.session.expire_all()
    workers = set(db.session.scalars(select(SchedulerRun.worker)))
    assert len(workers) == 1
    assert workers <= {first.worker, second.worker}
    (acting,) = [s for s in (first, second) if s.worker in workers]
    assert acting.lock.held is True


def test_the_standby_scheduler_acts_once_the_leader_has_gone(schedulers, kill_holder):
    leader, standby = schedulers(2)
    leader.run_all()

    kill_holder(leader.lock)
    standby.run_all()

    db.session.expire_all()
    assert [run.worker for run in db.session.scalars(select(SchedulerRun).order_by(SchedulerRun.id))] == [
        leader.worker
    ] * len(TASKS) + [standby.worker] * len(TASKS)


# ---------------------------------------------------------------- which lock


def test_the_lock_suits_the_database(app, backend):
    lock = leader_lock(db.engine, app.instance_path)

    if backend == "postgresql":
        assert isinstance(lock, PostgresLeaderLock)
    else:
        assert isinstance(lock, FileLeaderLock)
        assert lock.path == f"{db.engine.url.database}.scheduler.lock"


def test_an_in_memory_sqlite_database_locks_a_file_in_the_instance_folder(tmp_path):
    engine = create_engine("sqlite://")

    lock = leader_lock(engine, str(tmp_path))

    assert isinstance(lock, FileLeaderLock)
    assert lock.path == str(tmp_path / "scheduler.lock")
    engine.dispose()


def test_the_lock_file_names_the_leading_process(tmp_path):
    lock = FileLeaderLock(str(tmp_path / "scheduler.lock"))
    lock.acquire()
    try:
        assert (tmp_path / "scheduler.lock").read_text() == f"{os.getpid()}\n"
    finally:
        lock.release()


def test_a_second_file_lock_is_refused_until_the_first_lets_go(tmp_path):
    path = str(tmp_path / "scheduler.lock")
    leader, standby = FileLeaderLock(path), FileLeaderLock(path)
    try:
        assert leader.acquire() is True
        assert standby.acquire() is False
        leader.release()
        assert standby.acquire() is True
    finally:
        leader.release()
        standby.release()


# ---------------------------------------------------------------- the advisory lock's connection
# These need no app: only the PostgreSQL database of the test run (advisory locks are per database, and each
# test worker has a database of its own, so parallel workers never meet).


@pytest.fixture(scope="module")
def pg_engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def make_pg_lock(pg_engine):
    made = []

    def make():
        made.append(PostgresLeaderLock(pg_engine))
        return made[-1]

    yield make
    for lock in made:
        lock.release()


def backend_pid(lock):
    return lock.connection.connection.dbapi_connection.info.backend_pid


def session_state(engine, lock):
    """The state PostgreSQL reports for the lock's own session, asked from another session."""
    with engine.connect() as other:
        return other.execute(
            text("SELECT state FROM pg_stat_activity WHERE pid = :pid"), {"pid": backend_pid(lock)}
        ).scalar()


@pytest.mark.postgres_only
def test_each_lock_object_asks_on_a_connection_of_its_own(make_pg_lock):
    leader, standby = make_pg_lock(), make_pg_lock()
    leader.acquire()
    standby.acquire()

    assert backend_pid(leader) != backend_pid(standby)


@pytest.mark.postgres_only
def test_the_leaders_connection_keeps_no_transaction_open_between_ticks(pg_engine, make_pg_lock):
    leader = make_pg_lock()
    leader.acquire()  # becomes the leader
    leader.acquire()  # the next tick: still the leader

    assert session_state(pg_engine, leader) == "idle"


@pytest.mark.postgres_only
def test_a_standbys_connection_keeps_no_transaction_open_between_ticks(pg_engine, make_pg_lock):
    make_pg_lock().acquire()
    standby = make_pg_lock()
    standby.acquire()

    assert session_state(pg_engine, standby) == "idle"


@pytest.mark.postgres_only
def test_a_leader_whose_connection_died_stands_by_instead_of_failing(pg_engine, make_pg_lock):
    leader, successor = make_pg_lock(), make_pg_lock()
    leader.acquire()
    terminate_lock_holders(pg_engine)
    successor.acquire()

    assert leader.acquire() is False
    assert (leader.held, leader.connection) == (False, None)


@pytest.mark.postgres_only
def test_a_leader_whose_connection_died_leads_again_on_a_new_one_when_free(pg_engine, make_pg_lock):
    leader = make_pg_lock()
    leader.acquire()
    terminate_lock_holders(pg_engine)
    leader.acquire()  # notices the loss, stands by

    assert leader.acquire() is True
    assert make_pg_lock().acquire() is False


def wait_until_free(engine):
    """Block until no session holds the scheduler lock, by taking it (and giving it back) from another session.

    A session whose connection was closed on the client's side ends when the server sees the socket close, a
    moment later: the blocking lock waits for exactly that. The statement timeout only keeps a lock that is
    never freed from hanging the suite.
    """
    with engine.connect() as other:
        other.execute(text("SET statement_timeout = '20s'"))
        other.execute(text("SELECT pg_advisory_lock(hashtextextended(:name, 0))"), {"name": LOCK_NAME})
        other.execute(text("SELECT pg_advisory_unlock(hashtextextended(:name, 0))"), {"name": LOCK_NAME})
        other.commit()


@pytest.mark.postgres_only
def test_a_leader_whose_connection_was_dropped_on_its_side_frees_the_lock(pg_engine, make_pg_lock):
    """The holder's side closes the connection (SQLAlchemy invalidates it): the session ends, its lock with it."""
    leader = make_pg_lock()
    leader.acquire()

    leader.connection.invalidate()
    wait_until_free(pg_engine)

    assert make_pg_lock().acquire() is True


@pytest.mark.postgres_only
def test_a_leader_whose_connection_was_dropped_on_its_side_does_not_lead_beside_its_successor(pg_engine, make_pg_lock):
    leader = make_pg_lock()
    leader.acquire()
    leader.connection.invalidate()
    wait_until_free(pg_engine)
    successor = make_pg_lock()
    assert successor.acquire() is True

    assert leader.acquire() is False
    assert leader.held is False
