"""``flask --app server seed-demo``: a realistic demo data set, dated back from the moment it is loaded.

Each domain seeds its own part (``server/<domain>/demo.py``) through its own service functions, the rules
the API and the phones use; this module only runs them in order and hands each what the ones before made.
Reference data comes through the import rules, sale records as a CSV export through the install base's
import, service cards on a few of the oldest units, then the knowledge base, the last five weeks of requests
and jobs walked step by step up to now, the shortages of the jobs waiting for parts and how far the clerks
and the RDCs took them, the callbacks, complaints and care tasks of the call centre, the old parts the
busiest providers' repairs owe the RDCs and how far they got back, and the providers' warranty claims with
the auditors' decisions. So every role's home, and every report's default range, has work in it on the day
it is loaded.

A fixed seed gives the same data for the same moment on every fresh database. Running it again adds
nothing: reference data is found unchanged, and the dated part (sales, history) is loaded only into a
database without it.

Every demo user of a role shares one password, derived from the installation's secret key: the same on every
run, so ``demo-sign-ins`` (``make run``) can print them each time, and known to nobody without the key. A
password changed since is kept, and listed as changed.
"""

import base64
import hashlib
import hmac
import os
import random
import time
import urllib.error
import urllib.request
from datetime import datetime
from typing import NamedTuple

import click
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from server.campaigns.demo import seed_campaigns
from server.cards.demo import seed_cards
from server.care.demo import seed_care
from server.charges.demo import seed_charges
from server.claims.demo import seed_claims
from server.claims.returns import mark_overdue as mark_returns_overdue
from server.core.clock import local_today
from server.core.clock import utcnow
from server.extensions import db
from server.imports.demo import seed_reference
from server.installbase.demo import SOURCE_FILE
from server.installbase.demo import seed_sales
from server.installbase.models import SaleRecord
from server.jobs.demo import seed_jobs
from server.jobs.models import OPEN_STATES
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.jobs.services.sla import mark_overdue
from server.knowledge.demo import seed_knowledge
from server.supply.demo import seed_shortages
from server.supply.demo import seed_supply
from server.supply.demo_returns import seed_returns
from server.supply.models import Requisition
from server.users.models import User
from server.users.passwords import verify_password

SEED = 3_1_5  # 3.15, China's consumer-rights day
# The demo's history: the requests of these last days, every one walked to its state by now.
HISTORY_DAYS = 35
STAFF_ROLES = [
    "admin",
    "agent",
    "supervisor",
    "dispatcher",
    "hq_planner",
    "auditor",
    "parts_clerk",
    "provider_manager",
    "technician",
]
# The users the sign-in list names where no busier one is found (the clerk, manager and technician listed
# are those with the most work waiting, so that their screens show the product at work).
USUAL = {
    "admin": "admin",
    "agent": "agent1",
    "supervisor": "supervisor",
    "dispatcher": "dispatcher1",
    "hq_planner": "planner",
    "auditor": "auditor1",
    "parts_clerk": "clerk.370000",
    "provider_manager": "pm.p3701",
    "technician": "tech.p3701.1",
}


class SignIn(NamedTuple):
    role: str
    username: str
    password: str | None  # None: the user's password was changed since the demo set it


def demo_password(role: str) -> str:
    """The demo password of ``role``'s users: derived from the secret key, so the same on every run."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"sanbao demo sign-in: {role}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:14].lower()


def seed(sales=100_000, jobs=300, echo=print, now: datetime | None = None):
    """Build the demo data set as of ``now`` (the moment of loading by default)."""
    now = now or utcnow()
    rng = random.Random(SEED)
    first_run = db.session.scalar(select(User.id).where(User.username == "admin")) is None
    passwords = {role: demo_password(role) for role in STAFF_ROLES} if first_run else {}
    seed_reference(rng, passwords, opening_balances=first_run)
    echo("reference data: regions, providers, products, policies, parts, stock and users in place")
    have_sales = db.session.scalar(select(SaleRecord.id).where(SaleRecord.source_file == SOURCE_FILE).limit(1))
    echo(f"sale records added: {0 if have_sales else seed_sales(rng, sales, local_today(now))}")
    echo(f"service cards added: {seed_cards(local_today(now), SOURCE_FILE)}")
    echo(f"knowledge-base entries added: {seed_knowledge()}")
    echo(f"care message templates added: {seed_campaigns()}")
    if db.session.scalar(select(ServiceRequest.id).limit(1)) is not None:
        echo("service requests added: 0 (the database has its history already)")
        return
    made = seed_jobs(rng, jobs, now, HISTORY_DAYS)
    echo(f"service requests added: {len(made.jobs)}")
    raised = seed_shortages(rng, made.short_of_parts)
    echo(f"requisitions raised for missing parts: {len(raised)}")
    taken = seed_supply(rng, raised, now)
    echo(f"requisitions approved: {taken['approved']}, shipped: {taken['shipped']}, received: {taken['received']}")
    echo(f"callbacks opened: {seed_care(made.jobs, now)}")
    echo(f"quotes waiting for the customer's approval: {seed_charges(made.jobs, now)}")
    # The manager and the clerk the sign-ins name find old parts on their screens (their work is settled by now).
    manager, clerk = _featured("provider_manager"), _featured("parts_clerk")
    returned = seed_returns(
        rng, made.jobs, now, provider_id=manager and manager.provider_id, province_id=clerk and clerk.region_id
    )
    echo("old parts owed to the RDCs: " + ", ".join(f"{status} {count}" for status, count in sorted(returned.items())))
    echo(f"warranty claims filed: {seed_claims(made.jobs, now)}")
    # The returns' deadlines passed meanwhile, as the scheduler's sweep finds them now that claims name them.
    echo(f"old parts overdue at the RDCs: {mark_returns_overdue(now=now)}")
    echo(f"overdue deadlines escalated: {mark_overdue(now=now)}")


def sign_ins() -> list[SignIn]:
    """One user of each role to sign in as, with the demo password (None when changed since); empty when the
    database has no demo users."""
    users = {user.username: user for user in db.session.scalars(select(User).where(User.active.is_(True)))}
    found = []
    for role in STAFF_ROLES:
        user = users.get(_busiest(role) or USUAL[role])
        if user is None or user.role != role:
            continue
        password = demo_password(role)
        found.append(SignIn(role, user.username, password if verify_password(user.password_hash, password) else None))
    return found


def _featured(role: str) -> User | None:
    """The user of ``role`` the sign-ins name, as the data stands now."""
    return db.session.scalar(select(User).where(User.username == (_busiest(role) or USUAL[role])))


def _busiest(role: str) -> str | None:
    """The user of ``role`` with the most work waiting, for the roles whose work depends on the data."""
    if role == "technician":
        statement = (
            select(User.username)
            .join(Job, Job.technician_id == User.id)
            .where(Job.state.in_(OPEN_STATES), User.active.is_(True))
        )
    elif role == "provider_manager":
        statement = (
            select(User.username)
            .join(Job, Job.provider_id == User.provider_id)
            .where(User.role == role, Job.state.in_((*OPEN_STATES, "completed")), User.active.is_(True))
        )
    elif role == "parts_clerk":
        statement = (
            select(User.username)
            .join(Requisition, Requisition.province_id == User.region_id)
            .where(User.role == role, Requisition.status == "pending", User.active.is_(True))
        )
    else:
        return None
    return db.session.scalar(statement.group_by(User.username).order_by(func.count().desc(), User.username).limit(1))


def print_sign_ins(url: str | None = None, echo=click.echo) -> None:
    found = sign_ins()
    if not found:
        echo("No demo users in this database: sign in with the accounts it has.")
        return
    where = f" at {url}" if url else ""
    echo(f"\nSanbao{where}. Demo sign-ins (demo data only; every user of a role shares its password):")
    echo(f"  {'role':<17} {'username':<16} password")
    for role, username, password in found:
        echo(f"  {role:<17} {username:<16} {password or '(changed since the demo was loaded)'}")


def wait_for(url: str, seconds: float, pid: int | None = None) -> bool:
    """Whether ``url`` answered within ``seconds``; no longer than the process ``pid`` (the server started
    beside this command) runs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            if pid is not None and not _running(pid):
                return False
            time.sleep(0.25)
    return False


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only whether the process is there
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@click.command("seed-demo")
@click.option("--sales", default=100_000, show_default=True, help="Number of sale records in the install base.")
@click.option("--jobs", default=300, show_default=True, help="Number of service requests and jobs.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users already.")
@click.option("--sign-ins/--no-sign-ins", default=True, show_default=True, help="List the demo sign-ins at the end.")
def seed_demo_command(sales, jobs, if_empty, sign_ins):
    """Load the demo data set, dated up to now (idempotent), and list the demo sign-ins."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("Demo data: the database has users already; nothing to load.")
    else:
        seed(sales=sales, jobs=jobs, echo=click.echo)
        db.session.commit()
    if sign_ins:
        print_sign_ins()


@click.command("demo-sign-ins")
@click.option("--url", default=None, help="The app's address, named above the list.")
@click.option("--wait", "wait_seconds", default=0.0, help="Seconds to wait for the app at --url to answer first.")
@click.option("--pid", type=int, default=None, help="The server's process: stop waiting if it has stopped.")
def demo_sign_ins_command(url, wait_seconds, pid):
    """List one demo user of each role with its password (after the server is up, with --url and --wait)."""
    if url and wait_seconds and not wait_for(url.rstrip("/") + "/api/health", wait_seconds, pid):
        click.echo(f"The app did not answer at {url}; see the server's output above.", err=True)
        raise SystemExit(1)
    print_sign_ins(url)
