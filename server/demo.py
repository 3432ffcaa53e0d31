"""``flask --app server seed-demo``: a realistic, deterministic demo data set.

Reference data goes through the same import rules as the manufacturer's CSV
files; sale records, requests and jobs are inserted where missing. Running it
again adds nothing. Passwords are random and printed once, on the first run.
"""

import random
import secrets
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import click
from sqlalchemy import insert
from sqlalchemy import select

from server.care.demo import seed_care
from server.errors import DomainError
from server.extensions import db
from server.imports.services import import_rows
from server.imports.services import kinds
from server.installbase.models import SaleRecord
from server.jobs.models import Customer
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.jobs.models import Scan
from server.jobs.models import ServiceRequest
from server.knowledge.demo import seed_knowledge
from server.network.models import Provider
from server.network.models import Region
from server.products.models import Product
from server.users.models import User

SEED = 3_1_5  # 3.15, China's consumer-rights day
# Sale dates run back four years from this day, so the data does not drift with the clock.
REFERENCE_DAY = date(2026, 6, 30)

# province, cities, and per city (code, name, counties [(code, name, area class)])
GEOGRAPHY = [
    (
        "370000",
        "山东省",
        [
            ("370100", "济南市", [("370112", "历城区", "city"), ("370124", "平阴县", "county")]),
            ("370200", "青岛市", [("370211", "黄岛区", "city"), ("370281", "胶州市", "county")]),
            ("370600", "烟台市", [("370602", "芝罘区", "city"), ("370687", "海阳市", "county")]),
        ],
    ),
    (
        "440000",
        "广东省",
        [
            ("440100", "广州市", [("440106", "天河区", "city"), ("440117", "从化区", "county")]),
            ("440300", "深圳市", [("440304", "福田区", "city"), ("440307", "龙岗区", "city")]),
            ("441400", "梅州市", [("441422", "大埔县", "county"), ("441427", "蕉岭县", "remote")]),
        ],
    ),
    (
        "510000",
        "四川省",
        [
            ("510100", "成都市", [("510104", "锦江区", "city"), ("510129", "大邑县", "county")]),
            ("510700", "绵阳市", [("510703", "涪城区", "city"), ("510726", "北川县", "remote")]),
            ("513200", "阿坝州", [("513226", "金川县", "remote"), ("513231", "阿坝县", "remote")]),
        ],
    ),
    (
        "320000",
        "江苏省",
        [
            ("320100", "南京市", [("320102", "玄武区", "city"), ("320117", "溧水区", "county")]),
            ("320500", "苏州市", [("320505", "虎丘区", "city"), ("320581", "常熟市", "county")]),
            ("320800", "淮安市", [("320803", "淮安区", "city"), ("320831", "金湖县", "county")]),
        ],
    ),
]

PROVIDER_SUFFIXES = ["家电服务中心", "电器维修部", "售后服务站", "家电维修公司", "电器服务有限公司"]
TV_SIZES = [32, 43, 50, 55, 65, 75, 85]
TV_SERIES = ["A", "E", "U"]
WASHER_MODELS = [
    ("WM-D8", "滚筒洗衣机 8kg"),
    ("WM-D9", "滚筒洗衣机 9kg"),
    ("WM-D10", "滚筒洗衣机 10kg"),
    ("WM-D12", "滚筒洗衣机 12kg"),
    ("WM-T7", "波轮洗衣机 7kg"),
    ("WM-T8", "波轮洗衣机 8kg"),
    ("WM-T10", "波轮洗衣机 10kg"),
    ("WM-H10", "洗烘一体机 10kg"),
    ("WM-H12", "洗烘一体机 12kg"),
]
WASHER_VARIANTS = ["B1", "B2"]
TV_PARTS = [
    ("PNL", "液晶屏 {size} 英寸", 80000, True, True),
    ("MB", "主板 {series} 系列", 32000, True, False),
    ("PWR", "电源板", 15000, False, False),
    ("LED", "背光灯条 {size} 英寸", 9000, False, False),
    ("RC", "遥控器", 3500, False, False),
]
WASHER_PARTS = [
    ("MOT", "电机", 45000, True, True),
    ("CTL", "电脑板", 28000, True, False),
    ("PMP", "排水泵", 8000, False, False),
    ("SEAL", "门封圈", 6000, False, False),
    ("VLV", "进水阀", 4500, False, False),
]
STORES = ["苏宁", "国美", "京东", "五星电器", "百货大楼"]
STAFF_ROLES = ["admin", "agent", "dispatcher", "hq_planner", "auditor", "parts_clerk", "provider_manager", "technician"]


def _rows(dicts):
    return [(line, row) for line, row in enumerate(dicts, start=2)]


def _apply(kind_name, dicts):
    result = import_rows(kinds()[kind_name], _rows(dicts))
    if result["rejected"]:
        raise DomainError(f"demo {kind_name} rejected: {result['rejected'][:3]}")
    return result


def regions():
    for province, pname, cities in GEOGRAPHY:
        yield {"code": province, "name": pname, "parent_code": "", "level": "province", "area_class": "city"}
        for city, cname, counties in cities:
            yield {"code": city, "name": cname, "parent_code": province, "level": "city", "area_class": "city"}
            for county, kname, area in counties:
                yield {"code": county, "name": kname, "parent_code": city, "level": "county", "area_class": area}


def providers(rng):
    rows = []
    for province, _, cities in GEOGRAPHY:
        for n in range(5):
            covered = rng.sample(cities, k=rng.randint(1, 2))
            home = covered[0]
            rows.append(
                {
                    "code": f"P{province[:2]}{n + 1:02d}",
                    "name": f"{home[1]}{PROVIDER_SUFFIXES[n]}",
                    "region_codes": ";".join(city for city, _, _ in covered),
                    "deposit": f"{rng.randrange(20, 200) * 1000}.00",
                    "credit_limit": f"{rng.randrange(10, 100) * 1000}.00",
                }
            )
    return rows


def products():
    rows = []
    for series in TV_SERIES:
        for size in TV_SIZES:
            model = f"TV-{size}{series}7"
            rows.append(_product(model, "tv", f"{size} 英寸 {series} 系列液晶电视"))
    for model, name in WASHER_MODELS:
        for variant in WASHER_VARIANTS:
            rows.append(_product(f"{model}{variant}", "washing_machine", name))
    return rows


def _product(model, category, name):
    compact = model.replace("-", "")
    # Serial: the model without its dash, the production year and month, a six-digit sequence.
    return {
        "model": model,
        "category": category,
        "name": name,
        "serial_pattern": compact + r"\d{2}(0[1-9]|1[0-2])\d{6}",
    }


def policies():
    # 三包 rules: one year for the whole unit, three for the main parts (panel, motor).
    return [
        {"category": "tv", "whole_unit_months": "12", "main_part_months": "36"},
        {"category": "washing_machine", "whole_unit_months": "12", "main_part_months": "36"},
    ]


def parts(product_rows):
    tvs = [p["model"] for p in product_rows if p["category"] == "tv"]
    washers = [p["model"] for p in product_rows if p["category"] == "washing_machine"]
    rows = []
    for prefix, name, price, key_part, main_part in TV_PARTS:
        if "{size}" in name:
            groups = {str(size): [m for m in tvs if m.startswith(f"TV-{size}")] for size in TV_SIZES}
        elif "{series}" in name:
            groups = {series: [m for m in tvs if m.endswith(f"{series}7")] for series in TV_SERIES}
        else:
            groups = {"": tvs}
        for label, fits in groups.items():
            part_no = f"{prefix}-{label}" if label else f"{prefix}-TV"
            rows.append(_part(part_no, name.format(size=label, series=label), price, fits, key_part, main_part))
    for prefix, name, price, key_part, main_part in WASHER_PARTS:
        for family in ("WM-D", "WM-T", "WM-H"):
            fits = [m for m in washers if m.startswith(family)]
            rows.append(_part(f"{prefix}-{family[3]}", f"{name} ({family})", price, fits, key_part, main_part))
    return rows


def _part(part_no, name, price_cents, fits, key_part, main_part):
    return {
        "part_no": part_no,
        "name": name,
        "price": f"{price_cents / 100:.2f}",
        "models": ";".join(fits),
        "claimable": "true",
        "key_part": str(key_part).lower(),
        "main_part": str(main_part).lower(),
    }


def stock(rng, part_rows, provider_rows):
    rows = [{"warehouse": "HQ", "part_no": p["part_no"], "qty": str(rng.randrange(100, 400))} for p in part_rows]
    for province, _, _ in GEOGRAPHY:
        for p in rng.sample(part_rows, k=len(part_rows) * 2 // 3):
            rows.append({"warehouse": f"RDC-{province}", "part_no": p["part_no"], "qty": str(rng.randrange(0, 60))})
    for provider in provider_rows:
        for p in rng.sample(part_rows, k=8):
            rows.append(
                {"warehouse": f"PROV-{provider['code']}", "part_no": p["part_no"], "qty": str(rng.randrange(0, 6))}
            )
    return rows


def users(provider_rows, passwords):
    def user(username, role, display_name, provider_code="", region_code=""):
        return {
            "username": username,
            "password": passwords.get(role, ""),
            "role": role,
            "provider_code": provider_code,
            "region_code": region_code,
            "display_name": display_name,
        }

    rows = [user("admin", "admin", "系统管理员"), user("planner", "hq_planner", "总部计划员")]
    rows += [user(f"agent{n}", "agent", f"客服 {n}") for n in range(1, 7)]
    rows += [user(f"dispatcher{n}", "dispatcher", f"调度员 {n}") for n in range(1, 4)]
    rows += [
        user(f"dispatcher.{province}", "dispatcher", f"{pname}调度员", region_code=province)
        for province, pname, _ in GEOGRAPHY
    ]
    rows += [user(f"auditor{n}", "auditor", f"审核员 {n}") for n in range(1, 3)]
    rows += [
        user(f"clerk.{province}", "parts_clerk", f"{pname}备件员", region_code=province)
        for province, pname, _ in GEOGRAPHY
    ]
    for provider in provider_rows:
        code = provider["code"].lower()
        rows.append(user(f"pm.{code}", "provider_manager", f"{provider['name']} 经理", provider_code=provider["code"]))
        rows += [
            user(f"tech.{code}.{n}", "technician", f"{provider['name']} 技师 {n}", provider_code=provider["code"])
            for n in range(1, 6)
        ]
    return rows


def sale_records(rng, count, product_ids, cities):
    """Yield sale-record dicts; deterministic for a given rng state."""
    for n in range(count):
        _, product_id, compact = product_ids[n % len(product_ids)]
        sold = REFERENCE_DAY - timedelta(days=rng.randrange(0, 4 * 365))
        made = sold - timedelta(days=rng.randrange(10, 120))
        province_id, city_id, city_name = cities[rng.randrange(len(cities))]
        yield {
            "serial": f"{compact}{made:%y%m}{n:06d}",
            "product_id": product_id,
            "sale_date": sold,
            "store": f"{city_name}{rng.choice(STORES)}{rng.randrange(1, 30)}号店",
            "province_id": province_id,
            "city_id": city_id,
            "customer_phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
            "source_file": "demo",
        }


def _insert_missing(model, key, rows, batch=5000):
    """Insert the rows whose ``key`` is not stored yet; return how many were inserted."""
    inserted = 0
    column = getattr(model, key)
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        present = set(db.session.scalars(select(column).where(column.in_([r[key] for r in chunk]))))
        missing = [r for r in chunk if r[key] not in present]
        if missing:
            db.session.execute(insert(model), missing)
            inserted += len(missing)
    return inserted


def seed_sales(rng, count):
    catalogue = db.session.execute(select(Product.model, Product.id).order_by(Product.model)).all()
    product_ids = [(model, pid, model.replace("-", "")) for model, pid in catalogue]
    cities = [
        (city.parent_id, city.id, city.name)
        for city in db.session.scalars(select(Region).where(Region.level == "city").order_by(Region.code))
    ]
    return _insert_missing(SaleRecord, "serial", list(sale_records(rng, count, product_ids, cities)))


# How far through the visit a job in each state has come: which stage times it carries.
_PROGRESS = {
    "new": 0,
    "cancelled": 0,
    "dispatched": 1,
    "accepted": 2,
    "en_route": 2,
    "on_site": 3,
    "waiting_parts": 3,
    "completed": 4,
    "closed": 5,
}


def seed_jobs(rng, count):
    """Requests and jobs in every state, on units from the install base, with SLA deadlines and stage times."""
    from server.jobs.services import sla

    states = (
        ["new"] * 4
        + ["dispatched"] * 3
        + ["accepted", "en_route", "on_site", "waiting_parts"]
        + ["completed"] * 3
        + ["closed"] * 6
        + ["cancelled"]
    )
    sales = db.session.execute(
        select(SaleRecord.serial, SaleRecord.product_id, SaleRecord.city_id, SaleRecord.customer_phone)
        .order_by(SaleRecord.id)
        .limit(count * 20)
    ).all()
    counties = {}
    for county in db.session.scalars(select(Region).where(Region.level == "county").order_by(Region.code)):
        counties.setdefault(county.parent_id, []).append(county)
    covering = {}
    for provider in db.session.scalars(select(Provider).order_by(Provider.code)):
        for region in provider.regions:
            covering.setdefault(region.id, []).append(provider.id)
    technicians = {}
    for user in db.session.scalars(select(User).where(User.role == "technician").order_by(User.username)):
        technicians.setdefault(user.provider_id, []).append(user.id)
    agent = db.session.scalar(select(User.id).where(User.username == "agent1"))
    start = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)
    faults = ["不开机", "有声音无图像", "屏幕有竖线", "遥控失灵", "不脱水", "漏水", "噪音大", "显示 E21 故障码"]
    requests, jobs, customers = [], [], {}
    open_units = set()
    for n in range(count):
        serial, product_id, city_id, phone = sales[rng.randrange(len(sales))]
        county = rng.choice(counties[city_id])
        created = start + timedelta(hours=rng.randrange(0, 29 * 24))
        number = f"SR-DEMO-{n + 1:05d}"
        address = f"幸福路 {rng.randrange(1, 300)} 号"
        state = rng.choice(states)
        provider_id = technician_id = None
        if state not in ("new", "cancelled") and covering.get(city_id):
            provider_id = rng.choice(covering[city_id])
            if state != "dispatched":
                technician_id = rng.choice(technicians[provider_id])
        elif state != "cancelled":
            state = "new"
        is_open = state not in ("closed", "cancelled")
        if is_open and serial in open_units:
            state, provider_id, technician_id, is_open = "cancelled", None, None, False
        if is_open:
            open_units.add(serial)
        customers.setdefault(
            phone, {"phone": phone, "name": f"顾客{n + 1}", "address": address, "region_id": county.id}
        )
        requests.append(
            {
                "number": number,
                "serial": serial,
                "open_serial": serial if is_open else None,
                "product_id": product_id,
                "customer_name": f"顾客{n + 1}",
                "customer_phone": phone,
                "address": address,
                "region_id": county.id,
                "fault_description": rng.choice(faults),
                "channel": rng.choice(["phone", "phone", "web", "wechat"]),
                "created_by_id": agent,
                "created_at": created,
            }
        )
        job = {
            "number": f"JOB-DEMO-{n + 1:05d}",
            "state": state,
            "region_id": county.id,
            "province_id": county.parent.parent_id,
            "provider_id": provider_id,
            "technician_id": technician_id,
            "job_type": "warranty",
            "created_at": created,
            "updated_at": created,
            "request_number": number,
            **sla.deadlines(county.area_class, created),
        }
        job.update(_stage_times(rng, state, created))
        if state == "cancelled":
            job["cancel_reason"] = "客户已自行解决"
        jobs.append(job)
    _insert_missing(Customer, "phone", list(customers.values()))
    customer_ids = dict(db.session.execute(select(Customer.phone, Customer.id)).all())
    for request in requests:
        request["customer_id"] = customer_ids[request["customer_phone"]]
    inserted = _insert_missing(ServiceRequest, "number", requests)
    ids = dict(db.session.execute(select(ServiceRequest.number, ServiceRequest.id)).all())
    for job in jobs:
        job["request_id"] = ids[job.pop("request_number")]
    _insert_missing(Job, "number", jobs)
    _seed_history()
    _seed_requisitions()
    return inserted


def _seed_requisitions():
    """Every demo job waiting for parts waits for something: a pending requisition of a part that fits its unit."""
    from server.parts.models import Part
    from server.parts.models import part_models
    from server.supply.models import Requisition
    from server.supply.models import RequisitionLine

    waiting = db.session.execute(
        select(Job.id, Job.provider_id, Job.province_id, Job.technician_id, Job.arrived_at, ServiceRequest.product_id)
        .join(ServiceRequest, ServiceRequest.id == Job.request_id)
        .where(Job.state == "waiting_parts", ~select(Requisition.id).where(Requisition.job_id == Job.id).exists())
        .order_by(Job.id)
    ).all()
    if not waiting:
        return
    fitting = {}
    for product_id, part in db.session.execute(
        select(part_models.c.product_id, Part).join(Part, Part.id == part_models.c.part_id).order_by(Part.part_no)
    ).all():
        fitting.setdefault(product_id, part)
    fallback = db.session.scalar(select(Part).order_by(Part.part_no).limit(1))
    for job_id, provider_id, province_id, technician_id, arrived_at, product_id in waiting:
        part = fitting.get(product_id, fallback)
        if part is None:
            return
        db.session.add(
            Requisition(
                job_id=job_id,
                provider_id=provider_id,
                province_id=province_id,
                status="pending",
                raised_by_id=technician_id,
                raised_at=arrived_at,
                lines=[RequisitionLine(part=part, qty=1, price_cents=part.price_cents)],
            )
        )
    db.session.flush()


def _stage_times(rng, state, created):
    """Stage times of a job that has come as far as ``state``, each a little after the one before."""
    progress = _PROGRESS[state]
    times = {}
    moment = created
    for reached_at, needed in (("contacted_at", 2), ("arrived_at", 3)):
        if progress >= needed:
            moment += timedelta(minutes=rng.randrange(20, 600))
            times[reached_at] = moment
    if progress >= 4:
        moment += timedelta(minutes=rng.randrange(30, 240))
        times.update(completed_at=moment, completion_summary="更换主板，试机正常", confirmed_by="顾客本人")
    if progress >= 5:
        times["closed_at"] = moment + timedelta(hours=rng.randrange(2, 72))
    if state in ("accepted", "en_route"):
        times["appointment_at"] = created + timedelta(days=1, hours=rng.randrange(0, 8))
    return times


def _seed_history():
    """Every demo job without a history gets its creation; closed warranty jobs their serial scan."""
    bare = db.session.execute(
        select(Job.id, Job.created_at).where(~select(JobEvent.id).where(JobEvent.job_id == Job.id).exists())
    ).all()
    if bare:
        db.session.execute(
            insert(JobEvent),
            [{"job_id": job_id, "kind": "created", "to_state": "new", "at": at, "note": ""} for job_id, at in bare],
        )
    unscanned = db.session.execute(
        select(Job.id, ServiceRequest.serial, Job.technician_id, Job.arrived_at)
        .join(ServiceRequest, ServiceRequest.id == Job.request_id)
        .where(Job.state == "closed", ~select(Scan.id).where(Scan.job_id == Job.id).exists())
    ).all()
    if unscanned:
        db.session.execute(
            insert(Scan),
            [
                {
                    "job_id": job_id,
                    "serial": serial,
                    "symbology": "CODE128",
                    "source": "camera",
                    "created_by_id": technician_id,
                    "created_at": arrived_at,
                }
                for job_id, serial, technician_id, arrived_at in unscanned
            ],
        )


def seed(sales=100_000, jobs=300, echo=print):
    """Build the demo data set; return the passwords created (empty when users existed)."""
    rng = random.Random(SEED)
    first_run = db.session.scalar(select(User.id).where(User.username == "admin")) is None
    passwords = {role: secrets.token_urlsafe(9) for role in STAFF_ROLES} if first_run else {}
    product_rows = products()
    part_rows = parts(product_rows)
    provider_rows = providers(rng)
    _apply("regions", list(regions()))
    _apply("providers", provider_rows)
    _apply("products", product_rows)
    _apply("policies", policies())
    _apply("parts", part_rows)
    _apply("stock", stock(rng, part_rows, provider_rows))
    echo("reference data: regions, providers, products, policies, parts and stock in place")
    _apply("users", users(provider_rows, passwords))
    echo(f"sale records added: {seed_sales(rng, sales)}")
    echo(f"service requests added: {seed_jobs(rng, jobs)}")
    echo(f"callbacks added: {seed_care()}")
    echo(f"knowledge-base entries added: {seed_knowledge()}")
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
