"""Fixtures of the import tests: CSV files, the two ways to import them, and table snapshots."""

import io
import itertools
import json

import pytest

from tests.parts.conftest import make_part  # noqa: F401  (fixtures shared with the parts tests)
from tests.parts.conftest import stock_books  # noqa: F401
from tests.products.conftest import make_product  # noqa: F401

HEADERS = {
    "regions": "code,name,parent_code,level,area_class",
    "providers": "code,name,region_codes,deposit,credit_limit",
    "users": "username,password,role,provider_code,region_code,display_name",
    "products": "model,category,name,serial_pattern",
    "policies": "category,whole_unit_months,main_part_months",
    "parts": "part_no,name,price,models,claimable,key_part,main_part",
    "stock": "warehouse,part_no,qty",
}
KINDS = tuple(HEADERS)
PASSWORD = "correct horse battery"

# Good rows of each kind, given the `world` fixture; none of their keys exists before they are imported.
SAMPLES = {
    "regions": [
        "440000,Guangdong,,province,city",
        "440100,Guangzhou,440000,city,city",
        "440106,Tianhe,440100,county,county",
    ],
    "providers": ["P10,Provider Ten,370100;370112,12.50,1000", "P11,Provider Eleven,,0,0"],
    "users": [
        f"ann,{PASSWORD},agent,,,Ann",
        f"tom,{PASSWORD},technician,P01,,Tom",
        f"cat,{PASSWORD},parts_clerk,,370000,Cat",
    ],
    "products": ["TV65,tv,65 inch TV,^65[0-9]{8}$", "WM8,washing_machine,Washer,"],
    "policies": ["tv,12,36", "fridge,12,24"],
    "parts": ["X2,Panel,899.00,TV55,true,true,true", "X3,Remote,12.50,,false,false,false"],
    "stock": ["HQ,X1,5", "RDC-370000,X1,3", "PROV-P01,X1,2"],
}
# Each sample with its second row changed in one field.
CHANGED = {
    "regions": [
        "440000,Guangdong,,province,city",
        "440100,Guangzhou City,440000,city,city",
        "440106,Tianhe,440100,county,county",
    ],
    "providers": ["P10,Provider Ten,370100;370112,12.50,1000", "P11,Provider Eleven,,20.00,0"],
    "users": [
        f"ann,{PASSWORD},agent,,,Ann",
        f"tom,{PASSWORD},technician,P01,,Tom Li",
        f"cat,{PASSWORD},parts_clerk,,370000,Cat",
    ],
    "products": ["TV65,tv,65 inch TV,^65[0-9]{8}$", "WM8,washing_machine,Front-load washer,"],
    "policies": ["tv,12,36", "fridge,12,12"],
    "parts": ["X2,Panel,899.00,TV55,true,true,true", "X3,Remote,13.00,,false,false,false"],
    "stock": ["HQ,X1,5", "RDC-370000,X1,4", "PROV-P01,X1,2"],
}


def csv_bytes(kind_or_header, *rows, bom=False, newline="\n"):
    """The bytes of a CSV file: the kind's header (or the header given) and ``rows``, UTF-8."""
    header = HEADERS.get(kind_or_header, kind_or_header)
    text = newline.join([header, *rows]) + newline
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


@pytest.fixture
def admin(as_role):
    return as_role("admin", username="root")


@pytest.fixture
def world(make_provider, make_part):  # noqa: F811  (the fixture imported above)
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


def counts(inserted=0, updated=0, unchanged=0, rejected=()):
    """An import result, for comparison with ``==``."""
    return {"inserted": inserted, "updated": updated, "unchanged": unchanged, "rejected": list(rejected)}


def single_rejection(result, line):
    """The reason of the one rejected row, which must be on ``line``."""
    assert [rejection["line"] for rejection in result["rejected"]] == [line], result
    return result["rejected"][0]["error"]
