"""``flask --app server seed-demo``: a realistic, deterministic demo data set.

Each domain seeds its own part (``server/<domain>/demo.py``) through its own service functions, the rules
the API and the phones use; this module only runs them in order and hands each what the ones before made.
Reference data comes through the import rules, sale records as a CSV export through the install base's
import, then the knowledge base, a month of requests and jobs walked step by step (June 2026), the
shortages of the jobs waiting for parts, and the callbacks of the finished ones. A fixed seed gives the
same data on every fresh database; running it again adds nothing. Passwords are random and printed once,
on the first run.
"""

import random
import secrets
from datetime import date

import click
from sqlalchemy import select

from server.care.demo import seed_care
from server.extensions import db
from server.imports.demo import seed_reference
from server.installbase.demo import seed_sales
from server.jobs.demo import seed_jobs
from server.knowledge.demo import seed_knowledge
from server.supply.demo import seed_shortages
from server.users.models import User

SEED = 3_1_5  # 3.15, China's consumer-rights day
# Sale dates run back four years from this day and the jobs fill the month it ends, so the data does not
# drift with the clock.
REFERENCE_DAY = date(2026, 6, 30)
STAFF_ROLES = ["admin", "agent", "dispatcher", "hq_planner", "auditor", "parts_clerk", "provider_manager", "technician"]


def seed(sales=100_000, jobs=300, echo=print):
    """Build the demo data set; return the passwords created (empty when users existed)."""
    rng = random.Random(SEED)
    first_run = db.session.scalar(select(User.id).where(User.username == "admin")) is None
    passwords = {role: secrets.token_urlsafe(9) for role in STAFF_ROLES} if first_run else {}
    seed_reference(rng, passwords)
    echo("reference data: regions, providers, products, policies, parts, stock and users in place")
    echo(f"sale records added: {seed_sales(rng, sales, REFERENCE_DAY)}")
    echo(f"knowledge-base entries added: {seed_knowledge()}")
    first_day = REFERENCE_DAY.replace(day=1)
    made = seed_jobs(rng, jobs, first_day, (REFERENCE_DAY - first_day).days)
    echo(f"service requests added: {len(made.jobs)}")
    echo(f"requisitions raised for missing parts: {seed_shortages(rng, made.short_of_parts)}")
    echo(f"callbacks added: {seed_care(made.jobs)}")
    return passwords


@click.command("seed-demo")
@click.option("--sales", default=100_000, show_default=True, help="Number of sale records in the install base.")
@click.option("--jobs", default=300, show_default=True, help="Number of service requests and jobs.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has users already.")
def seed_demo_command(sales, jobs, if_empty):
    """Load the demo data set (idempotent; passwords printed on the first run only)."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("Demo data: the database has users already; nothing to load.")
        return
    passwords = seed(sales=sales, jobs=jobs, echo=click.echo)
    db.session.commit()
    if passwords:
        click.echo("\nDemo sign-in (shown once; every user of a role shares its password):")
        examples = {
            "admin": "admin",
            "agent": "agent1",
            "dispatcher": "dispatcher1",
            "hq_planner": "planner",
            "auditor": "auditor1",
            "parts_clerk": "clerk.370000",
            "provider_manager": "pm.p3701",
            "technician": "tech.p3701.1",
        }
        for role in STAFF_ROLES:
            click.echo(f"  {role:<17} {examples[role]:<14} {passwords[role]}")
    else:
        click.echo("Users existed already; their passwords are unchanged.")
