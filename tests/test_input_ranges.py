"""Numbers and dates beyond what the database holds are a 422 naming the field, never a 500.

PostgreSQL's ``integer`` stops at 2**31 - 1 and the ids of every table are ``integer``: a larger id in a
path, a query or a body made the query itself fail (an overflow, answered 500). Every id is checked against
that range where it enters (the ``<id:...>`` path converter, ``core.schemas.Id``), and every date against the
years the API takes (``core.schemas.DATE_MIN``/``DATE_MAX``). These run on both backends; on SQLite a number
past 2**63 overflowed the same way.
"""

import io
import re

import pytest

from server import create_app
from server.core.roles import ROLES
from tests.conftest import app_config
from tests.helpers import assert_error

pytestmark = pytest.mark.both_backends

TOO_LARGE = [2**31, 2**63, 10**30]


def _routes_with_an_id():
    """``(rule, method)`` of every API route whose address holds a number, read from the app itself."""
    app = create_app(app_config("sqlite://"))
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        names = [name for name, converter in rule._converters.items() if converter.regex == r"\d+"]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.extend((rule.rule, method, name) for name in names)
    return found


ID_ROUTES = _routes_with_an_id()


def test_the_walk_finds_the_routes_with_an_id():
    # A guard on the walk itself: if the converter changed shape, the test below would test nothing.
    assert len(ID_ROUTES) >= 50
    assert ("/api/jobs/<id:job_id>", "GET", "job_id") in ID_ROUTES


@pytest.fixture
def everyone(make_user, auth):
    """Headers of one user of each role: whoever may call a route, none of them gets past a bad id."""
    return {role: auth(make_user(role)) for role in ROLES}


def _address(rule, name, value):
    """The address with ``value`` for the id ``name``, and 1 for any other id it holds."""
    path = rule.replace(f"<id:{name}>", str(value)).replace(f"<int:{name}>", str(value))
    return re.sub(r"<(?:id|int):\w+>", "1", path)


@pytest.mark.parametrize(("rule", "method", "name"), ID_ROUTES, ids=[f"{m} {r}" for r, m, _ in ID_ROUTES])
def test_an_id_past_the_column_in_an_address_is_a_422_naming_it(client, everyone, rule, method, name):
    for value in TOO_LARGE:
        path = _address(rule, name, value)
        for role, headers in everyone.items():
            response = client.open(path, method=method, json={}, headers=headers)
            error = assert_error(response, 422, "validation_error", {name})
            assert "2147483647" in error["details"]["fields"][name][0], role


# ---------------------------------------------------------------- ids in queries and bodies


@pytest.fixture
def dispatched(open_job, walk, people):
    """A job of P01 waiting for its technician: a real row for the routes that look a job up first."""
    return walk(open_job(), "dispatched")["id"]


def _each_caller(client, people, method, path, body):
    """Every user of the dispatch world sends the request; the answers of those their role lets through."""
    answers = []
    for name in ("agent", "dispatcher", "admin", "pm1", "tech1"):
        response = client.open(path, method=method, json=body, headers=getattr(people, name).headers)
        if response.status_code == 403 and response.json["error"]["code"] == "role_forbidden":
            continue
        answers.append(response)
    assert answers, "no role may call this: the sample proves nothing"
    return answers


def _claim(**fields):
    body = {"serial": "SN-IN", "model": "TV55", "failure_date": "2026-01-01", "repair_date": "2026-01-02"}
    return {**body, "fault_code": "E01", "labor_fee": "10.00", **fields}


def _complaint(**fields):
    return {"channel": "phone", "category": "late_visit", "description": "迟到", **fields}


# (method, path, body, field): ``{n}`` is the number tried, ``{job}`` a dispatched job of P01.
ID_SAMPLES = [
    ("GET", "/api/jobs?technician_id={n}", None, "technician_id"),
    ("GET", "/api/callbacks?job_id={n}", None, "job_id"),
    ("GET", "/api/claims/unclaimed?job_id={n}", None, "job_id"),
    ("GET", "/api/complaints?job_id={n}", None, "job_id"),
    ("GET", "/api/requisitions?job_id={n}", None, "job_id"),
    ("GET", "/api/sales-orders?requisition_id={n}", None, "requisition_id"),
    ("GET", "/api/sync/ops?job_id={n}", None, "job_id"),
    ("POST", "/api/callbacks", {"job_id": "{n}"}, "job_id"),
    ("POST", "/api/claims", _claim(job_id="{n}"), "job_id"),
    ("POST", "/api/claims", _claim(scan_id="{n}"), "scan_id"),
    ("POST", "/api/complaints", _complaint(job_id="{n}"), "job_id"),
    ("POST", "/api/complaints", _complaint(technician_id="{n}", region_code="370112"), "technician_id"),
    ("POST", "/api/complaints", _complaint(customer_id="{n}", region_code="370112"), "customer_id"),
    ("POST", "/api/complaints/1/assign", {"user_id": "{n}"}, "user_id"),
    ("POST", "/api/jobs/{job}/assign", {"technician_id": "{n}"}, "technician_id"),
    ("POST", "/api/settlements", {"provider_id": "{n}", "month": "2026-01"}, "provider_id"),
]


def _filled(value, n, job):
    if value == "{n}":
        return n
    if isinstance(value, str):
        return value.replace("{n}", str(n)).replace("{job}", str(job))
    if isinstance(value, dict):
        return {key: _filled(item, n, job) for key, item in value.items()}
    return value


@pytest.mark.parametrize(
    ("method", "path", "body", "field"), ID_SAMPLES, ids=[f"{m} {p} {f}" for m, p, _, f in ID_SAMPLES]
)
@pytest.mark.parametrize("n", [2**31, 2**63, 0], ids=["2^31", "2^63", "zero"])
def test_an_id_past_the_column_in_a_query_or_body_is_a_422_naming_it(
    client, people, dispatched, snapshot, method, path, body, field, n
):
    before = snapshot()
    for response in _each_caller(client, people, method, _filled(path, n, dispatched), _filled(body, n, dispatched)):
        error = assert_error(response, 422, "validation_error")
        assert error["details"]["fields"][field] == ["An id is a whole number from 1 to 2147483647."]
    assert snapshot() == before


def test_a_scan_for_a_job_past_the_column_is_a_422_naming_it(client, people):
    # Multipart, not JSON: the form's job_id is checked as the JSON bodies' are.
    # The photo's bytes are never read: the form is refused before the view runs.
    form = {"job_id": str(2**31), "image": (io.BytesIO(b"not read"), "label.png")}
    response = client.post("/api/scans", data=form, headers=people.tech1.headers)
    error = assert_error(response, 422, "validation_error")
    assert error["details"]["fields"]["job_id"] == ["An id is a whole number from 1 to 2147483647."]


# ---------------------------------------------------------------- days, months and times


MONTH_WORDS = "Give a month as YYYY-MM, from 1900 to 2999."
DAY_WORDS = "Give a day as YYYY-MM-DD, from 1900 to 2999."
TIME_WORDS = "Give a time in ISO 8601 with its offset, from 1900 to 2999."

# (method, path, body, field, words): outside the years 1900-2999, each one Python could still read.
DATE_SAMPLES = [
    ("GET", "/api/claims?month=0000-01", None, "month", MONTH_WORDS),
    ("GET", "/api/claims?month=9999-12", None, "month", MONTH_WORDS),
    ("GET", "/api/reports/claims?month=0000-01", None, "month", MONTH_WORDS),
    ("GET", "/api/reports/claims.csv?month=9999-12", None, "month", MONTH_WORDS),
    ("POST", "/api/settlements", {"provider_id": 1, "month": "0000-12"}, "month", MONTH_WORDS),
    ("GET", "/api/jobs?created_from=0001-01-01", None, "created_from", DAY_WORDS),
    ("GET", "/api/jobs?created_to=9999-12-31", None, "created_to", DAY_WORDS),
    ("GET", "/api/jobs?appointment_on=9999-12-31", None, "appointment_on", DAY_WORDS),
    ("GET", "/api/reports/sla?from=0001-01-01", None, "from", DAY_WORDS),
    ("GET", "/api/reports/workload.csv?to=9999-12-31", None, "to", DAY_WORDS),
    ("GET", "/api/reports/fault-codes?from=0001-01-01", None, "from", DAY_WORDS),
    ("GET", "/api/reports/request-volume?to=9999-12-31", None, "to", DAY_WORDS),
    ("GET", "/api/reports/parts-cycle?to=9999-12-31", None, "to", DAY_WORDS),
    ("GET", "/api/reports/parts-cycle.csv?from=0001-01-01", None, "from", DAY_WORDS),
    ("POST", "/api/claims", _claim(failure_date="0001-01-01"), "failure_date", DAY_WORDS),
    ("POST", "/api/claims", _claim(repair_date="9999-12-31"), "repair_date", DAY_WORDS),
    ("POST", "/api/customers/1/reminders", {"kind": "other", "due_on": "9999-12-31"}, "due_on", DAY_WORDS),
    ("POST", "/api/requests", {"preferred_start": "0001-01-01T00:00:00+08:00"}, "preferred_start", TIME_WORDS),
    ("POST", "/api/jobs/{job}/contact", {"appointment_at": "9999-12-31T23:59:59-08:00"}, "appointment_at", TIME_WORDS),
    ("POST", "/api/jobs/{job}/accept", {"device_time": "0001-01-01T00:00:00+08:00"}, "device_time", TIME_WORDS),
    (
        "POST",
        "/api/jobs/{job}/parts-used",
        {"parts": [], "device_time": "0001-01-01T00:00+08:00"},
        "device_time",
        TIME_WORDS,
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field", "words"),
    DATE_SAMPLES,
    ids=[f"{m} {p} {f}" for m, p, _, f, _ in DATE_SAMPLES],
)
def test_a_day_month_or_time_outside_the_years_is_a_422_naming_it(
    client, people, dispatched, snapshot, method, path, body, field, words
):
    before = snapshot()
    for response in _each_caller(client, people, method, _filled(path, 0, dispatched), body):
        error = assert_error(response, 422, "validation_error")
        assert error["details"]["fields"][field] == [words]
    assert snapshot() == before


@pytest.mark.parametrize(
    "query",
    ["created_from=1900-01-01&created_to=2999-12-31", "appointment_on=2999-12-31"],
)
def test_the_first_and_last_days_are_taken(client, people, query):
    response = client.get(f"/api/jobs?{query}", headers=people.admin.headers)
    assert response.status_code == 200


def test_a_day_written_otherwise_than_yyyy_mm_dd_is_refused(client, people):
    # Python reads 20260101 as a day; the API documents and takes only the one form.
    response = client.get("/api/jobs?created_from=20260101", headers=people.admin.headers)
    assert_error(response, 422, "validation_error", {"created_from"})


# ---------------------------------------------------------------- the API document


def _inputs(spec):
    """``(where, name, schema)`` of every path and query parameter and every request body property."""
    schemas = spec["components"]["schemas"]

    def resolve(schema):
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def properties(schema, where):
        schema = resolve(schema)
        for name, prop in schema.get("properties", {}).items():
            prop = resolve(prop)
            yield where, name, prop
            if prop.get("type") == "array":
                yield from properties(prop["items"], f"{where}.{name}[]")
            yield from properties(prop, f"{where}.{name}")

    for path, operations in spec["paths"].items():
        for parameter in operations.get("parameters", []):  # the path's own, shared by its methods
            yield path, parameter["name"], parameter["schema"]
        for method, operation in operations.items():
            if method == "parameters":
                continue
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                yield where, parameter["name"], parameter.get("schema", parameter)
            for content in operation.get("requestBody", {}).get("content", {}).values():
                yield from properties(content["schema"], where)


def test_the_api_document_gives_every_id_its_range_and_every_day_its_form(client):
    inputs = list(_inputs(client.get("/api/openapi.json").json))
    ids = [
        (where, name, schema)
        for where, name, schema in inputs
        if (name == "id" or name.endswith("_id")) and schema.get("type") == "integer"
    ]
    days = [(where, name, schema) for where, name, schema in inputs if schema.get("format") in ("date", "date-time")]
    # The walk found them: the paths' ids and the inputs'.
    assert len(ids) > 60
    assert len(days) > 20
    for where, name, schema in ids:
        assert (schema.get("minimum"), schema.get("maximum")) == (1, 2147483647), (where, name)
    for where, name, schema in days:
        assert schema.get("pattern", "").startswith("^(19\\d\\d|2\\d\\d\\d)-"), (where, name)
