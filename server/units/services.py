"""A unit as the caller may see it, read across the install base, jobs and claims."""

from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import TypedDict

from sqlalchemy import select

from server.cards.services import CardBrief
from server.cards.services import cards_on
from server.claims.models import Claim
from server.claims.services import visible_claims
from server.core.privacy import mask_phone
from server.core.roles import PROVIDER_ROLES
from server.extensions import db
from server.installbase.services import sale_record
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.products.warranty import WarrantyStatus
from server.products.warranty import warranty_status
from server.users.models import User


class SaleCard(TypedDict):
    serial: str
    model: str
    category: str
    sale_date: date
    store: str
    province: str | None
    city: str | None
    customer_phone: str  # masked for provider staff
    source_file: str


class UnitView(TypedDict):
    sale: SaleCard
    warranty: WarrantyStatus
    cards: list[CardBrief]  # the service cards covering it today, beyond the factory warranty
    claims: Sequence[Claim]
    jobs: Sequence[Job]


def unit_view(user: User, serial: str, today: date | None = None) -> UnitView:
    """A sold unit as the caller may see it: sale record, warranty today, its claims and jobs.

    Provider staff see their provider's jobs and claims; a provincial dispatcher or parts clerk those of
    jobs in their province. Both see the customer's phone masked where the unit is not theirs to know.
    """
    today = today or datetime.now(UTC).date()
    record = sale_record(serial)
    jobs = (
        select(Job)
        .join(ServiceRequest, Job.request_id == ServiceRequest.id)
        .where(ServiceRequest.serial == record.serial)
        .order_by(Job.id)
    )
    claims = visible_claims(user).where(Claim.serial == record.serial)
    province = user.province_id  # a provincial dispatcher's or a parts clerk's; None: the whole country
    if user.role in PROVIDER_ROLES:
        jobs = jobs.where(Job.provider_id == user.provider_id)
    elif province is not None:
        in_province = select(Job.id).where(Job.province_id == province)
        jobs = jobs.where(Job.province_id == province)
        claims = claims.where(Claim.job_id.in_(in_province))
    in_slice = province is None or record.province_id == province
    return {
        "sale": {
            "serial": record.serial,
            "model": record.product.model,
            "category": record.product.category,
            "sale_date": record.sale_date,
            "store": record.store,
            "province": record.province.code if record.province else None,
            "city": record.city.code if record.city else None,
            "customer_phone": mask_phone(record.customer_phone, user.role, in_slice),
            "source_file": record.source_file,
        },
        "warranty": warranty_status(record.product, record.sale_date, today),
        "cards": cards_on(record.serial, today),
        "claims": db.session.scalars(claims.order_by(Claim.id)).all(),
        "jobs": db.session.scalars(jobs).all(),
    }
