"""Customer care in the demo data set: callbacks of the demo's completed jobs, most made, a few low scores
with their complaints, some complaints closed, and the rest left in the agents' queue."""

import random
from datetime import timedelta

from sqlalchemy import select

from server.care.models import Callback
from server.care.services import callbacks
from server.care.services import complaints
from server.extensions import db
from server.jobs.models import Job
from server.users.models import User

SEED = 3_1_5
COMMENTS = ["师傅很专业", "上门准时", "修好了，谢谢", "等了好几天", "态度一般", ""]


def seed_care(jobs):
    """Open the callbacks of those of ``jobs`` (the demo's, made by this run) that are completed and work them
    as agents would; return how many were opened (none on a second run, which makes no jobs)."""
    agent = db.session.scalar(select(User).where(User.username == "agent1"))
    if agent is None or not jobs:
        return 0
    opened = callbacks.open_for_jobs(Job.id.in_([job.id for job in jobs]))
    rng = random.Random(SEED)
    for n, callback in enumerate(
        db.session.scalars(select(Callback).where(Callback.id.in_(opened)).order_by(Callback.id))
    ):
        at = callback.due_at + timedelta(hours=rng.randrange(1, 30))
        if n % 5 == 4:
            continue  # not called yet: the agents' queue, overdue by now
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
        if low and n % 4 == 1:
            complaint = callback.complaint
            complaints.close(complaint, agent, "向顾客致歉，服务商承诺改进", True, now=at + timedelta(hours=20))
    db.session.flush()
    return len(opened)
