"""Rules of customers and service requests: find the customer, record a request, make its job."""

import uuid
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import TypedDict

from sqlalchemy import ColumnElement
from sqlalchemy import false
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from scanning.serials import normalise_serial
from scanning.serials import valid_serial
from server.cards.services import CardBrief
from server.cards.services import brief
from server.cards.services import valid_cards
from server.cards.services import whole_unit_card
from server.core.clock import local_today
from server.core.clock import utcnow
from server.core.locks import serialise_on
from server.core.privacy import mask_phone
from server.core.queries import StatementT
from server.core.reference import invalid
from server.core.roles import DISPATCHER
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Customer
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.jobs.services import sla
from server.jobs.services.dispatch import active_region
from server.jobs.services.dispatch import region_chain
from server.jobs.services.events import record
from server.jobs.services.queries import sees_every_job
from server.jobs.services.queries import visible_customers
from server.jobs.services.queries import visible_jobs
from server.network.models import Provider
from server.products.models import Product
from server.products.warranty import WarrantyStatus
from server.products.warranty import warranty_status
from server.users.models import User

# How far ahead a customer may ask for a visit.
PREFERENCE_HORIZON = timedelta(days=90)
# How much of a customer's history the call centre sees at once.
HISTORY_LIMIT = 50


class CustomerCard(TypedDict):
    id: int | None  # None until the call centre has recorded the customer
    phone: str  # masked for provider staff
    name: str
    address: str
    region_code: str | None


class Unit(TypedDict):
    serial: str
    model: str | None
    category: str | None
    sale_date: date | None
    in_install_base: bool
    warranty: WarrantyStatus | None
    # The valid service card covering the unit for the looked-up phone (a whole-unit one first), and every one.
    card: CardBrief | None
    cards: list[CardBrief]


class RequestView(TypedDict):
    request: ServiceRequest
    job: Job | None


class CustomerView(TypedDict):
    customer: CustomerCard
    units: list[Unit]
    requests: list[RequestView]


def find_customer(
    user: User, phone: str | None = None, serial: str | None = None, now: datetime | None = None
) -> CustomerView:
    """A customer found by phone or by a unit's serial: their units with warranty today, and their requests.

    A serial leads to the phone of its sale record; units are the install base's
    records under that phone, plus units known only from earlier requests.

    A dispatcher with a province sees what lies in it: the customer recorded there, the units sold there and
    the requests whose job is theirs. Nothing of it there is 404, as nothing at all.
    """
    now = now or utcnow()
    today = local_today(now)
    sale = None
    if serial:
        serial = normalise_serial(serial)
        sale = db.session.scalar(_visible_sales(user, select(SaleRecord)).where(SaleRecord.serial == serial))
        if phone is None and sale is not None and sale.customer_phone:
            phone = sale.customer_phone
        if phone is None:
            # A unit not in the install base is known by the requests made for it.
            phone = db.session.scalar(
                _visible_requests(user, select(ServiceRequest.customer_phone))
                .where(ServiceRequest.serial == serial)
                .order_by(ServiceRequest.id.desc())
                .limit(1)
            )
    customer = (
        db.session.scalar(visible_customers(user, select(Customer)).where(Customer.phone == phone)) if phone else None
    )
    sales: list[SaleRecord] = []
    if phone:
        sales = list(
            db.session.scalars(
                _visible_sales(user, select(SaleRecord))
                .where(SaleRecord.customer_phone == phone)
                .order_by(SaleRecord.sale_date.desc())
                .limit(100)
            ).all()
        )
    if sale is not None and sale not in sales:
        sales.insert(0, sale)
    conditions: list[ColumnElement[bool]] = []
    if phone:
        conditions.append(ServiceRequest.customer_phone == phone)
    if serial:
        conditions.append(ServiceRequest.serial == serial)
    requests: Sequence[ServiceRequest] = (
        db.session.scalars(
            _visible_requests(user, select(ServiceRequest))
            .options(selectinload(ServiceRequest.region))
            .where(or_(*conditions))
            .order_by(ServiceRequest.id.desc())
            .limit(HISTORY_LIMIT)
        ).all()
        if conditions
        else []
    )
    if customer is None and not sales and not requests:
        raise NotFound("No customer, unit or request matches.", code="customer_not_found")
    jobs = {job.request_id: job for job in _jobs_of(requests)}
    units: list[Unit] = [
        {
            "serial": record.serial,
            "model": record.product.model,
            "category": record.product.category,
            "sale_date": record.sale_date,
            "in_install_base": True,
            "warranty": warranty_status(record.product, record.sale_date, today),
            "card": None,
            "cards": [],
        }
        for record in sales
    ]
    known = {unit["serial"] for unit in units}
    for request in requests:
        if request.serial and request.serial not in known:
            known.add(request.serial)
            units.append(
                {
                    "serial": request.serial,
                    "model": request.product.model if request.product else None,
                    "category": request.product.category if request.product else None,
                    "sale_date": None,
                    "in_install_base": False,
                    "warranty": None,
                    "card": None,
                    "cards": [],
                }
            )
    held = valid_cards([unit["serial"] for unit in units], phone, today)
    for unit in units:
        cards = [card for card in (brief(each) for each in held.get(unit["serial"], [])) if card is not None]
        unit["card"], unit["cards"] = (cards[0] if cards else None), cards
    return {
        "customer": {
            # None until the call centre has recorded the customer (their first request).
            "id": customer.id if customer else None,
            "phone": mask_phone(phone or "", user.role),
            "name": customer.name if customer else (requests[0].customer_name if requests else ""),
            "address": customer.address if customer else (requests[0].address if requests else ""),
            "region_code": customer.region.code if customer and customer.region else None,
        },
        "units": units,
        "requests": [_request_view(request, jobs.get(request.id)) for request in requests],
    }


def _visible_sales(user: User, statement: StatementT) -> StatementT:
    """Sale records in the caller's slice: all of them nationally, a province's for its dispatcher."""
    if sees_every_job(user):
        return statement
    if user.role == DISPATCHER:
        return statement.where(SaleRecord.province_id == user.province_id)
    return statement.where(false())


def _visible_requests(user: User, statement: StatementT) -> StatementT:
    """Requests whose job lies in the caller's slice (every request nationally)."""
    if sees_every_job(user):
        return statement
    return statement.where(ServiceRequest.id.in_(visible_jobs(user, select(Job.request_id))))


def _jobs_of(requests: Sequence[ServiceRequest]) -> Sequence[Job]:
    ids = [request.id for request in requests]
    if not ids:
        return []
    return db.session.scalars(
        select(Job).options(joinedload(Job.provider).lazyload(Provider.regions)).where(Job.request_id.in_(ids))
    ).all()


def _request_view(request: ServiceRequest, job: Job | None) -> RequestView:
    return {"request": request, "job": job}


def create_request(user: User, values: Mapping[str, Any], now: datetime | None = None) -> Job:
    """Record a customer's request and create its job, with SLA deadlines, in state ``new``.

    A unit with an open request gets no second one: the agent is shown the open
    one (409 ``open_request_exists``) — also when two agents record it at once.
    """
    now = now or utcnow()
    region = active_region(values["region_code"])
    if user.province_id is not None and region_chain(region)[-1].id != user.province_id:
        # A provincial dispatcher records the calls of their province: a job elsewhere would be one they
        # could not see, and its duplicate check would tell them of another province's requests.
        raise invalid("region_code", f"{region.code} lies outside your province")
    serial = normalise_serial(values.get("serial") or "")
    if serial and not valid_serial(serial):
        raise invalid("serial", "a serial has 1 to 64 characters and no spaces")
    sale = db.session.scalar(select(SaleRecord).where(SaleRecord.serial == serial)) if serial else None
    product = _product(values.get("model"), sale)
    start, end = values.get("preferred_start"), values.get("preferred_end")
    if start is not None and start <= now:
        raise invalid("preferred_start", "the preferred time is in the past")
    if start is not None and start > now + PREFERENCE_HORIZON:
        raise invalid("preferred_start", "a visit is booked at most 90 days ahead")
    if end is not None and (start is None or end <= start):
        raise invalid("preferred_end", "the preferred window ends after it starts")
    address, fault = values["address"].strip(), values["fault_description"].strip()
    if not address:
        raise invalid("address", "give the address of the visit")
    if not fault:
        raise invalid("fault_description", "describe the fault")

    # Two agents recording the same unit (or a new customer's first two units) at once take turns here.
    serialise_on(f"phone:{values['customer_phone']}", *([f"serial:{serial}"] if serial else []))
    if serial:
        _refuse_duplicate(serial)
    customer = _remember_customer(values, region)
    lat, lng, coord_system = _address_coordinates(values, sale)
    request = ServiceRequest(
        # Numbered from its id once flushed (SR00000123): a unique stand-in until then.
        number=f"tmp-{uuid.uuid4().hex[:24]}",
        serial=serial,
        open_serial=serial or None,
        product=product,
        customer=customer,
        customer_name=values.get("customer_name", "").strip(),
        customer_phone=values["customer_phone"],
        address=address,
        region=region,
        fault_description=fault,
        channel=values.get("channel", "phone"),
        preferred_start=start,
        preferred_end=end,
        lat=lat,
        lng=lng,
        coord_system=coord_system,
        created_by_id=user.id,
        created_at=now,
    )
    db.session.add(request)
    db.session.flush()
    request.number = f"SR{request.id:08d}"
    job_type, card = _default_job_type(product, sale, local_today(now), values["customer_phone"])
    job_type = values.get("job_type") or job_type
    if job_type != "warranty":
        card = None  # a job the agent made paid relies on no card
    job = Job(
        number=f"J{request.id:08d}",
        request=request,
        product_id=product.id if product else None,
        job_type=job_type,
        card_number=card.number if card is not None else None,
        state="new",
        region=region,
        province_id=region_chain(region)[-1].id,
        created_at=now,
        updated_at=now,
        **sla.deadlines(region.area_class, now, start),
    )
    db.session.add(job)
    db.session.flush()
    record(job, "created", user, data={"request": request.number, "channel": request.channel}, at=now)
    db.session.flush()
    return job


def _address_coordinates(
    values: Mapping[str, Any], sale: SaleRecord | None
) -> tuple[float | None, float | None, str | None]:
    """Where the address is: as the request gives it (all three or none, RequestArgs checks), else where the
    unit's sale record says it was installed, else unknown."""
    if values.get("coord_system") is not None:
        return values["lat"], values["lng"], values["coord_system"]
    if sale is not None and sale.coord_system is not None:
        return sale.lat, sale.lng, sale.coord_system
    return None, None, None


def _product(model, sale):
    if sale is not None:
        if model and model != sale.product.model:
            raise invalid("model", f"the install base has this serial as model {sale.product.model}")
        return sale.product
    if not model:
        return None
    product = db.session.scalar(select(Product).where(Product.model == model))
    if product is None:
        raise invalid("model", f"unknown model {model}")
    return product


def _refuse_duplicate(serial):
    existing = db.session.scalar(select(ServiceRequest).where(ServiceRequest.open_serial == serial))
    if existing is None:
        return
    job = db.session.scalar(select(Job).where(Job.request_id == existing.id))
    raise Conflict(
        f"Unit {serial} has an open request already: {existing.number}.",
        code="open_request_exists",
        details={
            "request_id": existing.id,
            "request_number": existing.number,
            "job_id": job.id if job else None,
            "job_number": job.number if job else None,
            "state": job.state if job else None,
            "created_at": existing.created_at.isoformat(),
        },
    )


def _remember_customer(values, region):
    """The customer of this phone, created on their first request; name and address kept up to date."""
    customer = db.session.scalar(select(Customer).where(Customer.phone == values["customer_phone"]))
    if customer is None:
        customer = Customer(phone=values["customer_phone"])
        db.session.add(customer)
    if values.get("customer_name", "").strip():
        customer.name = values["customer_name"].strip()
    customer.address = values["address"].strip()
    customer.region = region
    return customer


def _default_job_type(product, sale, today, phone=None):
    """Warranty when the unit is in warranty or not yet known (its claim checks will tell), or out of its
    factory warranty but under a valid whole-unit service card ``phone`` may use; paid when it is out.

    Returns the type and the card it relied on (None when none was needed or found).
    """
    if sale is None or product is None:
        return "warranty", None
    status = warranty_status(product, sale.sale_date, today)
    whole = status["whole_unit"]
    if whole is None or whole["active"]:
        return "warranty", None
    card = whole_unit_card(sale.serial, phone, today)
    return ("warranty", card) if card is not None else ("paid", None)


def get_request(user: User, request_id: int) -> RequestView:
    """A request and its job, if the job is in the caller's slice."""
    job: Job | None = db.session.scalar(visible_jobs(user).where(Job.request_id == request_id))
    if job is None:
        raise NotFound(f"You have no request {request_id}.", code="request_not_found")
    return _request_view(job.request, job)
