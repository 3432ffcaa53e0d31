"""Benchmarks: run by `make bench`, never by `make test`; they print their figures."""

import os
import platform

import pytest


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
