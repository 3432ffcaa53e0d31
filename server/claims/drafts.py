"""Warranty jobs a provider has finished and not yet claimed, each with its claim drafted from the job.

A provider's claims clerk files dozens of claims a month. Everything a claim asks for is already on the job:
the serial the technician scanned (and the scan backing it), the model, when the customer called, when the
repair was done, the parts fitted, the fault the technician found. Drafting it from the job means the
clerk checks figures instead of copying them, and the claim cites the scan, so the scan checks can run.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from typing import TypedDict

from flask import current_app
from sqlalchemy import Select
from sqlalchemy import exists
from sqlalchemy import select

from server.claims.models import Claim
from server.core.clock import local_offset
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import Scan
from server.supply.models import PartUsage
from server.users.models import User

# A claim can be filed once the visit is over: completed, or closed by the call centre after the callback.
CLAIMABLE_STATES = ("completed", "closed")


class DraftPart(TypedDict):
    part_no: str
    qty: int


class DraftClaim(TypedDict):
    """A claim's fields as the job gives them; the clerk checks them and files it."""

    job_id: int
    serial: str
    scan_id: int | None
    model: str
    failure_date: date
    repair_date: date
    fault_code: str
    parts: list[DraftPart]
    labor_fee_cents: int


class ClaimDraft(TypedDict):
    job_id: int
    job_number: str
    customer_name: str
    completed_at: datetime | None
    completion_summary: str
    technician: str | None
    claim: DraftClaim


def unclaimed_jobs(user: User, job_id: int | None = None) -> Select[Job]:
    """The caller's provider's warranty jobs, finished and not named by any claim yet, newest first."""
    statement = (
        select(Job)
        .where(
            Job.provider_id == user.provider_id,
            Job.job_type == "warranty",
            Job.state.in_(CLAIMABLE_STATES),
            ~exists().where(Claim.job_id == Job.id),
        )
        .order_by(Job.completed_at.desc(), Job.id.desc())
    )
    return statement if job_id is None else statement.where(Job.id == job_id)


def labour_fee_cents(category: str | None) -> int:
    """The standard labour fee of a product category (a provider may claim otherwise; the audit sees it)."""
    fees = current_app.config["CLAIM_LABOUR_FEES"]
    return int(fees.get(category, fees["*"]))


def drafts(jobs: Sequence[Job]) -> list[ClaimDraft]:
    """One claim draft per job, read with one query per kind of fact rather than one per job."""
    ids = [job.id for job in jobs]
    if not ids:
        return []
    scans: dict[int | None, Scan] = {}
    for scan in db.session.scalars(select(Scan).where(Scan.job_id.in_(ids)).order_by(Scan.id)):
        scans[scan.job_id] = scan  # the latest read of the unit wins: a re-scan corrects a misread
    parts: defaultdict[int, dict[str, int]] = defaultdict(dict)
    usages = db.session.scalars(select(PartUsage).where(PartUsage.job_id.in_(ids)).order_by(PartUsage.id))
    for usage in usages:
        if usage.part.claimable:
            fitted = parts[usage.job_id]
            fitted[usage.part.part_no] = fitted.get(usage.part.part_no, 0) + usage.qty
    return [_draft(job, scans.get(job.id), parts[job.id]) for job in jobs]


def _draft(job: Job, scan: Scan | None, parts: dict[str, int]) -> ClaimDraft:
    request = job.request
    product = request.product
    shift = local_offset()
    failure = request.created_at + shift
    repaired = (job.completed_at or job.updated_at) + shift
    return {
        "job_id": job.id,
        "job_number": job.number,
        "customer_name": request.customer_name,
        "completed_at": job.completed_at,
        "completion_summary": job.completion_summary,
        "technician": job.technician.display_name if job.technician else None,
        "claim": {
            "job_id": job.id,
            "serial": scan.serial if scan else request.serial,
            "scan_id": scan.id if scan else None,
            "model": product.model if product else "",
            "failure_date": failure.date(),
            "repair_date": repaired.date(),
            "fault_code": job.fault_code or "",
            "parts": [{"part_no": part_no, "qty": qty} for part_no, qty in sorted(parts.items())],
            "labor_fee_cents": labour_fee_cents(product.category if product else None),
        },
    }
