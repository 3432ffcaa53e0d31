"""The whole OpenAPI document fuzzed as the admin, a technician and a provider manager (on SQLite, the admin
alone unless ``make fuzz``), on both databases.

Schemathesis reads /api/openapi.json and, for every operation, draws requests from its documented
parameters and bodies: valid ones and, as often, ones that break the schema. Each response must not be a
5xx, must carry a status the operation documents, and must match the documented content type, headers and
schema. The world is the demo data set at a small size, so ids in the drawn requests sometimes find real
jobs, claims and requisitions; the requests change that world as they go (the admin's writes included).

Bounded (``FUZZ_EXAMPLES`` per operation and mode, fixed seed) so it runs in ``make test`` within a few
minutes and a red run replays; ``make fuzz`` sends every boundary case and fresh random examples. Every problem found
is listed with its request, one per operation, and the count of requests made is printed.
"""

import hashlib
import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.hypothesis.builder import HypothesisTestConfig
from schemathesis.generation.hypothesis.builder import HypothesisTestMode
from schemathesis.generation.hypothesis.builder import create_test
from schemathesis.specs.openapi.checks import content_type_conformance
from schemathesis.specs.openapi.checks import response_headers_conformance
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy import select

from server import demo
from server.core import roles
from server.extensions import db
from server.users.models import User
from server.users.tokens import issue_token

pytestmark = pytest.mark.both_backends

# Per operation: the boundary cases of the coverage phase (each documented bound, type and enum, valid and
# not), of which a fixed share is sent (all of them in ``make fuzz``), then EXAMPLES drawn at random.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
SHARE = {
    "positive": float(os.environ.get("FUZZ_SHARE_VALID", "0.5")),
    "negative": float(os.environ.get("FUZZ_SHARE", "0.15")),
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
ROLES = (roles.ADMIN, roles.TECHNICIAN, roles.PROVIDER_MANAGER)
# Who fuzzes in ``make test``: the admin, who may call every operation, on both databases (PostgreSQL is
# production's and the stricter: it refuses what overflows a column or a type, where SQLite stores it). The
# other roles' answers differ by their access checks, which tests/users/test_access.py proves route by route
# and whose SQL does not differ by dialect. ``make fuzz`` (FUZZ_ALL_ROLES) fuzzes every role on both.
FUZZED_ROLES = ROLES if os.environ.get("FUZZ_ALL_ROLES") else (roles.ADMIN,)


@pytest.fixture
def demo_world(app):
    """The demo data set, small: a few hundred sale records, some dozens of jobs in every state."""
    demo.seed(sales=300, jobs=60, echo=lambda *_: None)
    db.session.commit()
    # The requests load what they need; thousands of seeded objects left in the test's session would be
    # expired and searched on every request.
    db.session.expunge_all()


def first_user(role):
    return db.session.scalars(select(User).where(User.role == role, User.active.is_(True)).order_by(User.id)).first()


def chosen(case):
    """Whether to send a coverage case: a fixed share of them, the same in every run (a hash of the request)."""
    meta = case.meta
    if meta is None or meta.phase.name.value != "coverage":
        return True
    request = repr((case.method, case.path_parameters, case.query, case.body)).encode()
    return int(hashlib.sha256(request).hexdigest()[:8], 16) / 0xFFFFFFFF < SHARE[str(meta.generation.mode)]


def fuzz(schema, headers, examples):
    """Run every operation of ``schema``; ``(requests made, {operation: problem})``."""
    problems, made = {}, [0]
    for result in schema.get_all_operations():
        operation = result.ok()

        def call(case):
            if not chosen(case):
                return
            try:
                response = case.call(headers=headers)
            except Exception as error:  # the app raised (TESTING propagates it): a 500, with its request
                raise AssertionError(f"{type(error).__name__}: {error}\n{case.as_curl_command(headers)}") from error
            made[0] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        test = create_test(
            operation=operation,
            test_func=call,
            config=HypothesisTestConfig(
                project=schema.config,
                modes=[HypothesisTestMode.COVERAGE, HypothesisTestMode.FUZZING],
                settings=settings(
                    max_examples=examples,
                    deadline=None,
                    database=None,
                    derandomize="FUZZ_EXAMPLES_RANDOM" not in os.environ,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                ),
            ),
        )
        try:
            test()
        except (Exception, BaseExceptionGroup) as error:  # every failure of every operation is reported together
            problems[operation.label] = str(error).strip()
    return made[0], problems


def test_every_operation_answers_as_documented(app, demo_world, record_property):
    """One world per database, fuzzed by each role in turn (each sees what the others' writes left)."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failed = {}
    for role in FUZZED_ROLES:
        # Plain bodies: the WSGI client schemathesis calls through asks for gzip and does not undo it (the
        # compression itself is proven in tests/pwa/test_compression.py).
        headers = {"Authorization": f"Bearer {issue_token(first_user(role))[0]}", "Accept-Encoding": "identity"}
        db.session.expunge_all()
        started = time.monotonic()
        made, problems = fuzz(schema, headers, EXAMPLES)
        record_property(
            "figure",
            f"fuzz as {role} on {db.engine.dialect.name}: {made} requests, {len(problems)} operations failed, "
            f"{time.monotonic() - started:.1f} s",
        )
        failed.update({f"{label} as {role}": problem for label, problem in problems.items()})
    assert not failed, "\n\n".join(f"== {label}\n{problem}" for label, problem in sorted(failed.items()))
