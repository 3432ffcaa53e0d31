"""The OpenAPI document says what the API does: each operation its success and its errors, each body its type.

The fuzzer (test_api_fuzz.py) holds every response to the document; these tests hold the document to the
points a review found wrong, one by one.
"""

import pytest
from openapi_spec_validator import validate

from server.api import ErrorResponses

METHODS = ("get", "put", "post", "patch", "delete", "head")


@pytest.fixture(scope="module")
def spec(app):
    with app.test_client() as client:
        return client.get("/api/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_document_is_valid_openapi_3(spec):
    validate(spec)


def test_no_operation_hides_its_answers_behind_a_default(spec):
    """A catch-all ``default`` makes every status "documented", so a stray one could never be caught."""
    assert [(path, method) for path, method, op in operations(spec) if "default" in op["responses"]] == []


def test_every_operation_documents_a_success(spec):
    missing = [
        (path, method) for path, method, op in operations(spec) if not any(s.startswith("2") for s in op["responses"])
    ]
    assert missing == []


# Public operations that check credentials of their own (a password, an adapter's shared token): a 401 is theirs.
OWN_CREDENTIALS = {"/api/auth/token", "/api/call-relay", "/api/messages/inbound"}


def test_signed_in_operations_document_401_and_403_and_public_ones_do_not(spec):
    for path, method, op in operations(spec):
        public = op.get("security") == []
        assert ("401" in op["responses"]) != public or path in OWN_CREDENTIALS, (path, method)
        assert ("403" in op["responses"]) != public, (path, method)


def test_the_call_relay_documents_its_token_refusal_and_its_unknown_extension(spec):
    relay = spec["paths"]["/api/call-relay"]["post"]
    assert relay["security"] == []
    assert {"200", "401", "404", "409", "422"} <= set(relay["responses"])
    assert "403" not in relay["responses"]
    answer = relay["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(spec["components"]["schemas"][answer["$ref"].rsplit("/", 1)[-1]]["properties"]) == {
        "connect_to",
        "job_number",
    }


def test_an_id_in_the_path_documents_404_and_a_write_409(spec):
    for path, method, op in operations(spec):
        if "{" in path:
            assert "404" in op["responses"], (path, method)
        if method in ("post", "put", "patch", "delete"):
            assert "409" in op["responses"], (path, method)


def test_health_documents_its_answer_and_its_503(spec):
    responses = spec["paths"]["/api/health"]["get"]["responses"]
    assert set(responses) == {"200", "503"}
    assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Health"}


def test_the_sync_push_documents_its_body_and_its_answer(spec):
    push = spec["paths"]["/api/sync/push"]["post"]
    body = push["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/PushBody"}
    assert set(spec["components"]["schemas"]["PushBody"]["required"]) == {"client_id", "schema_version", "ops"}
    assert push["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PushAnswer"
    }
    pull = spec["paths"]["/api/sync/pull"]["get"]["responses"]["200"]
    assert pull["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PullAnswer"}


def test_blobs_document_their_bytes_and_answers(spec):
    blob = spec["paths"]["/api/sync/blobs/{sha256}"]
    assert "application/octet-stream" in blob["put"]["requestBody"]["content"]
    assert {"200", "201"} <= set(blob["put"]["responses"])
    assert {"200", "404"} <= set(blob["head"]["responses"])


def test_a_scan_is_one_multipart_body_with_the_photo_and_its_fields(spec):
    scan = spec["paths"]["/api/scans"]["post"]
    assert [p for p in scan.get("parameters", []) if p["in"] not in ("path", "query", "header")] == []
    body = scan["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]
    fields = spec["components"]["schemas"][body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert set(fields["properties"]) == {"image", "job_id", "typed_serial"}
    assert fields["properties"]["image"]["format"] == "binary"


def test_free_rdc_stock_is_documented_as_possibly_null(spec):
    assert spec["components"]["schemas"]["RequisitionLine"]["properties"]["rdc_available"]["nullable"] is True


def test_the_install_base_import_allows_post_only(client, admin):
    """The unit lookup's serial never takes the import's address, so its methods stay its own."""
    response = client.options("/api/install-base/import", headers=admin)
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert client.get("/api/install-base/import", headers=admin).status_code == 405


@pytest.mark.unit
@pytest.mark.parametrize(
    ("method", "path", "operation", "statuses"),
    [
        ("get", "/api/health", {"security": []}, []),
        ("get", "/api/jobs", {}, [401, 403]),
        ("get", "/api/jobs", {"parameters": [{"in": "query", "name": "state"}]}, [401, 403, 422]),
        ("get", "/api/jobs", {"parameters": [{"in": "query", "name": "job_id"}]}, [401, 403, 404, 422]),
        ("get", "/api/jobs/{job_id}", {}, [401, 403, 404, 422]),
        ("post", "/api/jobs/{job_id}/assign", {"requestBody": {}}, [401, 403, 404, 409, 422]),
        ("post", "/api/requests", {"requestBody": {"content": {}}}, [400, 401, 403, 409, 413, 422]),
    ],
)
def test_the_errors_an_operation_documents_follow_from_what_it_takes(method, path, operation, statuses):
    assert ErrorResponses().errors_of(method, path, operation) == statuses
