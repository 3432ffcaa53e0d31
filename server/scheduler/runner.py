"""Run the declared tasks: only while holding the scheduler lock, each run recorded from start to outcome."""

import logging
import os
import signal
import socket
import sys
import threading

from server.core.clock import utcnow
from server.extensions import db
from server.scheduler.leader import leader_lock
from server.scheduler.models import SchedulerRun

log = logging.getLogger(__name__)


class Scheduler:
    """Runs ``tasks`` for ``app`` when this process holds the lock; a standby does nothing but try for it."""

    def __init__(self, app, tasks, lock=None, worker=None):
        self.app = app
        self.tasks = tasks
        with app.app_context():
            self.lock = lock or leader_lock(db.engine, app.instance_path)
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        # One task at a time in a process: the lock objects are not shared between threads,
        # and a task never competes with another for the database.
        self._one_at_a_time = threading.Lock()

    def run_task(self, task, now=None):
        """Run one task now if this process acts; return its recorded run, or None when standing by."""
        with self._one_at_a_time, self.app.app_context():
            if not self.lock.acquire():
                return None
            run = SchedulerRun(task=task.id, worker=self.worker, started_at=utcnow())
            db.session.add(run)
            db.session.commit()
            try:
                detail = task.run(now)
                run.outcome, run.detail = "ok", detail
                run.finished_at = utcnow()
                db.session.commit()
            except Exception as exc:
                log.exception("scheduler task %s failed", task.id)
                db.session.rollback()
                run = db.session.get(SchedulerRun, run.id)
                run.outcome, run.detail = "error", f"{type(exc).__name__}: {exc}"[:2000]
                run.finished_at = utcnow()
                db.session.commit()
            # The caller reads the run after this session is gone.
            db.session.refresh(run)
            db.session.expunge(run)
            db.session.remove()
            return run

    def run_all(self, now=None):
        """Run every task once (in declaration order); the runs recorded, or an empty list when standing by."""
        return [run for run in (self.run_task(task, now) for task in self.tasks) if run is not None]

    def serve(self):
        """Run each task on its interval until stopped (Ctrl-C or SIGTERM)."""
        # Only the scheduler's own process serves; web workers import this module but never load APScheduler.
        from apscheduler.schedulers.blocking import BlockingScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = BlockingScheduler(timezone="UTC")
        for task in self.tasks:
            scheduler.add_job(
                self.run_task,
                IntervalTrigger(seconds=self.app.config[task.interval_setting]),
                args=[task],
                id=task.id,
                name=task.description,
                # A slow run is never doubled up; runs missed while busy collapse into one.
                max_instances=1,
                coalesce=True,
                # A run delayed by another task's still runs (APScheduler would drop it after 1 s).
                misfire_grace_time=None,
                next_run_time=utcnow(),
            )
        # `kill` (and a process manager's stop) ends the scheduler cleanly, releasing the lock.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        log.info("scheduler %s started with %d tasks", self.worker, len(self.tasks))
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            with self.app.app_context():
                self.lock.release()
