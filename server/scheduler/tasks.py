"""The recurring work of Sanbao, declared in one place with stable ids.

Run by its own process, ``flask --app server scheduler`` (``make run`` starts
one beside the web server), never inside web workers: each gunicorn worker
would run every task again. Several app servers may each start one; only the
holder of the database's scheduler lock acts (``server.scheduler.leader``).
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from server.campaigns import sending as campaign_sending
from server.care.services import callbacks
from server.care.services import reminders
from server.claims import returns as claim_returns
from server.claims import statements
from server.core.clock import local_today
from server.core.clock import utcnow
from server.devicesync import feed
from server.jobs.services import sla
from server.messaging import gateway
from server.supply.services import plan
from server.supply.services import returns
from server.users import delays


@dataclass(frozen=True)
class Task:
    id: str  # stable: runs are recorded under it
    description: str
    interval_setting: str  # the config key holding its interval in seconds
    run: object  # run(now) -> a sentence saying what it did


def _mark_overdue(now):
    return f"{sla.mark_overdue(now)} SLA stages marked overdue"


def _remind_appointments(now):
    return f"{sla.remind_appointments(now)} appointment reminders sent"


def _roll_up_plan(now):
    order, sent = plan.roll_up()
    said = f"{len(sent)} sales order(s) filled from HQ stock; " if sent else ""
    if order is None:
        return said + "nothing in the parts plan to order"
    return said + f"purchase order {order.number} raised for {len(order.lines)} part(s)"


def _open_callbacks(now):
    return f"{callbacks.open_due_callbacks(now)} callbacks opened"


def _remind_overdue_callbacks(now):
    return f"{callbacks.remind_overdue(now)} overdue callbacks reminded"


def _raise_care_tasks(now):
    return f"{reminders.raise_due_reminders(now)} care tasks raised"


def _set_warranty_ending_reminders(now):
    return f"{reminders.set_warranty_ending_reminders(now)} warranty-ending reminders set"


def _compact_feeds(now):
    retention = timedelta(days=current_app.config["SYNC_RETENTION_DAYS"])
    return f"{feed.compact(now or utcnow(), retention)} old sync changes dropped"


def _deliver_messages(now):
    if current_app.config["MESSAGE_BACKEND"] != "http":
        return "no messages to deliver: the log backend's outbox is their delivery"
    done = gateway.deliver_due(now)
    return f"{done['sent']} messages sent, {done['retried']} to try again, {done['failed']} failed"


def _send_campaigns(now):
    done = campaign_sending.send_due(now)
    return (
        f"{done['sent']} campaign messages sent from {done['campaigns']} campaign(s), "
        f"{done['opted_out']} skipped as opted out, {done['done']} campaign(s) done"
    )


def _purge_sign_in_failures(now):
    return f"{delays.purge(now or utcnow())} forgotten sign-in failures dropped"


def _watch_returns(now):
    overdue = claim_returns.mark_overdue(now)
    reminded = returns.remind_due(now)
    return f"{overdue} old-part returns marked overdue and penalised, {reminded} reminded before their deadline"


def _settle_months(now):
    """Last month's statements from SETTLEMENT_DAY on, this month's repeat repairs, the statements now final."""
    now = now or utcnow()
    said = []
    if local_today(now).day >= current_app.config["SETTLEMENT_DAY"]:
        month = statements.previous_month(now)
        said.append(f"{len(statements.build(month, now=now))} statement(s) made for {month}")
    repeats = statements.collect_repeat_repairs(local_today(now).strftime("%Y-%m"), now=now)
    said.append(f"{repeats} repeat repair(s) deducted")
    said.append(f"{statements.finalise_due(now)} statement(s) finalised")
    return ", ".join(said)


TASKS = (
    Task(
        "sla.mark_overdue",
        "Mark jobs past an SLA deadline and escalate them to dispatch",
        "SCHEDULER_OVERDUE_SECONDS",
        _mark_overdue,
    ),
    Task(
        "appointments.remind",
        "Remind technicians of today's appointments",
        "SCHEDULER_REMINDER_SECONDS",
        _remind_appointments,
    ),
    Task(
        "parts.plan_rollup",
        "Fill the headquarters parts plan from HQ stock and order the rest",
        "SCHEDULER_PLAN_ROLLUP_SECONDS",
        _roll_up_plan,
    ),
    Task(
        "sync.compact",
        "Drop sync changes older than the retention period from the devices' feeds",
        "SCHEDULER_SYNC_COMPACT_SECONDS",
        _compact_feeds,
    ),
    Task(
        "callbacks.open",
        "Open a callback (回访) for each job completed its job type's delay ago",
        "SCHEDULER_CARE_SECONDS",
        _open_callbacks,
    ),
    Task(
        "callbacks.remind_overdue",
        "Tell the agents, once, of each callback not made within the overdue period",
        "SCHEDULER_CARE_SECONDS",
        _remind_overdue_callbacks,
    ),
    Task(
        "care.raise_reminders",
        "Turn customers' due reminders into care tasks for the agents",
        "SCHEDULER_CARE_SECONDS",
        _raise_care_tasks,
    ),
    Task(
        "care.warranty_ending",
        "Remind the agents of known customers' units whose warranty ends next month",
        "SCHEDULER_WARRANTY_ENDING_SECONDS",
        _set_warranty_ending_reminders,
    ),
    Task(
        "sign_in.purge",
        "Drop the failed sign-ins that no longer count toward a delay",
        "SCHEDULER_SIGN_IN_PURGE_SECONDS",
        _purge_sign_in_failures,
    ),
    Task(
        "messages.deliver",
        "Send the messages to customers due for delivery through the HTTP gateway, retrying with backoff",
        "SCHEDULER_MESSAGES_SECONDS",
        _deliver_messages,
    ),
    Task(
        "campaigns.send",
        "Send the customer-care campaigns under way, each at its rate, each recipient once, opt-outs skipped",
        "SCHEDULER_CAMPAIGNS_SECONDS",
        _send_campaigns,
    ),
    Task(
        "returns.watch",
        "Mark old-part returns past their deadline (penalised, their claims flagged) and remind providers of those due",
        "SCHEDULER_RETURNS_SECONDS",
        _watch_returns,
    ),
    Task(
        "settlements.monthly",
        "Make last month's provider statements, deduct repeat repairs and finalise the statements past their disputes",
        "SCHEDULER_SETTLEMENTS_SECONDS",
        _settle_months,
    ),
)


def task_by_id(task_id):
    return next((task for task in TASKS if task.id == task_id), None)
