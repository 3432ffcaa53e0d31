"""Customer-care reminders and the care tasks they become when due.

An agent sets a reminder on a customer for a day (change the filter in six
months); the scheduler turns due reminders into care tasks in the agents'
queue, once each. It also sets a reminder itself for each unit of a known
customer whose whole-unit warranty ends next month, to offer an extension.
"""

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy import select
from sqlalchemy import update

from scanning.serials import normalise_serial
from server.care.models import TASK_DONE
from server.care.models import TASK_OPEN
from server.care.models import CareTask
from server.care.models import CustomerReminder
from server.care.services.scope import insert_new
from server.core.clock import local_today
from server.core.clock import utcnow
from server.core.queries import one_or_404
from server.core.reference import invalid
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Customer
from server.jobs.services.queries import sees_every_job
from server.jobs.services.queries import visible_customers
from server.products.models import Product
from server.products.models import WarrantyPolicy
from server.products.warranty import add_months
from server.users.models import User

# How many reminders one scheduler run raises or sets; the next run takes the rest.
BATCH = 1000


def customer_or_404(user: User, customer_id: int) -> Customer:
    """The customer if they lie in the caller's slice, else 404 (whether they exist is not told)."""
    customer: Customer | None = db.session.scalar(visible_customers(user).where(Customer.id == customer_id))
    if customer is None:
        raise NotFound(f"There is no customer {customer_id}.", code="customer_not_found")
    return customer


def create_reminder(
    actor: User, customer_id: int, values: Mapping[str, Any], now: datetime | None = None
) -> CustomerReminder:
    """Set a reminder on a customer for a day from today on (the users' calendar)."""
    customer = customer_or_404(actor, customer_id)
    if values["due_on"] < local_today(now):
        raise invalid("due_on", "that day has passed; give today or a later day")
    reminder = CustomerReminder(
        customer_id=customer.id,
        kind=values["kind"],
        due_on=values["due_on"],
        note=values.get("note", "").strip(),
        serial=normalise_serial(values.get("serial") or ""),
        created_by_id=actor.id,
        created_at=now or utcnow(),
    )
    db.session.add(reminder)
    db.session.flush()
    return reminder


def reminders_of(user: User, customer_id: int) -> Sequence[CustomerReminder]:
    """A customer's reminders, soonest first, if the customer lies in the caller's slice."""
    customer = customer_or_404(user, customer_id)
    return db.session.scalars(
        select(CustomerReminder)
        .where(CustomerReminder.customer_id == customer.id)
        .order_by(CustomerReminder.due_on, CustomerReminder.id)
    ).all()


def raise_due_reminders(now: datetime | None = None) -> int:
    """Turn every reminder due by today into a care task; return how many tasks were made.

    A reminder becomes one task, also when two runs raise it at the same moment.
    """
    now = now or utcnow()
    due = db.session.execute(
        select(CustomerReminder.id, CustomerReminder.customer_id, CustomerReminder.kind, CustomerReminder.due_on)
        .where(CustomerReminder.raised_at.is_(None), CustomerReminder.due_on <= local_today(now))
        .order_by(CustomerReminder.due_on, CustomerReminder.id)
        .limit(BATCH)
    ).all()
    if not due:
        return 0
    rows = [
        {
            "reminder_id": reminder_id,
            "customer_id": customer_id,
            "kind": kind,
            "due_on": due_on,
            "status": TASK_OPEN,
            "created_at": now,
            "done_note": "",
        }
        for reminder_id, customer_id, kind, due_on in due
    ]
    created = insert_new(CareTask, rows, "reminder_id")
    db.session.execute(
        update(CustomerReminder).where(CustomerReminder.id.in_([row[0] for row in due])).values(raised_at=now)
    )
    return len(created)


def care_tasks(user: User, args: Mapping[str, Any]) -> Select[CareTask]:
    """The care tasks of the caller's customers (a provincial dispatcher's: their province's), oldest due first,
    by status and kind."""
    statement = select(CareTask)
    if not sees_every_job(user):
        statement = statement.where(CareTask.customer_id.in_(visible_customers(user, select(Customer.id))))
    if "status" in args:
        statement = statement.where(CareTask.status == args["status"])
    if "kind" in args:
        statement = statement.where(CareTask.kind == args["kind"])
    return statement.order_by(CareTask.due_on, CareTask.id)


def task_or_404(task_id: int, lock: bool = False) -> CareTask:
    statement = select(CareTask).where(CareTask.id == task_id)
    return one_or_404(statement, CareTask, f"There is no care task {task_id}.", "care_task_not_found", lock=lock)


def complete_task(task: CareTask, actor: User, note: str = "", now: datetime | None = None) -> CareTask:
    """An agent has done the task (called, booked the filter change); doing it twice is refused."""
    if task.status == TASK_DONE:
        assert task.done_at is not None  # set with the status, below
        raise Conflict(
            f"Care task {task.id} was done already.",
            code="care_task_done",
            details={"done_at": task.done_at.isoformat()},
        )
    task.status = TASK_DONE
    task.done_at = now or utcnow()
    task.done_by_id = actor.id
    task.done_note = note.strip()
    db.session.flush()
    return task


def first_of_next_month(day: date) -> date:
    return add_months(date(day.year, day.month, 1), 1)


def set_warranty_ending_reminders(now: datetime | None = None) -> int:
    """Set a warranty_ending reminder, due today, for each unit of a known customer whose whole-unit
    warranty ends next month; return how many were set. Each unit gets one, ever.

    A unit's warranty ends in month M exactly when it was sold in month M minus the
    policy's months, so each policy is one range of sale dates. Only customers who
    have called (a customers row) are reminded: the install base alone has no customer to ask for.
    """
    today = local_today(now)
    ending_month = first_of_next_month(today)
    set_count = 0
    for policy in db.session.scalars(select(WarrantyPolicy).order_by(WarrantyPolicy.category)):
        sold_from = add_months(ending_month, -policy.whole_unit_months)
        units = db.session.execute(
            select(Customer.id, SaleRecord.serial, SaleRecord.sale_date, Product.model)
            .join(SaleRecord, SaleRecord.customer_phone == Customer.phone)
            .join(Product, Product.id == SaleRecord.product_id)
            .where(
                Product.category == policy.category,
                SaleRecord.sale_date >= sold_from,
                SaleRecord.sale_date < add_months(sold_from, 1),
                ~select(CustomerReminder.id)
                .where(CustomerReminder.source_key == "warranty_ending:" + SaleRecord.serial)
                .exists(),
            )
            .order_by(SaleRecord.id)
            .limit(BATCH)
        ).all()
        rows = [
            {
                "customer_id": customer_id,
                "kind": "warranty_ending",
                "due_on": today,
                "note": (
                    f"The whole-unit warranty of {model} {serial} ends on "
                    f"{add_months(sale_date, policy.whole_unit_months)}: offer an extension."
                ),
                "serial": serial,
                "source_key": f"warranty_ending:{serial}",
                "created_at": now or utcnow(),
            }
            for customer_id, serial, sale_date, model in units
        ]
        set_count += len(insert_new(CustomerReminder, rows, "source_key"))
    return set_count
