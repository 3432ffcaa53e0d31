"""Service requests and their jobs in the demo data set: the last weeks of work on units of the install base,
dated back from the moment the demo is loaded, so that today's screens have today's work on them.

Each request is recorded by an agent, and each job walked, by the people whose step it is, through the
service functions the API and the phones call, to the state it is shown in: the dispatcher hands it to the
provider the rules suggest, the provider's manager to a technician, who accepts, calls the customer, sets
off, arrives, scans the serial label and completes the repair with a fault code from the knowledge base;
the manager closes it out. Every step is given the moment it happened, and the steps of all jobs are taken
in the order of those moments, so the load and SLA record a dispatcher's suggestion weighs are those of
that moment. Missing parts are the supply domain's to record (a shortage raises its requisition): the jobs
meant to wait for parts are left on site and handed back with the moment their technician found out.

The addresses of the cities the demo knows carry coordinates, half as a Chinese map gives them (GCJ-02) and
half from GPS (WGS-84), and the phones' positions at arrival and completion lie a few dozen metres from the
door; a few finished jobs do not: a technician who never went (his fixes are kilometres away), and one whose
phone gave no position at arrival. Their claims show the auditor FAR_FROM_ADDRESS and NO_CHECKIN.

How long ago a job's last step happened follows its state: requests still new or just dispatched are mostly
from the last hours (a few, days old, are overdue), a technician on the way set off minutes ago, a job
waiting for parts has waited days, and finished jobs spread over the whole period.
"""

import math
import random
import re
from bisect import bisect_left
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import select

from server.core.clock import local_offset
from server.core.clock import local_today
from server.core.geo import EARTH_RADIUS_M
from server.core.geo import GCJ02
from server.core.geo import WGS84
from server.core.geo import wgs84_to_gcj02
from server.core.roles import TECHNICIAN
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.jobs.schemas import RequestArgs
from server.jobs.services import dispatch as dispatching
from server.jobs.services import lifecycle
from server.jobs.services import requests
from server.knowledge.services import fault_codes
from server.messaging.models import Message
from server.network.models import Provider
from server.network.models import Region
from server.products.models import Product
from server.users import directory
from server.users.models import User

# The states the demo shows, in these proportions: each run of thirty requests holds this mix, shuffled. Most
# of five weeks' work is done; today's and the last days' is still open.
STATE_MIX = (
    ["new"] * 2
    + ["dispatched"] * 2
    + ["accepted", "en_route", "on_site"]
    + ["waiting_parts"] * 2
    + ["completed"] * 3
    + ["closed"] * 17
    + ["cancelled"]
)
# How many units are tried for a request that needs a provider before settling for one no provider covers.
UNIT_TRIES = 20
# How far along the visit each state is; a job waiting for parts got as far as the customer's door, and a
# cancelled one no further than the call centre.
PROGRESS = ("new", "dispatched", "accepted", "en_route", "on_site", "completed", "closed")
# Most units brought in are still in warranty; the rest are paid repairs (the rules decide which is which).
RECENT_UNIT_SHARE = 0.8
# The share of the requests still new, or just dispatched, that have waited days: overdue, escalated.
STALE_SHARE = 0.2
# Requests come in from 8:00 to 21:00 local time.
OPEN_HOURS = (8, 21)
# Appointments are made on the half hour: a schedule is moved by whole half hours to keep them there.
HALF_HOUR = timedelta(minutes=30)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
STREETS = ["人民路", "解放路", "建设路", "中山路", "幸福路", "和平街", "文化路", "新华街"]
CHANNELS = ["phone", "phone", "phone", "web", "wechat"]
CONFIRMED_BY = ["顾客本人", "顾客本人", "顾客家属"]
CANCEL_REASONS = ["客户已自行解决", "客户重复报修", "客户要求取消"]
# Where the demo's cities are (WGS-84, their centres, roughly): their counties' addresses lie around them.
CITY_CENTRES = {
    "370100": (36.651, 117.120),
    "370200": (36.067, 120.383),
    "370600": (37.464, 121.448),
    "440100": (23.129, 113.264),
    "440300": (22.543, 114.058),
    "441400": (24.289, 116.122),
    "510100": (30.573, 104.066),
    "510700": (31.468, 104.679),
    "513200": (31.899, 102.221),
    "320100": (32.060, 118.797),
    "320500": (31.299, 120.585),
    "320800": (33.610, 119.015),
}
# How far the phone is from the door at an honest visit (metres), how accurate it says it is, and how far the
# technician who never went was.
AT_THE_DOOR_M = (5, 60)
ACCURACY_M = (8, 35)
NEVER_WENT_M = 4200


class ShortOfParts(NamedTuple):
    """A job whose technician, on site at ``at``, found a part missing."""

    job: Job
    technician: User
    at: datetime


class Seeded(NamedTuple):
    jobs: list  # the jobs made by this run, oldest first
    short_of_parts: list  # [ShortOfParts]


@dataclass
class Visit:
    """One demo request: what the customer tells the agent, and its job's steps, each with its moment."""

    number: int
    created: datetime
    state: str
    serial: str
    values: dict
    agent: User
    fault: object = None  # the knowledge base's defect entry of what is wrong with the unit
    confirmed_by: str = ""
    cancel_reason: str = ""
    steps: list = field(default_factory=list)  # [(moment, step name)]
    appointment_at: datetime | None = None
    short_at: datetime | None = None
    job: Job | None = None
    technician: User | None = None
    home: tuple[float, float] | None = None  # where the address is (WGS-84), when the demo knows
    fixes: str = "near"  # the phone's positions: "near" the door, "far" from it, or "none" at arrival
    sold: date | None = None  # the unit's sale day


def seed_jobs(rng, count, now, days):
    """Record ``count`` requests made over the ``days`` days up to ``now`` and walk their jobs, no step later
    than ``now``; a request the database holds already (same unit, same moment) is left alone."""
    agents = directory.agents()
    if not agents:
        return Seeded([], [])
    visits = _plan(rng, count, now, days, agents)
    serials = [visit.serial for visit in visits]
    recorded = set(
        db.session.execute(
            select(ServiceRequest.serial, ServiceRequest.created_at).where(ServiceRequest.serial.in_(serials))
        ).all()
    )
    # A unit with an open request (another run's, with another count) gets no second one: the agent's 409.
    held = set(db.session.scalars(select(ServiceRequest.open_serial).where(ServiceRequest.open_serial.in_(serials))))
    visits = [visit for visit in visits if (visit.serial, visit.created) not in recorded and visit.serial not in held]
    walk = _Walk(rng)
    agenda = sorted(
        (moment, visit.number, order, name) for visit in visits for order, (moment, name) in enumerate(visit.steps)
    )
    by_number = {visit.number: visit for visit in visits}
    for moment, number, _, name in agenda:
        getattr(walk, name)(by_number[number], moment)
    short = [ShortOfParts(visit.job, visit.technician, visit.short_at) for visit in visits if visit.short_at]
    return Seeded([visit.job for visit in sorted(visits, key=lambda v: (v.created, v.number))], short)


# ---------------------------------------------------------------- the plan


def _plan(rng, count, now, days, agents):
    """Every request with its unit, customer, fault, target state and the moments of its steps."""
    counties = {}
    for county in db.session.scalars(select(Region).where(Region.level == "county").order_by(Region.code)):
        counties.setdefault(county.parent_id, []).append(county)
    covered = set()
    for provider in db.session.scalars(select(Provider).where(Provider.active.is_(True))):
        covered.update(region.id for region in provider.regions)
    models = dict(db.session.execute(select(Product.id, Product.model)).all())
    sales = db.session.execute(
        select(
            SaleRecord.serial,
            SaleRecord.product_id,
            SaleRecord.city_id,
            SaleRecord.customer_phone,
            SaleRecord.sale_date,
        )
        .order_by(SaleRecord.id)
        .limit(count * 20)
    ).all()
    sales = sorted((sale for sale in sales if sale.city_id in counties), key=lambda sale: (sale.sale_date, sale.serial))
    sold_on = [sale.sale_date for sale in sales]
    faults = {}
    used = set()
    visits = []
    earliest = now - timedelta(days=days)
    for n in range(count):
        if n % len(STATE_MIX) == 0:
            block = list(STATE_MIX)
            rng.shuffle(block)
        state = block[n % len(STATE_MIX)]
        # Planned from the minute of loading, then moved back by whole half hours (``_date``).
        planned = now.replace(second=0, microsecond=0)
        visit = Visit(number=n, created=planned, state=state, serial="", values={}, agent=agents[n % len(agents)])
        _schedule(rng, visit)
        _date(rng, visit, now, earliest)
        # A job a provider takes is of a unit in an area some provider covers (the network's gaps wait as new).
        needs_provider = state not in ("new", "cancelled")
        for _ in range(UNIT_TRIES):
            sale = _unit(rng, sales, sold_on, used, local_today(visit.created))
            if sale is None:
                break
            used.add(sale.serial)
            served = [c for c in counties[sale.city_id] if covered & {c.id, c.parent_id, c.parent.parent_id}]
            if served or not needs_provider:
                break
        if sale is None:
            break
        county = rng.choice(served if needs_provider and served else counties[sale.city_id])
        model = models[sale.product_id]
        if model not in faults:
            faults[model] = fault_codes(model)["items"]
        fault = _skewed(rng, faults[model])
        if state not in ("new", "cancelled") and not covered & {county.id, county.parent_id, county.parent.parent_id}:
            # No provider works there: the request waits for the network to grow.
            visit.state = "new"
            visit.steps = visit.steps[:1]
            visit.appointment_at = visit.short_at = None
        visit.serial = sale.serial
        visit.sold = sale.sale_date
        visit.fault = fault
        # A generator of its own, so the rest of the plan is drawn as it always was.
        spot = random.Random(f"{visit.number}:{sale.serial}")
        centre = CITY_CENTRES.get(county.parent.code)
        if centre is not None:
            visit.home = (centre[0] + spot.uniform(-0.06, 0.06), centre[1] + spot.uniform(-0.06, 0.06))
        visit.values = {
            "customer_phone": sale.customer_phone,
            "customer_name": f"{rng.choice(SURNAMES)}{rng.choice(['先生', '女士'])}",
            "address": f"{rng.choice(STREETS)} {rng.randrange(1, 300)} 号",
            "region_code": county.code,
            "serial": sale.serial,
            "fault_description": _complaint(fault),
            "channel": rng.choice(CHANNELS),
        }
        if visit.home is not None:
            # Half picked on a Chinese map (GCJ-02), half from GPS.
            system = GCJ02 if visit.number % 2 == 0 else WGS84
            lat, lng = wgs84_to_gcj02(*visit.home) if system == GCJ02 else visit.home
            visit.values |= {"lat": round(lat, 6), "lng": round(lng, 6), "coord_system": system}
        visits.append(visit)
    _pick_dubious_visits(visits)
    return visits


def _pick_dubious_visits(visits):
    """The closed warranty jobs whose positions the auditor should question, two of each kind (a provider leaves
    a few jobs unclaimed): from the middle of the period, whose jobs are claimed by now and not yet settled."""
    closed = sorted(
        (
            visit
            for visit in visits
            if visit.state == "closed"
            and visit.home is not None
            and visit.sold is not None
            and (visit.created.date() - visit.sold).days < 300  # in warranty: the job is warranty work
        ),
        key=lambda visit: (visit.created, visit.number),
    )
    middle = closed[len(closed) // 2 :]
    for visit, kind in zip(middle, ("far", "none", "far", "none"), strict=False):
        visit.fixes = kind


def _ago(rng, low, high):
    return timedelta(seconds=rng.randrange(int(low.total_seconds()), int(high.total_seconds()) + 1))


def _last_step_ago(rng, state, span, days):
    """How long before now the job's last step was taken, by its state (``span``: from its request to it)."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    if state in ("new", "dispatched"):
        if rng.random() < STALE_SHARE:
            return _ago(rng, 26 * hour, 4 * day)  # waited days: past its deadline to contact the customer
        return _ago(rng, timedelta(0), 7 * hour)
    live = {"accepted": 20 * hour, "en_route": 40 * timedelta(minutes=1), "on_site": hour}
    if state in live:
        return _ago(rng, timedelta(0), live[state])
    if state == "waiting_parts":
        return _ago(rng, 2 * hour, 9 * day)
    if state == "completed":
        return _ago(rng, 3 * hour, 4 * day)
    # Closed and cancelled: anywhere in the period.
    return _ago(rng, timedelta(0), max(days * day - span - hour, timedelta(0)))


def _date(rng, visit, now, earliest):
    """Move the visit's schedule (planned from ``now``) back so that its last step lies as long before ``now``
    as its state says, its request within the period and, unless the job is under way now, in opening hours."""
    created = visit.created
    last = max([moment for moment, _ in visit.steps] + [visit.short_at or created])
    span = last - created
    start = now - _last_step_ago(rng, visit.state, span, (now - earliest).days) - span
    start = max(start, earliest)
    if visit.state not in ("accepted", "en_route", "on_site"):
        start = _in_opening_hours(start)
    # Whole half hours back (at least as far as asked), so appointments stay on the half hour.
    shift = (created - start + HALF_HOUR - timedelta(microseconds=1)) // HALF_HOUR * HALF_HOUR
    visit.created -= shift
    visit.steps = [(moment - shift, name) for moment, name in visit.steps]
    if visit.appointment_at is not None:
        visit.appointment_at -= shift
    if visit.short_at is not None:
        visit.short_at -= shift


def _in_opening_hours(moment):
    """``moment``, or the evening before it when it falls outside the call centre's hours (local time)."""
    local = moment + local_offset()
    first, last = OPEN_HOURS
    if first <= local.hour < last:
        return moment
    evening = local.replace(hour=last - 1, minute=local.minute)
    if local.hour < first:
        evening -= timedelta(days=1)
    return evening - local_offset()


def _unit(rng, sales, sold_on, used, day):
    """A unit sold before ``day`` and not in another demo request: most within the year before it."""
    end = bisect_left(sold_on, day)
    year_ago = bisect_left(sold_on, day - timedelta(days=365))
    recent = rng.random() < RECENT_UNIT_SHARE
    for low, high in ((year_ago, end) if recent else (0, year_ago), (0, end)):
        if low < high:
            start = rng.randrange(low, high)
            for index in (*range(start, high), *range(low, start)):
                if sales[index].serial not in used:
                    return sales[index]
    return None


def _skewed(rng, entries):
    """One of the entries, the first far more often than the next: a few faults make most repairs."""
    if not entries:
        return None
    return rng.choices(entries, weights=[0.5**rank for rank in range(len(entries))])[0]


def _complaint(fault):
    """What the customer says on the phone: the entry's symptom in its short Chinese form."""
    if fault is None:
        return "机器无法正常使用"
    return fault.title.split(" (")[0].split("：")[0]


def _minutes(rng, low, high):
    return timedelta(minutes=rng.randrange(low, high))


def _schedule(rng, visit):
    """The steps from the request to the job's state, each a little after the one before."""
    moment = visit.created
    steps = [(moment, "create")]
    reached = PROGRESS.index({"waiting_parts": "on_site", "cancelled": "new"}.get(visit.state, visit.state))
    if visit.state == "cancelled":
        visit.cancel_reason = rng.choice(CANCEL_REASONS)
        steps.append((moment + _minutes(rng, 20, 600), "cancel"))
    if reached >= PROGRESS.index("dispatched"):
        moment += _minutes(rng, 5, 60)
        steps.append((moment, "dispatch"))
        # Half the jobs just dispatched wait for their provider to pick a technician.
        if visit.state != "dispatched" or rng.random() < 0.5:
            moment += _minutes(rng, 10, 120)
            steps.append((moment, "assign"))
    if reached >= PROGRESS.index("accepted"):
        moment += _minutes(rng, 5, 60)
        steps.append((moment, "accept"))
        moment += _minutes(rng, 5, 150)
        steps.append((moment, "contact"))
        # Appointments are made on the half hour, at least an hour and a half ahead.
        appointment = moment + timedelta(hours=rng.randrange(2, 30))
        visit.appointment_at = appointment.replace(minute=appointment.minute // 30 * 30, second=0)
    if reached >= PROGRESS.index("en_route"):
        moment = visit.appointment_at - _minutes(rng, 20, 60)
        steps.append((moment, "depart"))
    if reached >= PROGRESS.index("on_site"):
        moment += _minutes(rng, 15, 75)
        steps.append((moment, "arrive"))
        moment += _minutes(rng, 2, 15)
        steps.append((moment, "scan"))
    if visit.state == "waiting_parts":
        visit.short_at = moment + _minutes(rng, 10, 40)
    if reached >= PROGRESS.index("completed"):
        moment += _minutes(rng, 30, 240)
        steps.append((moment, "complete"))
        visit.confirmed_by = rng.choice(CONFIRMED_BY)
    if reached >= PROGRESS.index("closed"):
        moment += timedelta(hours=rng.randrange(2, 72))
        steps.append((moment, "close"))
    visit.steps = steps


# ---------------------------------------------------------------- the walk


class _Walk:
    """The steps, each taken by whoever takes it in the field, at its moment."""

    def __init__(self, rng):
        self.rng = rng
        self.request_args = RequestArgs()
        self.technicians = {}
        for technician in db.session.scalars(
            select(User).where(User.role == TECHNICIAN, User.active.is_(True)).order_by(User.username)
        ):
            self.technicians.setdefault(technician.provider_id, []).append(technician)

    def _phone(self, moment):
        """The phone's clock: the tap a little before the server heard of it."""
        return moment - timedelta(seconds=self.rng.randrange(1, 90))

    @staticmethod
    def _manager(job):
        return directory.provider_managers(job.provider_id)[0]

    def create(self, visit, at):
        visit.job = requests.create_request(visit.agent, self.request_args.load(visit.values), now=at)

    def dispatch(self, visit, at):
        job = visit.job
        dispatchers = directory.dispatchers_for(job.province_id)
        dispatcher = next((user for user in dispatchers if user.region_id == job.province_id), dispatchers[0])
        suggested = dispatching.suggest_providers(job, now=at)[0]
        dispatching.dispatch(job, dispatcher, suggested["provider_code"], now=at)

    def assign(self, visit, at):
        job = visit.job
        visit.technician = self.rng.choice(self.technicians[job.provider_id])
        dispatching.assign(job, self._manager(job), visit.technician.id, now=at)

    def accept(self, visit, at):
        lifecycle.accept(visit.job, visit.technician, device_time=self._phone(at), now=at)

    def contact(self, visit, at):
        lifecycle.contact(
            visit.job, visit.technician, appointment_at=visit.appointment_at, device_time=self._phone(at), now=at
        )

    def depart(self, visit, at):
        lifecycle.depart(visit.job, visit.technician, device_time=self._phone(at), now=at)

    def _position(self, visit, phone_time):
        """The phone's fix at ``phone_time``: near the door, or far from it for the technician who never went."""
        if visit.home is None:
            return None
        spot = random.Random(f"{visit.number}:{phone_time.isoformat()}")
        metres = NEVER_WENT_M if visit.fixes == "far" else spot.uniform(*AT_THE_DOOR_M)
        bearing = spot.uniform(0, 2 * math.pi)
        lat = visit.home[0] + math.degrees(metres * math.cos(bearing) / EARTH_RADIUS_M)
        lng = visit.home[1] + math.degrees(
            metres * math.sin(bearing) / (EARTH_RADIUS_M * math.cos(math.radians(visit.home[0])))
        )
        return {
            "lat": round(lat, 6),
            "lng": round(lng, 6),
            "accuracy_m": float(spot.randrange(*ACCURACY_M)),
            "fix_time": phone_time,
        }

    def arrive(self, visit, at):
        phone_time = self._phone(at)
        position = None if visit.fixes == "none" else self._position(visit, phone_time)
        lifecycle.arrive(visit.job, visit.technician, device_time=phone_time, now=at, position=position)

    def scan(self, visit, at):
        lifecycle.record_scan(
            visit.job, visit.technician, visit.serial, "camera", "CODE128", device_time=self._phone(at), now=at
        )

    def complete(self, visit, at):
        fault = visit.fault
        phone_time = self._phone(at)
        lifecycle.complete(
            visit.job,
            visit.technician,
            _summary(fault),
            visit.confirmed_by,
            device_time=phone_time,
            now=at,
            fault_code=fault.fault_code if fault is not None else None,
            confirmation=_confirmation(visit.job),
            position=self._position(visit, phone_time),
        )

    def close(self, visit, at):
        lifecycle.close(visit.job, self._manager(visit.job), now=at)

    def cancel(self, visit, at):
        lifecycle.cancel(visit.job, visit.agent, visit.cancel_reason, now=at)


# Why a customer could not confirm, as technicians write it.
_NO_CONFIRMATION_REASONS = ("客户外出，家中老人代为确认，老人无手机", "客户手机停机，未收到核销码")


def _confirmation(job):
    """How the customer confirmed: nearly always the code they were sent (read off their phone: the outbox),
    now and then no confirmation with a reason, and now and then a code misheard. Chosen by the job's id, so
    the walk's random draws, and with them the rest of the data set, stay as they were."""
    body = db.session.scalar(
        select(Message.body).where(Message.job_id == job.id, Message.kind == "completion_code").order_by(Message.id)
    )
    found = re.search(r"核销码为(\d{6})", body or "")
    if found is None or job.id % 23 == 7:
        return {"method": "none", "reason": _NO_CONFIRMATION_REASONS[job.id % len(_NO_CONFIRMATION_REASONS)]}
    code = found.group(1)
    if job.id % 29 == 11:
        code = code[:5] + str((int(code[5]) + 3) % 10)  # one digit misheard
    return {"method": "code", "code": code}


def _summary(fault):
    """What the technician writes: the first step of the entry's fix, and the test run after it."""
    if fault is None:
        return "检修完毕，试机正常"
    first = fault.fix.replace("。", "；").split("；")[0].strip()
    return f"{first}，试机正常"
