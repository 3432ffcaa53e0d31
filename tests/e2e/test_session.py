"""The sign-in on a phone: kept for offline work; when it expires offline the work goes on, sync waits for a
new sign-in, and after it everything arrives once. And the language: chosen from the browser, switchable.

On PostgreSQL, with one gunicorn for the module (tests/e2e/conftest.py).
"""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.notifications.models import Notification
from tests.fixtures.browser import PASSWORD

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

EXPIRE = """() => {
    const session = JSON.parse(localStorage.getItem('sanbao-session'));
    session.expiresAt = Date.now() - 1000;
    localStorage.setItem('sanbao-session', JSON.stringify(session));
}"""


def server_state(job_id):
    state = db.session.scalar(select(Job.state).where(Job.id == job_id))
    db.session.rollback()
    return state


def test_work_goes_on_when_the_sign_in_expires_offline_and_syncs_after_a_new_one(phone, catalogue, jobs_of):
    (job_id,) = jobs_of(1)
    device = phone(locale="en")
    page = device.page
    device.sign_in(catalogue.tech1)
    page.locator(f"[data-job-id='{job_id}']").wait_for()
    device.wait_for_service_worker()

    # A long shift without signal: the token runs out on the way.
    device.context.set_offline(True)
    page.evaluate(EXPIRE)
    page.reload()
    device.open_job(job_id)
    device.step("accept", "accepted")
    device.wait_pending(1)

    # Back in signal: sync cannot go on without a new sign-in, and says so; nothing is lost or sent.
    device.context.set_offline(False)
    assert device.sync()["ok"] is False
    link = page.locator(".sync-bar a.problem")
    link.wait_for()
    assert link.text_content() == device.t("sync.loginNeeded")
    assert device.pending() == 1
    assert server_state(job_id) == "dispatched"

    link.click()
    assert page.locator("form.login [role=alert]").text_content() == device.t("login.expired")
    page.locator("input[name=username]").fill(catalogue.tech1.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    device.wait_pending(0)
    assert server_state(job_id) == "accepted"
    assert device.outbox() == []


def test_the_language_comes_from_the_browser_and_can_be_switched(phone, catalogue, jobs_of):
    jobs_of(1)
    device = phone(locale="zh-CN")
    page = device.page
    device.sign_in(catalogue.tech1)
    assert page.locator("h1").text_content() == "我的工单"
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    page.get_by_test_id("language").click()
    page.locator("h1", has_text="My jobs").wait_for()
    # The choice is kept: the app opens in it next time.
    page.reload()
    page.locator("h1", has_text="My jobs").wait_for()
    assert page.get_by_test_id("language").text_content() == "中文"


def test_the_bell_tells_a_notice_in_the_users_language_and_opens_its_job(phone, catalogue, jobs_of):
    (job_id,) = jobs_of(1)  # assigned to tech1: the server told him so
    number = db.session.scalar(select(Job.number).where(Job.id == job_id))
    db.session.rollback()
    device = phone(locale="zh-CN")
    page = device.page
    device.sign_in(catalogue.tech1)
    page.locator("[data-testid=bell-count][data-count='1']").wait_for()
    page.get_by_test_id("bell").click()
    notice = page.get_by_test_id("notices").locator("li[data-kind=job_assigned]")
    # The app's Chinese sentence with the job's number, not the server's English one.
    assert notice.locator("span").text_content() == device.t("notice.job_assigned", number=number)
    assert page.get_by_test_id("bell-unread").text_content() == device.t("bell.unread", count=1)
    notice.locator("a").click()
    page.get_by_test_id("job-detail").wait_for()
    assert page.evaluate("location.hash") == f"#/jobs/{job_id}"
    page.locator("[data-testid=bell-count][hidden]").wait_for(state="attached")
    read_at = db.session.scalar(
        select(Notification.read_at).where(Notification.job_id == job_id, Notification.user_id == catalogue.tech1.id)
    )
    db.session.rollback()
    assert read_at is not None
