"""Customer-care reminders: set on a customer for a day, raised by the scheduler as care tasks in the agents'
queue once due, done once; and the scheduler's own reminders for warranties ending next month."""

from datetime import date
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.care.models import CareTask
from server.care.models import CustomerReminder
from server.care.services import reminders
from server.core.clock import local_today
from server.core.clock import utcnow
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Customer
from server.products.models import Product
from server.products.warranty import add_months
from server.scheduler.runner import Scheduler
from server.scheduler.tasks import task_by_id
from tests.care.helpers import count
from tests.care.helpers import stored
from tests.fixtures.jobs import GD_PHONE
from tests.fixtures.jobs import PHONE
from tests.helpers import assert_error


@pytest.fixture
def customer(people):
    """The customer of phone 13800000000, known to the call centre."""
    row = Customer(phone=PHONE, name="王先生", address="幸福路 8 号")
    db.session.add(row)
    db.session.commit()
    return row


def days(n):
    return (local_today() + timedelta(days=n)).isoformat()


@pytest.fixture
def set_reminder(client, people, customer):
    """``set_reminder(customer_id=customer, headers=agent, **body)`` → the response (a filter change in 180 days)."""

    def post(customer_id=None, headers=None, **body):
        values = {"kind": "filter_change", "due_on": days(180), "note": "更换滤芯"}
        values.update(body)
        return client.post(
            f"/api/customers/{customer_id or customer.id}/reminders",
            json=values,
            headers=headers or people.agent.headers,
        )

    return post


def raise_due(now=None):
    raised = reminders.raise_due_reminders(now)
    db.session.commit()
    return raised


@pytest.fixture
def tasks(client, people):
    def get(query=""):
        response = client.get(f"/api/care-tasks{query}", headers=people.agent.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["items"]

    return get


# ---------------------------------------------------------------- reminders


def test_an_agent_sets_a_reminder_on_a_customer(set_reminder, customer, people):
    response = set_reminder(serial=" sn-in ")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["customer_id"], body["kind"], body["due_on"], body["note"], body["serial"]) == (
        customer.id,
        "filter_change",
        days(180),
        "更换滤芯",
        "SN-IN",
    )
    assert (body["status"], body["raised_at"], body["created_by_id"]) == ("scheduled", None, people.agent.id)


def test_a_reminder_may_fall_due_today(set_reminder):
    assert set_reminder(due_on=days(0)).status_code == 201


def test_a_customers_reminders_are_listed_soonest_first(set_reminder, client, customer, people):
    later = set_reminder(due_on=days(30), kind="other").get_json()["id"]
    sooner = set_reminder(due_on=days(7), kind="warranty_ending").get_json()["id"]

    response = client.get(f"/api/customers/{customer.id}/reminders", headers=people.dispatcher.headers)

    assert response.status_code == 200, response.get_json()
    assert [(item["id"], item["kind"]) for item in response.get_json()] == [
        (sooner, "warranty_ending"),
        (later, "other"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_on": -1}, "due_on"),
        ({"due_on": "2030-13-01"}, "due_on"),
        ({"due_on": None}, "due_on"),
        ({"kind": "birthday"}, "kind"),
        ({"kind": None}, "kind"),
        ({"note": "x" * 4001}, "note"),
        ({"serial": "x" * 65}, "serial"),
        ({"every": "6 months"}, "every"),
    ],
    ids=["past", "no-such-day", "no-day", "bad-kind", "no-kind", "note-too-long", "serial-too-long", "unknown-field"],
)
def test_a_bad_reminder_is_refused_and_changes_nothing(set_reminder, snapshot, body, field):
    if isinstance(body.get("due_on"), int):
        body = {"due_on": days(body["due_on"])}
    before = snapshot()

    assert_error(set_reminder(**body), 422, "validation_error", fields=[field])
    assert snapshot() == before


def test_a_reminder_on_an_unknown_customer_is_404(set_reminder, snapshot):
    before = snapshot()

    assert_error(set_reminder(customer_id=999999), 404, "customer_not_found")
    assert snapshot() == before


def test_the_reminders_of_an_unknown_customer_are_404(client, people):
    response = client.get("/api/customers/999999/reminders", headers=people.agent.headers)

    assert_error(response, 404, "customer_not_found")


# ---------------------------------------------------------------- care tasks


def test_a_reminder_due_today_becomes_a_care_task(set_reminder, customer, tasks):
    due = set_reminder(due_on=days(0), serial="SN-IN").get_json()["id"]
    set_reminder(due_on=days(1))

    assert raise_due() == 1

    (task,) = tasks()
    assert (task["reminder_id"], task["customer_id"], task["kind"], task["due_on"], task["status"]) == (
        due,
        customer.id,
        "filter_change",
        days(0),
        "open",
    )
    assert (task["customer_name"], task["customer_phone"], task["note"], task["serial"]) == (
        "王先生",
        PHONE,
        "更换滤芯",
        "SN-IN",
    )
    assert stored(CustomerReminder, due).raised_at is not None


def test_a_raised_reminder_says_so(set_reminder, client, customer, people):
    set_reminder(due_on=days(0))
    raise_due()

    response = client.get(f"/api/customers/{customer.id}/reminders", headers=people.agent.headers)

    assert [item["status"] for item in response.get_json()] == ["raised"]


def test_a_reminder_set_earlier_is_raised_on_its_day(set_reminder):
    set_reminder(due_on=days(3))

    assert raise_due(utcnow() + timedelta(days=2)) == 0
    assert raise_due(utcnow() + timedelta(days=3)) == 1


def test_raising_twice_makes_one_task(set_reminder):
    set_reminder(due_on=days(0))

    assert (raise_due(), raise_due()) == (1, 0)
    assert count(CareTask) == 1


def test_the_scheduled_task_raises_reminders_and_says_how_many(app, set_reminder):
    set_reminder(due_on=days(0))
    set_reminder(due_on=days(0), kind="other")
    scheduler = Scheduler(app, (task_by_id("care.raise_reminders"),), worker="test-host:1")
    try:
        run = scheduler.run_task(scheduler.tasks[0])
    finally:
        scheduler.lock.release()

    assert (run.outcome, run.detail) == ("ok", "2 care tasks raised")


def test_care_tasks_are_listed_oldest_due_first_by_status_and_kind(set_reminder, tasks, client, people):
    newer = set_reminder(due_on=days(2)).get_json()["id"]
    older = set_reminder(due_on=days(1), kind="other").get_json()["id"]
    raise_due(utcnow() + timedelta(days=2))
    ids = {task["reminder_id"]: task["id"] for task in tasks()}
    client.post(f"/api/care-tasks/{ids[newer]}/done", json={}, headers=people.agent.headers)

    assert [task["reminder_id"] for task in tasks()] == [older, newer]
    assert [task["reminder_id"] for task in tasks("?status=open")] == [older]
    assert [task["reminder_id"] for task in tasks("?status=done")] == [newer]
    assert [task["reminder_id"] for task in tasks("?kind=other")] == [older]


@pytest.mark.parametrize("query", ["?status=later", "?kind=birthday", "?per_page=0"])
def test_a_bad_task_query_is_refused(client, people, query):
    assert_error(client.get(f"/api/care-tasks{query}", headers=people.agent.headers), 422, "validation_error")


def test_an_agent_marks_a_care_task_done(set_reminder, tasks, client, people):
    set_reminder(due_on=days(0))
    raise_due()
    (task,) = tasks()

    response = client.post(f"/api/care-tasks/{task['id']}/done", json={"note": "已预约"}, headers=people.agent.headers)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["done_by_id"], body["done_note"]) == ("done", people.agent.id, "已预约")
    assert body["done_at"] is not None


def test_a_care_task_is_done_once(set_reminder, tasks, client, people, snapshot):
    set_reminder(due_on=days(0))
    raise_due()
    (task,) = tasks()
    client.post(f"/api/care-tasks/{task['id']}/done", json={}, headers=people.agent.headers)
    before = snapshot()

    response = client.post(f"/api/care-tasks/{task['id']}/done", json={"note": "again"}, headers=people.admin.headers)

    error = assert_error(response, 409, "care_task_done")
    assert error["details"] == {"done_at": stored(CareTask, task["id"]).done_at.isoformat()}
    assert snapshot() == before


def test_an_unknown_care_task_is_404(client, people, snapshot):
    before = snapshot()

    assert_error(
        client.post("/api/care-tasks/999999/done", json={}, headers=people.agent.headers), 404, "care_task_not_found"
    )
    assert snapshot() == before


# ---------------------------------------------------------------- warranty ending next month


@pytest.fixture
def sold(people):
    """``sold(serial, sale_date, phone=PHONE)``: a TV55 (12 months whole-unit warranty) in the install base."""
    product = db.session.scalar(select(Product).where(Product.model == "TV55"))

    def make(serial, sale_date, phone=PHONE):
        db.session.add(SaleRecord(serial=serial, product_id=product.id, sale_date=sale_date, customer_phone=phone))
        db.session.commit()

    return make


def next_month():
    return reminders.first_of_next_month(local_today())


def warranty_reminders():
    db.session.expire_all()
    return db.session.execute(
        select(CustomerReminder.serial, CustomerReminder.customer_id, CustomerReminder.due_on)
        .where(CustomerReminder.kind == "warranty_ending")
        .order_by(CustomerReminder.serial)
    ).all()


def set_warranty_reminders():
    made = reminders.set_warranty_ending_reminders()
    db.session.commit()
    return made


def test_a_known_customers_unit_whose_warranty_ends_next_month_gets_a_reminder_today(customer, sold):
    sale_date = add_months(next_month(), -12) + timedelta(days=9)
    sold("W-NEXT", sale_date)

    assert set_warranty_reminders() == 1

    assert warranty_reminders() == [("W-NEXT", customer.id, local_today())]
    note = db.session.scalar(select(CustomerReminder.note))
    assert f"ends on {add_months(sale_date, 12)}" in note


@pytest.mark.parametrize("months_back", [11, 13], ids=["ends-in-two-months", "ends-this-month"])
def test_a_unit_whose_warranty_ends_in_another_month_gets_none(customer, sold, months_back):
    sold("W-OTHER", add_months(next_month(), -months_back))

    assert set_warranty_reminders() == 0


def test_the_first_and_last_days_of_the_month_are_in_it(customer, sold):
    first = add_months(next_month(), -12)
    sold("W-FIRST", first)
    sold("W-LAST", add_months(first, 1) - timedelta(days=1))
    sold("W-AFTER", add_months(first, 1))

    set_warranty_reminders()

    assert [serial for serial, _, _ in warranty_reminders()] == ["W-FIRST", "W-LAST"]


def test_a_unit_of_a_buyer_who_never_called_gets_none(customer, sold):
    sold("W-STRANGER", add_months(next_month(), -12), phone="13700000000")

    assert set_warranty_reminders() == 0


def test_each_unit_is_reminded_once(customer, sold):
    sold("W-NEXT", add_months(next_month(), -12))

    assert (set_warranty_reminders(), set_warranty_reminders()) == (1, 0)


def test_a_warranty_reminder_becomes_a_care_task_the_same_day(customer, sold, tasks):
    sold("W-NEXT", add_months(next_month(), -12))
    set_warranty_reminders()

    assert raise_due() == 1
    assert [(task["kind"], task["serial"]) for task in tasks()] == [("warranty_ending", "W-NEXT")]


def test_the_scheduled_warranty_check_says_how_many_it_set(app, customer, sold):
    sold("W-NEXT", add_months(next_month(), -12))
    scheduler = Scheduler(app, (task_by_id("care.warranty_ending"),), worker="test-host:1")
    try:
        run = scheduler.run_task(scheduler.tasks[0])
    finally:
        scheduler.lock.release()

    assert (run.outcome, run.detail) == ("ok", "1 warranty-ending reminders set")


@pytest.mark.parametrize(
    ("today", "expected"), [(date(2026, 1, 31), date(2026, 2, 1)), (date(2026, 12, 5), date(2027, 1, 1))]
)
def test_next_month_turns_the_year(today, expected):
    assert reminders.first_of_next_month(today) == expected


# ---------------------------------------------------------------- a provincial dispatcher's customers


@pytest.fixture
def two_customers(guangdong, set_reminder):
    """A customer recorded in each province (county 370112 and 440112), each with a reminder raised as a care
    task today: ``{province: (customer id, reminder id)}``."""
    from server.network.services import regions

    made = {}
    for province, phone, county in (("370000", "13800000037", "370112"), ("440000", GD_PHONE, "440112")):
        row = Customer(phone=phone, name=f"客户 {province}", address="路 1 号", region=regions.find(county))
        db.session.add(row)
        db.session.commit()
        made[province] = (row.id, set_reminder(customer_id=row.id, due_on=days(0)).get_json()["id"])
    raise_due()
    return made


@pytest.mark.parametrize(("user", "province"), [("disp37", "370000"), ("disp44", "440000")])
def test_a_provincial_dispatcher_reads_the_reminders_of_their_provinces_customers_only(
    client, guangdong, two_customers, user, province
):
    headers = getattr(guangdong, user).headers
    for where, (customer_id, reminder_id) in two_customers.items():
        response = client.get(f"/api/customers/{customer_id}/reminders", headers=headers)
        if where == province:
            assert response.status_code == 200, response.get_json()
            assert [item["id"] for item in response.get_json()] == [reminder_id]
        else:
            other = assert_error(response, 404, "customer_not_found")
            none = assert_error(
                client.get("/api/customers/999999/reminders", headers=headers), 404, "customer_not_found"
            )
            assert other["message"].replace(str(customer_id), "N") == none["message"].replace("999999", "N")


@pytest.mark.parametrize(
    ("user", "provinces"),
    [
        ("disp37", ["370000"]),
        ("disp44", ["440000"]),
        ("dispatcher", ["370000", "440000"]),
        ("agent", ["370000", "440000"]),
    ],
)
def test_the_care_tasks_a_dispatcher_sees_are_their_provinces(client, guangdong, two_customers, user, provinces):
    response = client.get("/api/care-tasks", headers=getattr(guangdong, user).headers)
    assert response.status_code == 200, response.get_json()
    expected = sorted(two_customers[province][1] for province in provinces)
    assert sorted(task["reminder_id"] for task in response.get_json()["items"]) == expected
    assert response.get_json()["total"] == len(expected)
