"""Fixtures of the import tests: what the samples refer to, and the two ways to import a file (CLI and API).

Its ``world``, ``upload`` and ``run_cli`` are this package's own (other packages have fixtures of those names
that mean something else). Headers, samples and CSV files are in tests/imports/helpers.py."""

import io
import itertools
import json

import pytest

from tests.imports.helpers import csv_bytes


@pytest.fixture
def world(make_provider, make_part):
    """What the samples refer to: province 370000 > city 370100 > county 370112, provider P01
    covering 370100, product TV55 (category tv) and part X1 fitting it."""
    make_provider("P01")
    make_part("X1", models=("TV55",))


@pytest.fixture
def upload(client, admin):
    """``upload(kind, content, headers=admin)`` → the response of POST /api/admin/import/<kind>."""

    def post(kind, content, headers=None):
        return client.post(
            f"/api/admin/import/{kind}",
            data={"file": (io.BytesIO(content), "export.csv")},
            headers=admin if headers is None else headers,
            content_type="multipart/form-data",
        )

    return post


@pytest.fixture
def run_cli(runner, tmp_path):
    """``run_cli(kind, content)`` → the click Result of ``flask import <kind> <file holding content>``."""
    numbers = itertools.count()

    def invoke(kind, content):
        path = tmp_path / f"{kind}-{next(numbers)}.csv"
        path.write_bytes(content)
        return runner.invoke(args=["import", kind, str(path)])

    return invoke


@pytest.fixture(params=["cli", "api"])
def import_file(request, upload, run_cli):
    """``import_file(kind, content)`` → the import's result, through the CLI or the API (both are tested)."""

    def run(kind, content):
        if request.param == "cli":
            result = run_cli(kind, content)
            assert result.exit_code == 0, result.output
            return json.loads(result.stdout)
        response = upload(kind, content)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    return run


@pytest.fixture
def imported(upload):
    """``imported(kind, *rows)`` → the result of importing a file of ``rows`` through the API."""

    def run(kind, *rows):
        response = upload(kind, csv_bytes(kind, *rows))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    return run
