"""Benchmark: the parts supply-cycle report over a year of 200,000 received requisitions.

Fills 31 provinces (a city each, three providers a city, two technicians a
provider, a parts clerk a province) with ``BENCH_REQUISITIONS`` requisitions
received over the last 365 days, straight from the RDC or through the
headquarters plan, and a tenth as many still open; each on a job of its own.
Then times ``GET /api/reports/parts-cycle`` in-process for the last 90 days
(the default), a full year, and one province for a year, as an admin and as
that province's parts clerk, and prints p50/p95 and the requisitions counted.

Each case also prints where its time goes (p50 of each): the SELECT's rows
from the driver alone, the same rows through SQLAlchemy (timestamps made
aware datetimes), ``parts_cycle()`` (rows plus the Python figures), and the
whole request. Only correctness is asserted: the counts, by path too, and the
mean equal those computed from the rows generated.

``BENCH_REQUISITIONS`` changes the number received; PostgreSQL is measured too
when ``TEST_DATABASE_URL`` is set.
"""

import os
import random
import statistics
import time
from contextlib import contextmanager
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import flask_migrate
import pytest
from sqlalchemy import event
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from server import create_app
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.network.models import Provider
from server.network.models import Region
from server.network.models import provider_regions
from server.supply.models import Requisition
from server.supply.services import cycle
from server.users.models import User
from server.users.tokens import issue_token
from tests.conftest import app_config

RECEIVED = int(os.environ.get("BENCH_REQUISITIONS", "200000"))
OPEN = RECEIVED // 10
PROVIDERS_PER_PROVINCE = 3
TECHNICIANS_PER_PROVIDER = 2
CALLS = 10
CHUNK = 20_000
HQ_SHARE = 0.3
CLERK_PROVINCE = "370000"
# The 31 provinces, each weighted by roughly its population in tens of millions:
# Guangdong has a dozen times the requisitions of Tibet.
PROVINCES = {
    "110000": ("北京市", 2),
    "120000": ("天津市", 1),
    "130000": ("河北省", 7),
    "140000": ("山西省", 3),
    "150000": ("内蒙古自治区", 2),
    "210000": ("辽宁省", 4),
    "220000": ("吉林省", 2),
    "230000": ("黑龙江省", 3),
    "310000": ("上海市", 2),
    "320000": ("江苏省", 8),
    "330000": ("浙江省", 6),
    "340000": ("安徽省", 6),
    "350000": ("福建省", 4),
    "360000": ("江西省", 5),
    "370000": ("山东省", 10),
    "410000": ("河南省", 10),
    "420000": ("湖北省", 6),
    "430000": ("湖南省", 7),
    "440000": ("广东省", 12),
    "450000": ("广西壮族自治区", 5),
    "460000": ("海南省", 1),
    "500000": ("重庆市", 3),
    "510000": ("四川省", 8),
    "520000": ("贵州省", 4),
    "530000": ("云南省", 5),
    "540000": ("西藏自治区", 1),
    "610000": ("陕西省", 4),
    "620000": ("甘肃省", 2),
    "630000": ("青海省", 1),
    "640000": ("宁夏回族自治区", 1),
    "650000": ("新疆维吾尔自治区", 3),
}


def stage_days(rng, path):
    """Days of approval, shipping and delivery: hours to 2 days, 1–5, 1–10; longer through HQ."""
    approval = rng.triangular(1 / 24, 2, 0.3)
    if path == "rdc":
        return approval, rng.triangular(1, 5, 1.5), rng.triangular(1, 10, 3)
    # Through HQ: the wait for the daily roll-up and the purchase order, then a longer haul.
    return approval, rng.triangular(1, 5, 2) + rng.triangular(2, 15, 5), rng.triangular(2, 12, 5)


def reference_data():
    """Provinces with a city each, providers, technicians, clerks and an admin.

    Returns ``(provinces, cities, technicians, clerks, admin)``: by province
    code, its id, its city's id, its ``[(technician id, provider id)]`` and its
    clerk's id; and the admin's id.
    """
    db.session.execute(
        insert(Region),
        [
            {"code": code, "name": name, "level": "province", "area_class": "city", "parent_id": None}
            for code, (name, _) in PROVINCES.items()
        ],
    )
    provinces = dict(db.session.execute(select(Region.code, Region.id)).all())
    db.session.execute(
        insert(Region),
        [
            {
                "code": code[:2] + "0100",
                "name": f"{name}第一市",
                "level": "city",
                "area_class": "city",
                "parent_id": provinces[code],
            }
            for code, (name, _) in PROVINCES.items()
        ],
    )
    city_ids = dict(db.session.execute(select(Region.code, Region.id).where(Region.level == "city")).all())
    cities = {code: city_ids[code[:2] + "0100"] for code in PROVINCES}
    province_of = {f"P{code[:2]}-{n}": code for code in PROVINCES for n in range(PROVIDERS_PER_PROVINCE)}
    db.session.execute(
        insert(Provider), [{"code": code, "name": f"服务商 {code}", "deposit_cents": 10**8} for code in province_of]
    )
    providers = dict(db.session.execute(select(Provider.code, Provider.id)).all())
    db.session.execute(
        insert(provider_regions),
        [{"provider_id": providers[code], "region_id": cities[province]} for code, province in province_of.items()],
    )
    users = [{"username": "admin", "password_hash": "-", "role": "admin"}]
    users += [
        {"username": f"clerk{code}", "password_hash": "-", "role": "parts_clerk", "region_id": provinces[code]}
        for code in PROVINCES
    ]
    users += [
        {"username": f"tech{code}-{n}", "password_hash": "-", "role": "technician", "provider_id": providers[code]}
        for code in province_of
        for n in range(TECHNICIANS_PER_PROVIDER)
    ]
    db.session.execute(insert(User), users)
    ids = dict(db.session.execute(select(User.username, User.id)).all())
    technicians = {code: [] for code in PROVINCES}
    for code, province in province_of.items():
        for n in range(TECHNICIANS_PER_PROVIDER):
            technicians[province].append((ids[f"tech{code}-{n}"], providers[code]))
    clerks = {code: ids[f"clerk{code}"] for code in PROVINCES}
    db.session.commit()
    return provinces, cities, technicians, clerks, ids["admin"]


def fill(now):
    """Everything the report reads; returns the received requisitions as
    ``[(province code, path, raised_at, received_at)]``, and the admin's and the clerk's ids."""
    provinces, cities, technicians, clerks, admin = reference_data()
    rng = random.Random(17)
    codes = list(PROVINCES)
    weights = [weight for _, weight in PROVINCES.values()]
    received = []
    total = RECEIVED + OPEN
    for first in range(0, total, CHUNK):
        requests, jobs, requisitions = [], [], []
        for n in range(first, min(first + CHUNK, total)):
            code = rng.choices(codes, weights)[0]
            technician, provider = rng.choice(technicians[code])
            row = {
                "id": n + 1,
                "job_id": n + 1,
                "provider_id": provider,
                "province_id": provinces[code],
                "raised_by_id": technician,
                "amount_cents": rng.randrange(2_000, 80_000),
                "note": "",
                "decision_note": "",
            }
            if n < RECEIVED:
                # Received at any moment of the last 365 days, the stages laid out backwards from there.
                path = "rdc" if rng.random() >= HQ_SHARE else "hq"
                approval, shipping, delivery = stage_days(rng, path)
                got = now - timedelta(seconds=rng.uniform(60, 365 * 86400))
                shipped = got - timedelta(days=delivery)
                approved = shipped - timedelta(days=shipping)
                raised = approved - timedelta(days=approval)
                row.update(
                    status="received",
                    path=path,
                    raised_at=raised,
                    approved_at=approved,
                    decided_by_id=clerks[code],
                    shipped_at=shipped,
                    received_at=got,
                )
                received.append((code, path, raised, got))
                state = "closed"
            else:
                # Open: raised in the last 30 days, pending or approved (some already shipped), never received.
                raised = now - timedelta(seconds=rng.uniform(60, 30 * 86400))
                path = "rdc" if rng.random() >= HQ_SHARE else "hq"
                approval, shipping, _ = stage_days(rng, path)
                approved = raised + timedelta(days=approval)
                shipped = approved + timedelta(days=shipping)
                row.update(status="pending", path=None, raised_at=raised, approved_at=None, decided_by_id=None)
                row.update(shipped_at=None, received_at=None)
                if rng.random() < 0.4 and approved < now:
                    row.update(status="approved", path=path, approved_at=approved, decided_by_id=clerks[code])
                    if shipped < now and rng.random() < 0.5:
                        row["shipped_at"] = shipped
                state = "waiting_parts"
            requisitions.append(row)
            created = raised - timedelta(hours=rng.uniform(2, 48))
            requests.append(
                {
                    "id": n + 1,
                    "number": f"SR{n + 1:08d}",
                    "serial": f"SN{n:09d}",
                    "customer_phone": f"138{n:08d}",
                    "customer_name": "顾客",
                    "address": "幸福路 8 号",
                    "region_id": cities[code],
                    "fault_description": "不开机",
                    "created_at": created,
                }
            )
            jobs.append(
                {
                    "id": n + 1,
                    "number": f"J{n + 1:08d}",
                    "request_id": n + 1,
                    "state": state,
                    "region_id": cities[code],
                    "province_id": provinces[code],
                    "provider_id": provider,
                    "technician_id": technician,
                    "created_at": created,
                    "updated_at": raised,
                }
            )
        db.session.execute(insert(ServiceRequest), requests)
        db.session.execute(insert(Job), jobs)
        db.session.execute(insert(Requisition), requisitions)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        for table in ("service_requests", "jobs", "requisitions"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"), {"n": total})
        db.session.commit()
        # VACUUM too: autovacuum would otherwise visit the freshly filled tables while they are timed.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return received, admin, clerks[CLERK_PROVINCE]


def expected(received, first, last, local, province=None):
    """Count, mean days and count by path of the requisitions received from ``first`` to ``last`` (local days),
    computed from the rows generated, not by the report's code."""
    start = datetime.combine(first, datetime.min.time(), tzinfo=local)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=local)
    days, paths = [], {}
    for code, path, raised, got in received:
        if start <= got < end and province in (None, code):
            days.append((got - raised).total_seconds() / 86400)
            paths[path] = paths.get(path, 0) + 1
    return len(days), sum(days) / len(days) if days else None, paths


def _is_report_rows(sql):
    """The report's one row-reading SELECT: a number per requisition received in the range."""
    return "FROM requisitions" in sql and "requisitions.path" in sql


@contextmanager
def captured_report_query(engine):
    """Catch the report's SELECT on its way out: the statement, and the SQL and parameters the driver gets."""
    caught = {}

    def orm(state):
        if state.is_select and _is_report_rows(str(state.statement)):
            caught["statement"] = state.statement

    def driver(conn, cursor, statement, parameters, context, executemany):
        if _is_report_rows(statement):
            caught["sql"], caught["parameters"] = statement, parameters

    event.listen(Session, "do_orm_execute", orm)
    event.listen(engine, "before_cursor_execute", driver)
    try:
        yield caught
    finally:
        event.remove(Session, "do_orm_execute", orm)
        event.remove(engine, "before_cursor_execute", driver)


def timed(call):
    """Milliseconds of ``CALLS`` calls of ``call``, and its last result."""
    timings = []
    for _ in range(CALLS):
        began = time.perf_counter()
        result = call()
        timings.append((time.perf_counter() - began) * 1000)
    return timings, result


def p50_p95(timings):
    # "inclusive": with ten calls the default method would place p95 beyond the slowest call.
    cuts = statistics.quantiles(timings, n=20, method="inclusive")
    return cuts[9], cuts[18]


def query_plan(sql, parameters):
    explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.connection().exec_driver_sql(explain + sql, parameters).all()
    return "\n".join("    " + " ".join(str(col) for col in row) for row in rows)


def measure(label, url, machine):
    app = create_app(app_config(url, SECRET_KEY="bench-secret-" + "x" * 40))
    local = timezone(timedelta(minutes=app.config["LOCAL_UTC_OFFSET_MINUTES"]))
    now = datetime.now(UTC)
    with app.app_context():
        flask_migrate.upgrade()
        began = time.perf_counter()
        received, admin_id, clerk_id = fill(now)
        print(
            f"\n[{label}] {RECEIVED:,} received and {OPEN:,} open requisitions "
            f"({len(PROVINCES)} provinces, {RECEIVED + OPEN:,} jobs) loaded in {time.perf_counter() - began:.1f} s"
        )
        tokens = {
            "admin": issue_token(db.session.get(User, admin_id), now=now)[0],
            f"clerk {CLERK_PROVINCE}": issue_token(db.session.get(User, clerk_id), now=now)[0],
        }
        engine = db.engine
        db.session.remove()
    today = (datetime.now(UTC) + local.utcoffset(None)).date()
    year = {"from": today - timedelta(days=364), "to": today}
    cases = [
        ("last 90 days (default)", {}, None),
        ("a year", year, None),
        (f"{CLERK_PROVINCE} for a year", {**year, "province": CLERK_PROVINCE}, CLERK_PROVINCE),
    ]
    client = app.test_client()
    for who, user_id in (("admin", admin_id), (f"clerk {CLERK_PROVINCE}", clerk_id)):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        for name, args, province in cases:
            query = "&".join(f"{key}={value}" for key, value in args.items())
            url_ = f"/api/reports/parts-cycle?{query}"

            def request(url_=url_, headers=headers):
                response = client.get(url_, headers=headers)
                assert response.status_code == 200, response.get_data(as_text=True)[:300]
                return response.get_json()

            with captured_report_query(engine) as caught:
                report = request()  # warms the caches; its SELECT is the one timed alone below
            first = datetime.fromisoformat(report["from"]).date()
            last = datetime.fromisoformat(report["to"]).date()
            assert last in (today, today + timedelta(days=1))  # the local day may turn during a long run
            assert (last - first).days == (89 if not args else 364)
            scope = province or (None if who == "admin" else CLERK_PROVINCE)  # a clerk sees only their province
            count, mean, paths = expected(received, first, last, local, scope)
            assert report["overall"]["requisitions"] == count
            assert {row["path"]: row["requisitions"] for row in report["by_path"]} == paths
            if count:
                assert report["overall"]["mean_days"] == pytest.approx(mean, abs=0.006)
            requests, report = timed(request)
            with app.app_context():
                user = db.session.get(User, user_id)
                function, _ = timed(lambda user=user, args=args: cycle.parts_cycle(user, args))
                orm_rows, rows = timed(lambda: db.session.execute(caught["statement"]).all())
                driver_rows, _ = timed(
                    lambda: db.session.connection().exec_driver_sql(caught["sql"], caught["parameters"]).all()
                )
                plan = query_plan(caught["sql"], caught["parameters"]) if name == cases[1][0] else None
                db.session.remove()
            assert len(rows) == count
            p50, p95 = p50_p95(requests)
            print(
                f"[{label}] GET /api/reports/parts-cycle, {who}, {name}: {count:,} requisitions counted; "
                f"p50 {p50:.1f} ms, p95 {p95:.1f} ms ({CALLS} calls) on {machine}"
            )
            print(
                f"[{label}]   p50 of its parts: driver rows {statistics.median(driver_rows):.1f} ms, "
                f"SQLAlchemy rows {statistics.median(orm_rows):.1f} ms, "
                f"parts_cycle() {statistics.median(function):.1f} ms, request {p50:.1f} ms"
            )
            if plan:
                print(f"[{label}]   query plan:\n{plan}")
    with app.app_context():
        db.engine.dispose()


def test_parts_cycle_report_on_sqlite(tmp_path, machine):
    measure("SQLite", f"sqlite:///{tmp_path / 'requisitions.db'}", machine)


def test_parts_cycle_report_on_postgresql(machine, postgres_url):
    measure("PostgreSQL", postgres_url, machine)
