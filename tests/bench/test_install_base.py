"""Install-base benchmarks: bulk import speed and the time to check one claim.

Targets: importing 1,000,000 sale records into SQLite within 2x the time the
sqlite3 shell's `.import` takes for the same file into a table keyed on serial;
PostgreSQL through COPY; one claim checked against 1,000,000 records with a
p99 under 5 ms in-process.
"""

import csv
import os
import random
import shutil
import statistics
import subprocess
import time
from datetime import date
from datetime import timedelta

import flask_migrate
import pytest
from sqlalchemy import select

from server import create_app
from server.claims.checks import run_checks
from server.claims.services import claim_facts
from server.claims.services import submit_claim
from server.extensions import db
from server.installbase.services import import_sales
from server.products.models import Product
from server.users.models import User
from tests.conftest import app_config
from tests.knowledge.factories import ensure_fault_code

ROWS = int(os.environ.get("BENCH_SALE_ROWS", "1000000"))
PROVINCES = {"370000": ["370100", "370200"], "440000": ["440100", "440300"]}
MODELS = [f"TV-{size}U7" for size in (43, 55, 65, 75)] + [f"WM-D{kg}B1" for kg in (8, 10, 12)]


def write_sales_csv(path, rows):
    rng = random.Random(7)
    first = date(2022, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["serial", "model", "sale_date", "province", "city", "store", "customer_phone"])
        for n in range(rows):
            model = MODELS[n % len(MODELS)]
            province = rng.choice(list(PROVINCES))
            writer.writerow(
                [
                    f"{model.replace('-', '')}2401{n:07d}",
                    model,
                    (first + timedelta(days=rng.randrange(1400))).isoformat(),
                    province,
                    rng.choice(PROVINCES[province]),
                    f"门店{rng.randrange(500)}",
                    f"13{rng.randrange(10**9):09d}",
                ]
            )


@pytest.fixture(scope="module")
def sales_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "sales.csv"
    write_sales_csv(path, ROWS)
    return path


def reference_data():
    from server.network.services import providers
    from server.network.services import regions
    from server.products.services import policies
    from server.products.services import products

    for province, cities in PROVINCES.items():
        regions.create(
            {"code": province, "name": province, "level": "province", "parent_code": None, "area_class": "city"}
        )
        for city in cities:
            regions.create({"code": city, "name": city, "level": "city", "parent_code": province, "area_class": "city"})
    for model in MODELS:
        category = "tv" if model.startswith("TV") else "washing_machine"
        pattern = model.replace("-", "") + r"\d{11}"
        products.create({"model": model, "category": category, "name": model, "serial_pattern": pattern})
    for category in ("tv", "washing_machine"):
        policies.create({"category": category, "whole_unit_months": 12, "main_part_months": 36})
    providers.create(
        {"code": "P1", "name": "P1", "region_codes": ["370100"], "deposit": 0, "credit_limit": 0, "active": True}
    )
    db.session.commit()


def fresh_app(url):
    app = create_app(app_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        reference_data()
    return app


def sqlite3_shell_import(csv_path, db_path):
    """The reference: the sqlite3 shell's .import into a table keyed on serial."""
    schema = (
        "CREATE TABLE sale(serial TEXT PRIMARY KEY, model TEXT, sale_date TEXT, province TEXT, city TEXT,"
        " store TEXT, customer_phone TEXT);"
    )
    started = time.perf_counter()
    subprocess.run(
        ["sqlite3", str(db_path)],
        input=f"{schema}\n.import --csv --skip 1 {csv_path} sale\n",
        text=True,
        check=True,
    )
    return time.perf_counter() - started


def timed_import(app, csv_path):
    with app.app_context(), open(csv_path, "rb") as binary:
        started = time.perf_counter()
        result = import_sales(binary, "bench.csv")
        db.session.commit()
        elapsed = time.perf_counter() - started
        db.session.remove()
    return elapsed, result


@pytest.mark.skipif(
    shutil.which("sqlite3") is None, reason="the sqlite3 shell is not installed (apt-get install sqlite3)"
)
def test_sqlite_import_against_the_sqlite3_shell(sales_csv, tmp_path, machine):
    shell_seconds = sqlite3_shell_import(sales_csv, tmp_path / "shell.db")
    app = fresh_app(f"sqlite:///{tmp_path / 'sanbao.db'}")
    ours, result = timed_import(app, sales_csv)
    again, second = timed_import(app, sales_csv)
    with app.app_context():
        db.engine.dispose()
    print(f"\n[{machine}] install-base import of {ROWS:,} rows into SQLite")
    print(f"  sqlite3 shell .import: {shell_seconds:.2f} s ({ROWS / shell_seconds:,.0f} rows/s)")
    print(f"  sanbao import:         {ours:.2f} s ({ROWS / ours:,.0f} rows/s), {ours / shell_seconds:.2f}x the shell")
    print(f"  re-import (unchanged): {again:.2f} s ({ROWS / again:,.0f} rows/s)")
    assert result["inserted"] == ROWS
    assert not result["rejected"]
    assert second["unchanged"] == ROWS


def test_postgresql_import_through_copy(sales_csv, machine, postgres_url):
    app = fresh_app(postgres_url)
    ours, result = timed_import(app, sales_csv)
    again, second = timed_import(app, sales_csv)
    with app.app_context():
        db.engine.dispose()
    print(f"\n[{machine}] install-base import of {ROWS:,} rows into PostgreSQL (COPY + upsert)")
    print(f"  first import:          {ours:.2f} s ({ROWS / ours:,.0f} rows/s)")
    print(f"  re-import (unchanged): {again:.2f} s ({ROWS / again:,.0f} rows/s)")
    assert result["inserted"] == ROWS
    assert second["unchanged"] == ROWS


def claim_values(rng, n):
    index = rng.randrange(ROWS)
    model = MODELS[index % len(MODELS)]
    return {
        # One claim in ten names a serial that was never sold.
        "serial": f"{model.replace('-', '')}2401{index:07d}" if n % 10 else f"FAKE{n:08d}",
        "model": model,
        "failure_date": date(2025, 6, 1),
        "repair_date": date(2025, 6, 3),
        "fault_code": "E21",
        "parts": [],
        "labor_fee": 8000,
    }


def percentiles(timings):
    timings = sorted(timings)
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1], timings[-1]


def test_claim_check_latency_against_the_install_base(sales_csv, tmp_path, machine):
    """Checking: the sale lookup and every check of one claim. Submitting: that plus writing the claim."""
    app = fresh_app(f"sqlite:///{tmp_path / 'claims.db'}")
    timed_import(app, sales_csv)
    rng = random.Random(11)
    submitting, checking = [], []
    with app.app_context():
        from server.users.services import users

        manager = users.create(
            {"username": "pm", "password": "bench-password", "role": "provider_manager", "provider_code": "P1"}
        )
        db.session.commit()
        manager = db.session.get(User, manager.id)
        ensure_fault_code("E21")
        products = {p.model: p for p in db.session.scalars(select(Product))}
        for n in range(2000):
            values = claim_values(rng, n)
            started = time.perf_counter()
            submit_claim(manager, values, today=date(2025, 7, 1))
            submitting.append((time.perf_counter() - started) * 1000)
            if n % 100 == 99:
                db.session.commit()
        db.session.commit()
        for n in range(2000):
            values = claim_values(rng, n)
            started = time.perf_counter()
            facts = claim_facts(manager.provider, values["serial"], products[values["model"]], [], values)
            run_checks(facts)
            checking.append((time.perf_counter() - started) * 1000)
        db.session.remove()
        db.engine.dispose()
    print(f"\n[{machine}] one claim against {ROWS:,} sale records on SQLite, 2,000 claims each")
    print("  checking   p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms".format(*percentiles(checking)))
    print(
        "  submitting p50 {:.2f} ms, p99 {:.2f} ms, max {:.2f} ms (checks + writing claim and flags)".format(
            *percentiles(submitting)
        )
    )
    assert len(checking) == len(submitting) == 2000
