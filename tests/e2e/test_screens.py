"""The screens that were in the app before the desks, looked at as their users do (tests/e2e/screens.py): at a
360 px phone and a 1280 px laptop, in Chinese and in English, with no sideways overflow, no null or raw code, no
serious accessibility violation, and on the technician's screens every control at least 44×44 px. Each desk's
own module looks at its screens the same way.

On PostgreSQL, with one gunicorn for the module (tests/e2e/conftest.py).
"""

import pytest

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


def switch_language(device):
    device.page.get_by_test_id("language").click()


def test_the_technicians_screens_in_both_languages(phone, catalogue, jobs_of):
    waiting, on_site = jobs_of(1, state="assigned") + jobs_of(1, state="on_site")
    device = phone(locale="zh-CN")
    page = device.page
    device.sign_in(catalogue.tech1)
    page.locator(f"[data-job-id='{on_site}']").wait_for()
    problems = []
    for language in ("zh", "en"):
        page.evaluate("location.hash = '#/jobs'")
        problems += device.inspect(f"technician-jobs-{language}", touch=True, ready=page.get_by_test_id("job-list"))
        for job in (waiting, on_site):
            page.evaluate(f"location.hash = '#/jobs/{job}'")
            page.get_by_test_id("job-detail").wait_for()
            problems += device.inspect(f"technician-job-{device.state()}-{language}", touch=True)
        page.evaluate("location.hash = '#/knowledge'")
        problems += device.inspect(
            f"technician-knowledge-{language}", touch=True, ready=page.get_by_test_id("kb-results")
        )
        switch_language(device)
    assert not problems, "\n".join(problems)
