"""``flask --app server scheduler``: the scheduler's own process."""

import click
from flask import current_app
from flask.cli import with_appcontext

from server.scheduler.runner import Scheduler
from server.scheduler.tasks import TASKS


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every task once, then exit (for cron and checks).")
@with_appcontext
def scheduler_command(once):
    """Run the recurring tasks: SLA escalation, reminders, the parts plan roll-up, sync compaction and customer care."""
    scheduler = Scheduler(current_app._get_current_object(), TASKS)
    if once:
        try:
            runs = scheduler.run_all()
        finally:
            scheduler.lock.release()
        if not runs:
            click.echo("Another scheduler holds the lock; nothing run.")
        for run in runs:
            click.echo(f"{run.task}: {run.outcome} - {run.detail}")
        return
    click.echo(f"Scheduler {scheduler.worker}: {len(TASKS)} tasks; acting while it holds the scheduler lock.")
    scheduler.serve()
