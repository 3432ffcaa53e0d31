"""Warranty claims in the demo data set, up to the moment it is loaded.

Each provider's manager claims most of the provider's finished warranty jobs a day or a few after the repair,
from the drafts the app offers (the checks pass a clean claim at once); the latest jobs are not claimed yet.
A few claims are what the checks exist to catch: a unit claimed a second time without a job (重单), a serial
no sale record has (假单), a paid repair claimed under warranty. The auditors decided the flagged claims filed
more than a few days ago; the recent ones wait in their queue. Last month's approved claims are settled for
every other provider, so the auditors find statements made and statements still to make.
"""

import random
from datetime import timedelta

from sqlalchemy import select

from server.claims import drafts
from server.claims.models import PENDING_REVIEW
from server.claims.models import Claim
from server.claims.services import decide_claim
from server.claims.services import submit_claim
from server.claims.statements import accept
from server.claims.statements import finalise
from server.claims.statements import settle_month
from server.core.clock import local_today
from server.errors import Conflict
from server.extensions import db
from server.jobs.models import Job
from server.network.models import Provider
from server.users.directory import provider_managers
from server.users.models import User

SEED = 3_1_5
# A claim is filed this long after the repair; a job finished more recently is not claimed yet.
FILED_AFTER = (timedelta(hours=20), timedelta(days=4))
# The share of the claimable jobs their provider leaves unclaimed for now (the "to claim" list).
UNCLAIMED_SHARE = 0.15
# Every this many claims, the provider claims the same unit again, without its job, days later.
DUPLICATE_EVERY = 9
# Flagged claims filed longer ago than this have been decided by an auditor.
DECIDED_AFTER = timedelta(days=5)
REJECTIONS = {
    "UNKNOWN_SERIAL": "安装点无此序列号，判定为假单",
    "DUPLICATE_CLAIM": "同一机器重复索赔",
    "OUT_OF_WARRANTY": "已过保修期，应按收费维修处理",
}


def seed_claims(jobs, now):
    """File, decide and settle the demo's claims on ``jobs`` (those made by this run) as of ``now``; return
    how many claims were filed."""
    if not jobs:
        return 0
    rng = random.Random(SEED)
    finished = sorted(
        (job for job in jobs if job.state in drafts.CLAIMABLE_STATES and job.completed_at is not None),
        key=lambda job: (job.completed_at, job.id),
    )
    filed = []
    for draft in drafts.drafts([job for job in finished if job.job_type == "warranty"]):
        at = draft["completed_at"] + _between(rng, *FILED_AFTER)
        if at > now or rng.random() < UNCLAIMED_SHARE:
            continue
        values = dict(draft["claim"], labor_fee=draft["claim"]["labor_fee_cents"])
        claim = _file(values, at)
        filed.append((claim, at))
        if len(filed) % DUPLICATE_EVERY == 0 and at + timedelta(days=2) <= now:
            again = dict(values, job_id=None, scan_id=None, repair_date=values["repair_date"] + timedelta(days=2))
            later = at + timedelta(days=2)
            filed.append((_file(again, later, provider_id=claim.provider_id), later))
    filed += _paid_repairs_claimed(rng, finished, now)
    filed += _serials_never_sold(rng, now)
    _decide(rng, filed, now)
    _settle_last_month(now)
    db.session.flush()
    return len(filed)


def _between(rng, low, high):
    return timedelta(seconds=rng.randrange(int(low.total_seconds()), int(high.total_seconds())))


def _file(values, at, provider_id=None):
    """The claim filed by the manager of the job's provider (or ``provider_id``'s) on the day of ``at``."""
    if provider_id is None:
        provider_id = db.session.get(Job, values["job_id"]).provider_id if values.get("job_id") else None
    manager = provider_managers(provider_id)[0]
    return submit_claim(manager, values, today=local_today(at), now=at)


def _paid_repairs_claimed(rng, finished, now):
    """Three paid (out-of-warranty) repairs claimed under warranty all the same."""
    paid = [job for job in finished if job.job_type == "paid"]
    made = []
    for draft in drafts.drafts(paid[-3:]):
        at = min(draft["completed_at"] + _between(rng, *FILED_AFTER), now)
        values = dict(draft["claim"], labor_fee=draft["claim"]["labor_fee_cents"])
        made.append((_file(values, at), at))
    return made


def _serials_never_sold(rng, now):
    """Two claims for units the install base never sold, each with a made-up serial of a real model's format."""
    providers = db.session.scalars(select(Provider).where(Provider.active.is_(True)).order_by(Provider.code)).all()
    claims = []
    known = db.session.scalars(select(Claim.model).distinct().order_by(Claim.model).limit(2)).all()
    for n, model in enumerate(known):
        provider = providers[(n * 7 + 3) % len(providers)]
        at = now - timedelta(days=1 + n * 6, hours=rng.randrange(0, 8))
        day = local_today(at)
        values = {
            "serial": f"{model.replace('-', '')}{day:%y%m}{990000 + n:06d}",
            "model": model,
            "failure_date": day - timedelta(days=2),
            "repair_date": day - timedelta(days=1),
            "fault_code": db.session.scalar(select(Claim.fault_code).where(Claim.model == model).limit(1)),
            "parts": [],
            "labor_fee": 8000,
        }
        claims.append((_file(values, at, provider_id=provider.id), at))
    return claims


def _decide(rng, filed, now):
    """An auditor decides the flagged claims filed long enough ago, within days of their filing: the ones a
    check caught are rejected."""
    auditor = db.session.scalar(select(User).where(User.username == "auditor1"))
    if auditor is None:
        return
    for claim, at in filed:
        if claim.status != PENDING_REVIEW or at > now - DECIDED_AFTER:
            continue
        decided = at + _between(rng, timedelta(hours=2), DECIDED_AFTER)
        caught = next((REJECTIONS[flag.code] for flag in claim.flags if flag.code in REJECTIONS), None)
        if caught:
            decide_claim(auditor, claim.id, "reject", caught, now=decided)
        else:
            decide_claim(auditor, claim.id, "approve", "核实无误", now=decided)


def _settle_last_month(now):
    """Last month's statements made for every other provider (by code), the rest waiting for an auditor; of
    those made, every other one accepted by its provider and final, the others open for disputes."""
    auditor = db.session.scalar(select(User).where(User.username == "auditor1"))
    if auditor is None:
        return
    today = local_today(now)
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    providers = db.session.scalars(select(Provider).order_by(Provider.code)).all()
    for index, provider in enumerate(providers[::2]):
        try:
            with db.session.begin_nested():
                settlement = settle_month(auditor, provider.id, last_month, now=now)
        except Conflict:
            continue  # nothing approved and unsettled that month
        manager = next(iter(provider_managers(provider.id)), None)
        if index % 2 == 0 and manager is not None:
            accept(manager, settlement.id, now=now)
            finalise(auditor, settlement.id, now=now)
