"""Who may call what.

(a) Every route of an API blueprint, found in the app's URL map, refuses a
caller without a token, so an endpoint added later is covered without
editing this file. (b) Two tables of role × endpoint say who reads and who
writes; they are written out here by hand, apart from the server's own role
lists, so that a change to those lists has to change these tables too.
"""

import re

import pytest

from server import create_app
from server.extensions import db
from tests.conftest import app_config
from tests.helpers import assert_error

ROLES = (
    "admin",
    "agent",
    "dispatcher",
    "technician",
    "provider_manager",
    "parts_clerk",
    "hq_planner",
    "auditor",
    "supervisor",
)

# Endpoints open to callers without a token: the health check, sign-in itself, and the call relay's question
# (its adapter holds no user's token: it sends the relay's own, checked by the endpoint).
PUBLIC = {
    ("GET", "health.Health"),
    ("POST", "accounts.Token"),
    ("POST", "jobs.CallRelay"),
    # A receipt the customer checks without an account: its number is unguessable (50 bits).
    ("GET", "charges.Receipt"),
    ("POST", "opt_outs.InboundMessage"),
}

# Methods Flask answers by itself for every route.
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


# A path argument no row has: an id for ``<id:...>`` (a word would not match the
# converter, and the request would 404 before authentication), a word otherwise.
MISSING_ID = "999999"


def placeholder(match):
    converter, name = match.group(1), match.group(2)
    return MISSING_ID if converter == "id" else f"no-such-{name}"


def is_placeholder_path(path):
    return "no-such-" in path or MISSING_ID in path


def api_routes():
    """``(method, endpoint, path)`` of every API route, path arguments filled with placeholders."""
    app = create_app(app_config("sqlite://"))
    try:
        routes = []
        for rule in app.url_map.iter_rules():
            if rule.endpoint.partition(".")[0] not in app.config["API_BLUEPRINTS"]:
                continue
            path = re.sub(r"<(?:([^:<>()]+)(?:\([^<>]*\))?:)?([^<>]+)>", placeholder, rule.rule)
            routes.extend((method, rule.endpoint, path) for method in sorted(rule.methods - AUTOMATIC_METHODS))
        return sorted(routes)
    finally:
        with app.app_context():
            db.engine.dispose()


ROUTES = api_routes()
PROTECTED = [route for route in ROUTES if route[:2] not in PUBLIC]
WRITES = [route for route in PROTECTED if route[0] in WRITE_METHODS]


def route_id(route):
    return f"{route[0]} {route[2]}"


def test_route_table_is_the_app_under_test(app):
    """The routes enumerated at collection are those of the app the tests run against."""
    found = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.partition(".")[0] in app.config["API_BLUEPRINTS"]
        for method in rule.methods - AUTOMATIC_METHODS
    }
    assert found == {(endpoint, method) for method, endpoint, _ in ROUTES}


def test_public_endpoints_exist():
    """A renamed public endpoint must not silently drop out of the exemptions."""
    assert {(method, endpoint) for method, endpoint, _ in ROUTES} >= PUBLIC


def test_the_route_table_covers_the_admin_api():
    """Guard against an enumeration that finds nothing and so proves nothing."""
    paths = {path for _, _, path in PROTECTED}
    assert {"/api/auth/me", "/api/admin/users", "/api/admin/regions", "/api/admin/stock"} <= paths
    assert len(WRITES) >= 10


def test_integer_path_arguments_are_filled_with_an_id():
    """``<id:claim_id>`` gets a number the converter matches, so the request reaches authentication."""
    paths = {path for _, _, path in PROTECTED}
    assert {"/api/claims/999999", "/api/claims/999999/decision", "/api/settlements/999999.csv"} <= paths
    assert not any("no-such-claim_id" in path or "no-such-settlement_id" in path for path in paths)


# ---------------------------------------------------------------- (a) no token


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_every_protected_endpoint_refuses_a_caller_without_token(client, route):
    method, _, path = route
    response = client.open(path, method=method, json={})
    assert_error(response, 401, "token_missing")


@pytest.mark.parametrize("route", PROTECTED, ids=route_id)
def test_every_protected_endpoint_refuses_a_garbage_token(client, route):
    method, _, path = route
    response = client.open(path, method=method, json={}, headers={"Authorization": "Bearer not.a.token"})
    assert_error(response, 401, "token_invalid")


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/api/health", None, 200, None),
        ("POST", "/api/auth/token", {"username": "nobody", "password": "whatever"}, 401, "invalid_credentials"),
        ("POST", "/api/call-relay", {"extension": "12345"}, 401, "relay_unauthorized"),
        ("POST", "/api/messages/inbound", {"from": "13900000001", "text": "TD"}, 401, "inbound_unauthorized"),
    ],
)
def test_public_endpoints_answer_without_token(client, method, path, body, status, code):
    response = client.open(path, method=method, json=body)
    assert response.status_code == status
    if status == 401:
        assert response.json["error"]["code"] == code


def test_a_users_token_does_not_open_the_call_relay(client, as_role):
    """Public to the users' sign-in, the relay's question is closed to every user: only its own token opens it."""
    for role in ROLES:
        response = client.post("/api/call-relay", json={"extension": "12345"}, headers=as_role(role))
        assert_error(response, 401, "relay_unauthorized")


# ---------------------------------------------------------------- (b) role × endpoint

NETWORK_READERS = ("admin", "agent", "dispatcher", "parts_clerk", "hq_planner", "auditor", "supervisor")
STOCK_READERS = ("admin", "parts_clerk", "hq_planner")

CLAIM_READERS = ("admin", "auditor", "provider_manager")
CALL_CENTRE = ("admin", "agent", "dispatcher")
JOB_READERS = ("admin", "agent", "dispatcher", "technician", "provider_manager", "auditor")
DISPATCH = ("admin", "dispatcher")
SCAN_READERS = ("admin", "auditor", "dispatcher", "agent", "technician", "provider_manager")
SUPPLY_READERS = ("admin", "parts_clerk", "hq_planner", "provider_manager", "technician")
PLANNERS = ("admin", "hq_planner")
# Agents and admins work callbacks and complaints; dispatchers and provider managers read them.
CARE_READERS = ("admin", "agent", "dispatcher", "provider_manager")
CARE_WORKERS = ("admin", "agent")
REPORT_READERS = ("admin", "auditor", "dispatcher", "provider_manager")
# Service cards: the call centre, dispatch, the auditors and the providers' managers (phones masked).
CARD_READERS = ("admin", "agent", "dispatcher", "auditor", "provider_manager")
# Old parts owed to an RDC: the provider that owes them, the RDC's clerk, and the auditors.
RETURN_READERS = ("admin", "auditor", "provider_manager", "parts_clerk")
# Customer-care campaigns and the opt-out list: the call centre's supervisors (and admins).
CAMPAIGNERS = ("supervisor", "admin")

# Each readable address and the roles that may read it. Items that do not exist
# answer 404 to a reader, so the role check is seen apart from the data.
READERS = {
    "/api/auth/me": ROLES,
    "/api/admin/regions": NETWORK_READERS,
    "/api/admin/regions/no-such-key": NETWORK_READERS,
    "/api/admin/providers": NETWORK_READERS,
    "/api/admin/providers/no-such-key": NETWORK_READERS,
    "/api/admin/products": ROLES,
    "/api/admin/products/no-such-key": ROLES,
    "/api/admin/policies": ROLES,
    "/api/admin/policies/no-such-key": ROLES,
    "/api/admin/parts": ROLES,
    "/api/admin/parts/no-such-key": ROLES,
    "/api/admin/fees": ROLES,
    "/api/admin/fees/no-such-key": ROLES,
    "/api/admin/travel-fees": ROLES,
    "/api/admin/travel-fees/no-such-key": ROLES,
    "/api/jobs/999999/charges": JOB_READERS,
    "/api/charges/remittances": CLAIM_READERS,
    "/api/reports/charges": CLAIM_READERS,
    "/api/reports/charges.csv": CLAIM_READERS,
    "/api/admin/users": ("admin",),
    "/api/admin/users/no-such-key": ("admin",),
    "/api/admin/warehouses": STOCK_READERS,
    "/api/admin/stock": STOCK_READERS,
    "/api/admin/stock/no-such-warehouse/no-such-part_no": STOCK_READERS,
    "/api/claims": CLAIM_READERS,
    "/api/claims/unclaimed": ("provider_manager",),
    "/api/claims/999999": CLAIM_READERS,
    "/api/settlements": CLAIM_READERS,
    "/api/settlements/999999": CLAIM_READERS,
    "/api/settlements/999999.csv": CLAIM_READERS,
    "/api/part-returns": RETURN_READERS,
    "/api/part-returns/999999": RETURN_READERS,
    "/api/part-returns/shipments": RETURN_READERS,
    "/api/part-returns/shipments/999999": RETURN_READERS,
    "/api/part-returns/shipments/999999.csv": RETURN_READERS,
    "/api/reports/claims": CLAIM_READERS,
    "/api/reports/claims.csv": CLAIM_READERS,
    "/api/reports/claims/trend": CLAIM_READERS,
    "/api/reports/part-returns": ("admin", "auditor", "hq_planner", "provider_manager", "parts_clerk"),
    "/api/reports/part-returns.csv": ("admin", "auditor", "hq_planner", "provider_manager", "parts_clerk"),
    "/api/install-base/no-such-serial": ROLES,
    "/api/customers": CALL_CENTRE,
    "/api/requests/999999": CALL_CENTRE,
    "/api/jobs": JOB_READERS,
    "/api/jobs/999999": JOB_READERS,
    "/api/jobs/999999/events": JOB_READERS,
    "/api/jobs/999999/suggestions": DISPATCH,
    "/api/admin/sla-policies": DISPATCH,
    "/api/notifications": ROLES,
    "/api/admin/scheduler/runs": ("admin",),
    "/api/admin/scheduler/tasks": ("admin",),
    "/api/scans/999999": SCAN_READERS,
    "/api/scans/999999/photo": SCAN_READERS,
    "/api/jobs/999999/photos/no-such-sha256": SCAN_READERS,
    "/api/jobs/999999/signature": SCAN_READERS,
    "/api/jobs/999999/parts": JOB_READERS,
    "/api/requisitions": SUPPLY_READERS,
    "/api/requisitions/999999": SUPPLY_READERS,
    "/api/sales-orders": SUPPLY_READERS,
    "/api/sales-orders/999999": SUPPLY_READERS,
    "/api/parts-plan": PLANNERS,
    "/api/parts-plan/requisitions": PLANNERS,
    "/api/purchase-orders": PLANNERS,
    "/api/purchase-orders/999999": PLANNERS,
    "/api/purchase-orders/999999/requisitions": PLANNERS,
    "/api/providers/999999/technicians": ("admin", "provider_manager"),
    "/api/admin/import": ("admin",),
    "/api/admin/messages": ("admin",),
    "/api/providers/999999/account": ("admin", "provider_manager", "parts_clerk", "hq_planner", "auditor"),
    "/api/providers/999999/stock": ("admin", "provider_manager", "technician", "parts_clerk"),
    "/api/providers/999999/discrepancies": ("admin", "provider_manager"),
    "/api/reports/parts-cycle": ("admin", "hq_planner", "parts_clerk", "dispatcher", "auditor"),
    "/api/reports/parts-cycle.csv": ("admin", "hq_planner", "parts_clerk", "dispatcher", "auditor"),
    "/api/reports/parts-cycle/trend": ("admin", "hq_planner", "parts_clerk", "dispatcher", "auditor"),
    "/api/sync/pull": ("technician", "provider_manager", "parts_clerk"),
    "/api/sync/ops": ("admin", "dispatcher", "provider_manager"),
    "/api/callbacks": CARE_READERS,
    "/api/callbacks/999999": CARE_READERS,
    "/api/complaints": CARE_READERS,
    "/api/complaints/999999": CARE_READERS,
    "/api/customers/999999/reminders": CALL_CENTRE,
    "/api/care-tasks": CALL_CENTRE,
    "/api/knowledge": ROLES,
    "/api/knowledge/999999": ROLES,
    "/api/fault-codes": ROLES,
    "/api/cards": CARD_READERS,
    "/api/cards/no-such-number": CARD_READERS,
    "/api/reports/fault-codes": ("admin", "auditor", "provider_manager"),
    "/api/reports/complaints": REPORT_READERS,
    "/api/reports/complaints.csv": REPORT_READERS,
    "/api/reports/satisfaction": REPORT_READERS,
    "/api/reports/satisfaction.csv": REPORT_READERS,
    "/api/reports/sla": REPORT_READERS,
    "/api/reports/sla.csv": REPORT_READERS,
    "/api/reports/workload": REPORT_READERS,
    "/api/reports/workload.csv": REPORT_READERS,
    "/api/reports/complaints/trend": REPORT_READERS,
    "/api/reports/satisfaction/trend": REPORT_READERS,
    "/api/reports/sla/trend": REPORT_READERS,
    "/api/reports/workload/trend": REPORT_READERS,
    "/api/reports/fault-codes.csv": ("admin", "auditor", "provider_manager"),
    "/api/reports/request-volume": ("admin", "auditor", "dispatcher", "supervisor"),
    "/api/reports/request-volume.csv": ("admin", "auditor", "dispatcher", "supervisor"),
    "/api/campaigns": CAMPAIGNERS,
    "/api/campaigns/999999": CAMPAIGNERS,
    "/api/campaigns/templates": CAMPAIGNERS,
    "/api/campaigns/templates/999999": CAMPAIGNERS,
    "/api/opt-outs": CAMPAIGNERS,
}

# Reads that need a query to mean anything; with it they look for something nobody has (404).
READ_QUERIES = {"/api/customers": "?phone=13900000001"}
# Searches that need a filter; with one nobody matches they answer an empty list (200).
SEARCH_QUERIES = {"/api/cards": "?phone=13900000001"}

# The error code of a missing item where it is not the generic not_found.
MISSING_CODES = {
    "/api/install-base/no-such-serial": "unknown_serial",
    "/api/customers": "customer_not_found",
    "/api/requests/999999": "request_not_found",
    "/api/jobs/999999": "job_not_found",
    "/api/jobs/999999/events": "job_not_found",
    "/api/jobs/999999/suggestions": "job_not_found",
    "/api/scans/999999": "scan_not_found",
    "/api/scans/999999/photo": "scan_not_found",
    "/api/jobs/999999/photos/no-such-sha256": "job_not_found",
    "/api/jobs/999999/signature": "job_not_found",
    "/api/jobs/999999/parts": "job_not_found",
    "/api/requisitions/999999": "requisition_not_found",
    "/api/part-returns/999999": "return_not_found",
    "/api/part-returns/shipments/999999": "shipment_not_found",
    "/api/part-returns/shipments/999999.csv": "shipment_not_found",
    "/api/sales-orders/999999": "sales_order_not_found",
    "/api/purchase-orders/999999": "purchase_order_not_found",
    "/api/purchase-orders/999999/requisitions": "purchase_order_not_found",
    "/api/providers/999999/technicians": "provider_not_found",
    "/api/providers/999999/account": "provider_not_found",
    "/api/providers/999999/stock": "provider_not_found",
    "/api/providers/999999/discrepancies": "provider_not_found",
    "/api/callbacks/999999": "callback_not_found",
    "/api/complaints/999999": "complaint_not_found",
    "/api/customers/999999/reminders": "customer_not_found",
    "/api/knowledge/999999": "article_not_found",
    "/api/cards/no-such-number": "card_not_found",
    "/api/jobs/999999/charges": "job_not_found",
    "/api/campaigns/999999": "campaign_not_found",
    "/api/campaigns/templates/999999": "template_not_found",
}


def test_every_read_endpoint_is_in_the_role_table():
    reads = {path for method, _, path in PROTECTED if method == "GET"}
    assert reads == set(READERS)


READ_CASES = [
    (path, role, (404 if is_placeholder_path(path) or path in READ_QUERIES else 200) if role in readers else 403)
    for path, readers in READERS.items()
    for role in ROLES
]


@pytest.mark.parametrize(("path", "role", "status"), READ_CASES, ids=[f"{r} GET {p}" for p, r, _ in READ_CASES])
def test_reading_by_role(client, as_role, path, role, status):
    response = client.get(path + READ_QUERIES.get(path, SEARCH_QUERIES.get(path, "")), headers=as_role(role))
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 403:
        error = assert_error(response, 403, "role_forbidden")
        assert set(error["details"]["allowed_roles"]) == set(READERS[path])
    elif status == 404:
        assert_error(response, 404, MISSING_CODES.get(path, "not_found"))


AUDIT = ("auditor", "admin")

# Each write and the roles allowed it, in the order the server lists them (details.allowed_roles).
WRITERS = {
    ("PATCH", "/api/admin/users/no-such-key"): ("admin",),
    ("PATCH", "/api/admin/providers/no-such-key"): ("admin",),
    ("PATCH", "/api/admin/regions/no-such-key"): ("admin",),
    ("PATCH", "/api/admin/stock/no-such-warehouse/no-such-part_no"): ("admin",),
    ("PATCH", "/api/admin/parts/no-such-key"): ("admin",),
    ("PATCH", "/api/admin/policies/no-such-key"): ("admin",),
    ("PATCH", "/api/admin/products/no-such-key"): ("admin",),
    ("POST", "/api/admin/users"): ("admin",),
    ("POST", "/api/admin/import/no-such-kind"): ("admin",),
    ("POST", "/api/admin/providers"): ("admin",),
    ("POST", "/api/admin/regions"): ("admin",),
    ("POST", "/api/admin/parts"): ("admin",),
    ("POST", "/api/admin/fees"): ("admin",),
    ("PATCH", "/api/admin/fees/no-such-key"): ("admin",),
    ("POST", "/api/admin/travel-fees"): ("admin",),
    ("PATCH", "/api/admin/travel-fees/no-such-key"): ("admin",),
    ("POST", "/api/jobs/999999/quotes"): ("technician",),
    ("POST", "/api/jobs/999999/quotes/approve"): ("technician",),
    ("POST", "/api/jobs/999999/payments"): ("technician",),
    ("POST", "/api/charges/remittances"): ("provider_manager",),
    ("POST", "/api/admin/policies"): ("admin",),
    ("POST", "/api/admin/products"): ("admin",),
    ("POST", "/api/install-base/import"): ("admin",),
    ("POST", "/api/claims"): ("provider_manager",),
    ("POST", "/api/claims/999999/decision"): AUDIT,
    ("POST", "/api/settlements"): AUDIT,
    ("POST", "/api/settlements/999999/deductions"): AUDIT,
    ("POST", "/api/settlements/999999/deductions/999999/dispute"): ("provider_manager",),
    ("POST", "/api/settlements/999999/deductions/999999/resolution"): AUDIT,
    ("POST", "/api/settlements/999999/acceptance"): ("provider_manager",),
    ("POST", "/api/settlements/999999/finalisation"): AUDIT,
    ("POST", "/api/part-returns/shipments"): ("provider_manager",),
    ("POST", "/api/part-returns/shipments/999999/receipt"): ("parts_clerk", "admin"),
    ("POST", "/api/part-returns/999999/inspection"): ("parts_clerk", "admin"),
    ("POST", "/api/requests"): CALL_CENTRE,
    ("POST", "/api/jobs/999999/dispatch"): DISPATCH,
    ("POST", "/api/jobs/999999/assign"): ("admin", "dispatcher", "provider_manager"),
    ("POST", "/api/jobs/999999/accept"): ("technician",),
    ("POST", "/api/jobs/999999/decline"): ("technician",),
    ("POST", "/api/jobs/999999/contact"): ("technician", "provider_manager"),
    ("POST", "/api/jobs/999999/depart"): ("technician",),
    ("POST", "/api/jobs/999999/arrive"): ("technician",),
    ("POST", "/api/jobs/999999/scans"): ("technician",),
    ("POST", "/api/jobs/999999/photos"): ("technician", "provider_manager"),
    ("POST", "/api/jobs/999999/complete"): ("technician",),
    ("POST", "/api/jobs/999999/close"): ("dispatcher", "provider_manager", "admin"),
    ("POST", "/api/jobs/999999/cancel"): ("agent", "dispatcher", "admin"),
    ("POST", "/api/jobs/999999/escalate"): ("agent", "dispatcher", "admin"),
    ("PUT", "/api/dispatch/duty"): ("dispatcher",),
    ("POST", "/api/scans"): ("technician", "provider_manager", "admin"),
    ("PUT", "/api/admin/sla-policies/no-such-area_class"): ("admin",),
    ("POST", "/api/notifications/999999/read"): ROLES,
    ("POST", "/api/notifications/read-all"): ROLES,
    ("POST", "/api/jobs/999999/parts-used"): ("technician",),
    ("POST", "/api/jobs/999999/shortages"): ("technician",),
    ("POST", "/api/requisitions/999999/approve"): ("admin", "parts_clerk"),
    ("POST", "/api/requisitions/999999/reject"): ("admin", "parts_clerk"),
    ("POST", "/api/sales-orders/999999/ship"): ("admin", "parts_clerk"),
    ("POST", "/api/sales-orders/999999/receive"): ("admin", "provider_manager", "technician"),
    ("POST", "/api/purchase-orders"): PLANNERS,
    ("POST", "/api/purchase-orders/999999/receive"): PLANNERS,
    ("POST", "/api/providers/999999/account/deposits"): ("admin",),
    ("POST", "/api/sync/push"): ("technician", "provider_manager", "parts_clerk"),
    ("PUT", "/api/sync/blobs/no-such-sha256"): ("technician", "provider_manager", "parts_clerk"),
    ("POST", "/api/callbacks"): CARE_WORKERS,
    ("POST", "/api/callbacks/999999/attempts"): CARE_WORKERS,
    ("POST", "/api/complaints"): CARE_WORKERS,
    ("POST", "/api/complaints/999999/assign"): CARE_WORKERS,
    ("POST", "/api/complaints/999999/notes"): CARE_WORKERS,
    ("POST", "/api/complaints/999999/close"): CARE_WORKERS,
    ("POST", "/api/customers/999999/reminders"): CARE_WORKERS,
    ("POST", "/api/care-tasks/999999/done"): CARE_WORKERS,
    ("POST", "/api/knowledge"): ("admin",),
    ("PATCH", "/api/knowledge/999999"): ("admin",),
    ("POST", "/api/knowledge/999999/deactivate"): ("admin",),
    ("POST", "/api/cards"): ("admin",),
    ("PUT", "/api/cards/no-such-number"): ("admin",),
    ("DELETE", "/api/cards/no-such-number"): ("admin",),
    ("POST", "/api/campaigns/templates"): CAMPAIGNERS,
    ("PATCH", "/api/campaigns/templates/999999"): CAMPAIGNERS,
    ("DELETE", "/api/campaigns/templates/999999"): CAMPAIGNERS,
    ("POST", "/api/campaigns/preview"): CAMPAIGNERS,
    ("POST", "/api/campaigns"): CAMPAIGNERS,
    ("PUT", "/api/campaigns/999999"): CAMPAIGNERS,
    ("POST", "/api/campaigns/999999/plan"): CAMPAIGNERS,
    ("POST", "/api/campaigns/999999/start"): CAMPAIGNERS,
    ("POST", "/api/campaigns/999999/pause"): CAMPAIGNERS,
    ("POST", "/api/campaigns/999999/cancel"): CAMPAIGNERS,
    ("POST", "/api/opt-outs"): ("agent", "supervisor", "admin"),
    ("DELETE", "/api/opt-outs/no-such-phone"): CAMPAIGNERS,
}

# Writes that take no body: an allowed role's garbage is ignored, and this is the answer.
BODILESS = {
    ("POST", "/api/notifications/999999/read"): (404, "notification_not_found"),
    ("POST", "/api/notifications/read-all"): (200, None),
    ("POST", "/api/sales-orders/999999/ship"): (404, "sales_order_not_found"),
    ("POST", "/api/sales-orders/999999/receive"): (404, "sales_order_not_found"),
    # Nothing waits in an empty plan: the roll-up has nothing to order.
    ("POST", "/api/purchase-orders"): (409, "nothing_to_order"),
    # The body is the blob's raw bytes: what is checked first is that its name is a SHA-256.
    ("PUT", "/api/sync/blobs/no-such-sha256"): (422, "bad_hash"),
    ("POST", "/api/knowledge/999999/deactivate"): (404, "article_not_found"),
    ("DELETE", "/api/cards/no-such-number"): (404, "card_not_found"),
    ("POST", "/api/settlements/999999/acceptance"): (404, "not_found"),
    ("POST", "/api/settlements/999999/finalisation"): (404, "not_found"),
    ("POST", "/api/part-returns/shipments/999999/receipt"): (404, "shipment_not_found"),
    ("DELETE", "/api/campaigns/templates/999999"): (404, "template_not_found"),
    ("POST", "/api/campaigns/999999/plan"): (404, "campaign_not_found"),
    ("POST", "/api/campaigns/999999/start"): (404, "campaign_not_found"),
    ("POST", "/api/campaigns/999999/pause"): (404, "campaign_not_found"),
    ("POST", "/api/campaigns/999999/cancel"): (404, "campaign_not_found"),
    ("DELETE", "/api/opt-outs/no-such-phone"): (404, "opt_out_not_found"),
}


def test_every_write_endpoint_is_in_the_role_table():
    assert {(method, path) for method, _, path in WRITES} == set(WRITERS)


WRITE_CASES = [(route, role) for route in WRITES for role in ROLES if role not in WRITERS[route[0], route[2]]]
ALLOWED_CASES = [(route, role) for route in WRITES for role in WRITERS[route[0], route[2]]]
# Input that fails validation everywhere: an unknown field, wrong types, no file.
GARBAGE = {"no_such_field": True, "qty": "lots", "code": 1, "username": ["x"]}


@pytest.mark.parametrize(
    ("route", "role"), WRITE_CASES, ids=[f"{role} {route_id(route)}" for route, role in WRITE_CASES]
)
def test_only_the_allowed_roles_write_and_others_are_refused_before_validation(
    client, as_role, users_table, route, role
):
    method, _, path = route
    headers = as_role(role)
    before = users_table()
    error = assert_error(client.open(path, method=method, json=GARBAGE, headers=headers), 403, "role_forbidden")
    assert error["details"]["allowed_roles"] == list(WRITERS[method, path])
    assert users_table() == before


REFUSABLE = [route for route in WRITES if set(ROLES) - set(WRITERS[route[0], route[2]])]


@pytest.mark.parametrize("route", REFUSABLE, ids=route_id)
def test_a_refused_role_sending_malformed_json_is_refused_by_role_first(client, as_role, route):
    method, _, path = route
    refused = next(role for role in ROLES if role not in WRITERS[method, path])
    response = client.open(
        path, method=method, data="{not json", content_type="application/json", headers=as_role(refused)
    )
    assert_error(response, 403, "role_forbidden")


@pytest.mark.parametrize(
    ("route", "role"), ALLOWED_CASES, ids=[f"{role} {route_id(route)}" for route, role in ALLOWED_CASES]
)
def test_the_same_garbage_from_an_allowed_role_fails_validation(client, as_role, route, role):
    """The 403s above are not validation in disguise: an allowed role sending the same body gets 422.

    The body is validated before any lookup, so even the decision on claim 999999,
    which does not exist, is a 422 and not a 404.
    """
    method, _, path = route
    response = client.open(path, method=method, json=GARBAGE, headers=as_role(role))
    status, code = BODILESS.get((method, path), (422, "validation_error"))
    if code is None:
        assert response.status_code == status, response.get_json()
    else:
        assert_error(response, status, code)
