"""The report tests use the reports world of tests/fixtures/reports.py under short names."""

import pytest


@pytest.fixture
def world(reports_world):
    return reports_world


@pytest.fixture
def job(report_job):
    return report_job


@pytest.fixture
def complaint(report_complaint):
    return report_complaint


@pytest.fixture
def callback(report_callback):
    return report_callback
