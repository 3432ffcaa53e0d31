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


def test_the_technicians_visit_screens_in_both_languages(api, phone, catalogue, jobs_of, make_part, make_stock):
    """The screens of the visit: the call's outcome, the parts received, a finished job's record, the work the
    server refused, the notices, and signing out with work waiting."""
    make_part("MOTOR", name="Motor", price_cents=45_000)
    make_stock("RDC-370000", "MOTOR", 1)
    to_call, short, finished, taken = jobs_of(4, state="on_site")
    tech = catalogue.tech1.headers
    answer = api.post(f"/api/jobs/{short}/shortages", json=[{"part_no": "MOTOR", "qty": 1}], headers=tech)
    assert answer.status_code == 201, answer.get_json()
    clerk = catalogue.clerk.headers
    approved = api.post(f"/api/requisitions/{answer.get_json()['id']}/approve", json={}, headers=clerk)
    assert approved.status_code == 200, approved.get_json()
    [order] = api.get(f"/api/sales-orders?requisition_id={answer.get_json()['id']}", headers=clerk).get_json()["items"]
    assert api.post(f"/api/sales-orders/{order['id']}/ship", headers=clerk).status_code == 200
    for path, body in (
        ("scans", {"serial": "SN-IN", "source": "camera"}),
        ("parts-used", [{"part_no": "BOARD", "qty": 1}]),
        ("complete", {"summary": "换主板", "confirmed_by": "王先生"}),
    ):
        done = api.post(f"/api/jobs/{finished}/{path}", json=body, headers=tech)
        assert done.status_code in (200, 201), done.get_json()

    device = phone(locale="zh-CN")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.wait_for_service_worker()
    # Work the server will refuse: a note on a job given to someone else while the phone had no signal.
    device.context.set_offline(True)
    device.open_job(taken)
    device.step("note")
    page.locator("form[data-form='note'] textarea").fill("客户要求带旧件")
    page.locator("form[data-form='note'] button[type=submit]").click()
    device.wait_pending(1)
    moved = api.post(
        f"/api/jobs/{taken}/assign", json={"technician_id": catalogue.tech2.id}, headers=catalogue.dispatcher.headers
    )
    assert moved.status_code == 200, moved.get_json()
    device.context.set_offline(False)
    page.get_by_test_id("rejected").wait_for()
    device.wait_pending(0)

    problems = []
    for language in ("zh", "en"):
        page.evaluate(f"location.hash = '#/jobs/{to_call}'")
        device.step("contact")
        problems += device.inspect(
            f"technician-contact-{language}", touch=True, ready=page.locator("form[data-form=contact]")
        )
        for form in ("complete", "partsUsed"):
            page.evaluate(f"location.hash = '#/jobs/{to_call}'")
            device.step(form)
            ready = page.locator(f"form[data-form={form}]")
            problems += device.inspect(f"technician-form-{form}-{language}", touch=True, ready=ready)
        page.evaluate(f"location.hash = '#/jobs/{short}'")
        page.get_by_test_id("requisitions").locator("[data-action=receive]").click()
        problems += device.inspect(
            f"technician-receipt-{language}", touch=True, ready=page.locator("form[data-form=receive]")
        )
        page.evaluate(f"location.hash = '#/jobs/{finished}'")
        record = page.get_by_test_id("job-record").locator("li[data-kind='complete']")
        problems += device.inspect(f"technician-record-{language}", touch=True, ready=record)
        page.evaluate("location.hash = '#/refused'")
        problems += device.inspect(
            f"technician-refused-{language}", touch=True, ready=page.get_by_test_id("refused-list")
        )
        page.get_by_test_id("bell").click()
        problems += device.inspect(f"technician-notices-{language}", touch=True, ready=page.get_by_test_id("notices"))
        page.get_by_test_id("bell").click()
        switch_language(device)

    # Signing out with work waiting: the dialog, in both languages.
    page.evaluate(f"location.hash = '#/jobs/{to_call}'")
    device.context.set_offline(True)
    device.step("note")
    page.locator("form[data-form='note'] textarea").fill("客户不在家")
    page.locator("form[data-form='note'] button[type=submit]").click()
    device.wait_pending(1)
    for language in ("en", "zh"):
        page.get_by_test_id("sign-out-button").click()
        problems += device.inspect(f"technician-sign-out-{language}", touch=True, ready=page.get_by_test_id("sign-out"))
        page.get_by_test_id("sign-out").locator("[data-action=stay]").click()
        switch_language(device)
    assert not problems, "\n".join(problems)


def test_the_parts_clerks_and_the_claim_desks_screens_in_both_languages(api, desk, catalogue, jobs_of):
    short, finished = jobs_of(2, state="on_site")
    tech = catalogue.tech1.headers
    raised = api.post(f"/api/jobs/{short}/shortages", json=[{"part_no": "BOARD", "qty": 2}], headers=tech)
    assert raised.status_code in (200, 201), raised.get_json()
    scanned = api.post(f"/api/jobs/{finished}/scans", json={"serial": "SN-IN", "source": "camera"}, headers=tech)
    assert scanned.status_code == 201, scanned.get_json()
    completion = {"summary": "换主板", "confirmed_by": "王先生"}
    done = api.post(f"/api/jobs/{finished}/complete", json=completion, headers=tech)
    assert done.status_code == 200, done.get_json()

    problems = []
    clerk = desk(locale="en")
    page = clerk.page
    clerk.sign_in_at_desk(catalogue.clerk)
    for language in ("en", "zh"):
        page.evaluate("location.hash = '#/requisitions'")
        problems += clerk.inspect(f"clerk-queue-{language}", ready=page.get_by_test_id("pending-requisitions"))
        page.get_by_test_id("pending-requisitions").locator("a").first.click()
        problems += clerk.inspect(f"clerk-requisition-{language}", ready=page.get_by_test_id("requisition-status"))
        switch_language(clerk)

    manager = desk(locale="zh-CN")
    page = manager.page
    manager.sign_in_at_desk(catalogue.pm1)
    for language in ("zh", "en"):
        page.evaluate("location.hash = '#/claims'")
        problems += manager.inspect(f"claims-{language}", ready=page.get_by_test_id("unclaimed-jobs"))
        page.evaluate(f"location.hash = '#/claims/job/{finished}'")
        problems += manager.inspect(f"claim-form-{language}", ready=page.locator("form.claim-form"))
        page.evaluate("location.hash = '#/account'")
        problems += manager.inspect(f"account-{language}", ready=page.locator(".figures"))
        switch_language(manager)
    assert not problems, "\n".join(problems)
