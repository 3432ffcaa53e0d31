"""The app and the API's documentation run in Chromium under their content security policies, refusing nothing.

Issue 21, finding 10. Every browser test fails on a refusal (the ``phone`` fixture, tests/fixtures/browser.py);
these two look at the pages no other test opens: the API's docs, and the desk's report bars.
"""

import pytest

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/fixtures/browser.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


def test_the_api_docs_render_under_their_policy(phone):
    device = phone(locale="en")
    page = device.page

    page.goto("/api/docs")

    # Swagger UI started (its inline start-up script ran) and read the OpenAPI document (connect-src).
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Sanbao" in page.locator(".swagger-ui .info .title").inner_text()
    # An operation opened, with its parameters, responses and schemas drawn, and one tried out.
    health = page.locator(".swagger-ui .opblock", has=page.locator("[data-path='/api/health']")).first
    health.locator(".opblock-summary").click()
    health.locator(".responses-wrapper").wait_for()
    health.locator("button.try-out__btn").click()
    health.locator("button.execute").click()
    health.locator(".live-responses-table tbody .response-col_status").first.wait_for()
    assert "200" in health.locator(".live-responses-table tbody .response-col_status").first.inner_text()
    page.locator(".swagger-ui section.models").click()
    assert not device.errors


def test_the_shell_opens_signs_in_and_lists_jobs_under_its_policy(phone, catalogue, jobs_of):
    (job_id,) = jobs_of(1)
    device = phone(locale="en")

    device.sign_in(catalogue.tech1)
    device.page.locator(f"[data-job-id='{job_id}']").wait_for()
    device.wait_for_service_worker()

    policy = device.page.evaluate("fetch('/').then((response) => response.headers.get('content-security-policy'))")
    assert "frame-ancestors 'none'" in policy
    assert not device.errors
