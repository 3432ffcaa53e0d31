"""Customer care in the demo data set, up to the moment it is loaded: the callbacks of the finished jobs opened
once they fell due (as the scheduler opens them), most of those due before today made, a few low scores with
their complaints, some complaints closed; today's callbacks and a few overdue ones left in the agents' queue.
Customers also complain by phone of visits that are late, and the call centre's care tasks of today wait:
reminders set weeks ago, and warranties ending next month."""

import random
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from server.care.models import CALLBACK_OPEN
from server.care.models import Callback
from server.care.services import callbacks
from server.care.services import complaints
from server.care.services import reminders
from server.core.clock import local_today
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.users.models import User

SEED = 3_1_5
COMMENTS = ["师傅很专业", "上门准时", "修好了，谢谢", "等了好几天", "态度一般", ""]
LATE = ["约好上午上门，到现在还没人来", "等了两天没有师傅联系", "电话打不通师傅"]
WAITING_FOR_PARTS = ["配件等了一个多星期还没到", "说缺件，一直没有消息"]
FILTER_NOTES = ["洗衣机过滤网清洗提醒", "客户要求一个月后回访洗衣效果"]


def seed_care(jobs, now: datetime):
    """Work the care of the demo's ``jobs`` (those made by this run) up to ``now``; return how many callbacks
    were opened (none on a second run, which makes no jobs)."""
    agent = db.session.scalar(select(User).where(User.username == "agent1"))
    if agent is None or not jobs:
        return 0
    rng = random.Random(SEED)
    today = local_today(now)
    ids = [job.id for job in jobs]
    # As the scheduler opened them, day by day: each once its job type's delay after the repair had passed.
    for job_type in sorted({job.job_type for job in jobs}, key=str):
        waited = now - timedelta(days=callbacks.delay_days(job_type))
        of_type = [job.id for job in jobs if job.job_type == job_type]
        callbacks.open_for_jobs(Job.id.in_(of_type), Job.completed_at <= waited, now=now)
    opened = db.session.scalars(
        select(Callback).where(Callback.job_id.in_(ids), Callback.status == CALLBACK_OPEN).order_by(Callback.id)
    ).all()
    for n, callback in enumerate(opened):
        at = callback.due_at + timedelta(hours=rng.randrange(1, 30))
        if local_today(callback.due_at) >= today or at > now:
            continue  # due today: today's work in the agents' queue
        if n % 5 == 4:
            continue  # not called yet: overdue by now
        if n % 7 == 3:
            callbacks.record_attempt(callback, agent, {"reached": False, "comments": "无人接听"}, now=at)
            continue
        low = n % 6 == 1
        scores = {
            "timeliness": rng.choice([1, 2]) if low else rng.choice([3, 4, 5, 5]),
            "attitude": rng.choice([3, 4, 5, 5]),
            "quality": rng.choice([3, 4, 5, 5]),
        }
        callbacks.record_attempt(callback, agent, {"reached": True, "comments": rng.choice(COMMENTS), **scores}, now=at)
        closed_at = at + timedelta(hours=20)
        if low and n % 4 == 1 and closed_at <= now:
            complaint = callback.complaint
            complaints.close(complaint, agent, "向顾客致歉，服务商承诺改进", True, now=closed_at)
    _complaints_by_phone(rng, ids, agent, now)
    _care_tasks(rng, ids, agent, now)
    db.session.flush()
    return len(opened)


def _complaints_by_phone(rng, ids, agent, now):
    """Customers call about visits past their deadline and parts that do not come: a complaint each, an hour
    or more after the deadline passed (a few of each kind)."""
    late = db.session.scalars(
        select(Job)
        .where(Job.id.in_(ids), Job.state.in_(("dispatched", "accepted")), Job.arrive_due_at < now)
        .order_by(Job.arrive_due_at)
        .limit(4)
    ).all()
    waiting = db.session.scalars(
        select(Job)
        .where(Job.id.in_(ids), Job.state == "waiting_parts", Job.complete_due_at < now)
        .order_by(Job.complete_due_at)
        .limit(3)
    ).all()
    for jobs, category, words in ((late, "late_visit", LATE), (waiting, "parts_delay", WAITING_FOR_PARTS)):
        for job in jobs:
            due = job.arrive_due_at if category == "late_visit" else job.complete_due_at
            at = min(due + timedelta(minutes=rng.randrange(60, 600)), now)
            values = {"channel": "phone", "category": category, "description": rng.choice(words), "job_id": job.id}
            complaints.open_complaint(agent, values, now=at)


def _care_tasks(rng, ids, agent, now):
    """Today's care tasks: reminders agents set on some customers weeks ago for today, and the warranty of
    known customers' units ending next month (both raised as the scheduler raises them)."""
    customers = db.session.scalars(
        select(ServiceRequest.customer_id)
        .join(Job, Job.request_id == ServiceRequest.id)
        .where(Job.id.in_(ids), Job.state == "closed", ServiceRequest.customer_id.is_not(None))
        .distinct()
        .order_by(ServiceRequest.customer_id)
        .limit(4)
    ).all()
    set_at = now - timedelta(days=rng.randrange(20, 40))
    for customer_id in customers:
        values = {"kind": "filter_change", "due_on": local_today(now), "note": rng.choice(FILTER_NOTES)}
        reminders.create_reminder(agent, customer_id, values, now=set_at)
    reminders.set_warranty_ending_reminders(now=now)
    reminders.raise_due_reminders(now=now)
