"""Benchmarks: run by `make bench`, never by `make test`; they print their figures."""

import os
import platform

import pytest

from tests.conftest import private_database


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.bench)


@pytest.fixture(scope="session")
def machine():
    cpus = os.cpu_count()
    with open("/proc/meminfo") as meminfo:
        mem_kb = int(meminfo.readline().split()[1])
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {cpus} cores, {mem_kb / 1024 / 1024:.0f} GiB, Python {platform.python_version()}"


@pytest.fixture
def postgres_url():
    """A PostgreSQL database of the benchmark's own beside ``TEST_DATABASE_URL`` (``make bench`` sets it to
    the local server); without it the PostgreSQL half of a benchmark is skipped, saying why."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to measure")
    with private_database(url) as private_url:
        yield private_url
