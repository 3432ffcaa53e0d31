"""The health check and the served documents."""

import pytest

pytestmark = pytest.mark.both_backends


def test_health_answers_ok_and_needs_no_token(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_health_reports_an_unreachable_database_as_503(app_config_for_broken_db):
    client = app_config_for_broken_db.test_client()
    response = client.get("/api/health")
    assert response.status_code == 503
    assert response.json["error"]["code"] == "database_unavailable"


def test_openapi_document_lists_the_api(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    assert "/api/auth/token" in spec["paths"]
    assert "/api/admin/import/{kind}" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_docs_page_and_its_assets_are_served_locally(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/api/docs/assets/swagger-ui-bundle.js" in page.data
    asset = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()
