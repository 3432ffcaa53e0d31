"""Close-out (核销), serial scans and cancellation: how a job ends, and what its end frees.

A warranty job closes only with its completion record and a barcode read of
the serial (camera or photo; a typed serial is not proof). Paid and
installation work close without a scan. Closing or cancelling frees the unit
for a new request.
"""

from datetime import datetime

import pytest

from tests.fixtures.device import label_photo
from tests.fixtures.device import sha256_of
from tests.fixtures.jobs import request_body
from tests.helpers import assert_error

PHOTO = label_photo()
PHOTO_SHA = sha256_of(PHOTO)


def scan_body(source, serial="SN-IN"):
    body = {"serial": serial, "source": source, "symbology": "CODE128" if source != "typed" else ""}
    if source == "photo":
        body["photo_sha256"] = PHOTO_SHA
    return body


@pytest.fixture(autouse=True)
def photo_sent(app, client, people, tmp_path, monkeypatch):
    """tech1's phone has uploaded the label photo its photo scans cite (kept in the test's own folder)."""
    monkeypatch.setitem(app.config, "PHOTO_DIR", str(tmp_path / "photos"))
    sent = client.put(f"/api/sync/blobs/{PHOTO_SHA}", data=PHOTO, headers=people.tech1.headers)
    assert sent.status_code == 201, sent.get_json()


@pytest.fixture
def post(client, people):
    """``post(job, "/close", body, user=dispatcher)`` → the response."""

    def send(job, path, body=None, user=None):
        user = user or people.dispatcher
        return client.post(f"/api/jobs/{job['id']}{path}", json=body or {}, headers=user.headers)

    return send


@pytest.fixture
def completed(open_job, walk, post, people):
    """``completed(*scan_sources, **request_fields)`` → a job completed after scans of those sources (none: none)."""

    def make(*sources, **request_fields):
        job = open_job(**request_fields)
        walk(job, "on_site")
        for source in sources:
            response = post(job, "/scans", scan_body(source), user=people.tech1)
            assert response.status_code == 201, response.get_json()
        response = post(job, "/complete", {"summary": "换主板", "confirmed_by": "王先生"}, user=people.tech1)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def reach_on_site(open_job, walk):
    """``reach_on_site(**request_fields)`` → a new job's JSON once tech1 is on site (no scan yet)."""

    def make(**request_fields):
        job = open_job(**request_fields)
        walk(job, "on_site")
        return job

    return make


# ---------------------------------------------------------------- close-out


@pytest.mark.parametrize("sources", [(), ("typed",), ("typed", "typed")], ids=["no-scan", "typed", "typed-twice"])
def test_a_warranty_job_without_a_barcode_scan_cannot_be_closed(completed, post, sources):
    job = completed(*sources)
    error = assert_error(post(job, "/close"), 409, "close_out_incomplete")
    assert error["details"] == {"missing": ["serial scan"]}


def test_a_refused_close_out_changes_nothing(completed, post, snapshot):
    job = completed("typed")
    before = snapshot()
    assert post(job, "/close").status_code == 409
    assert snapshot() == before


@pytest.mark.parametrize(
    "sources", [("camera",), ("photo",), ("typed", "camera")], ids=["camera", "photo", "typed+camera"]
)
def test_a_warranty_job_with_a_barcode_scan_closes(completed, post, fetch, sources):
    job = completed(*sources)
    response = post(job, "/close", {"note": "核销"})
    assert response.status_code == 200, response.get_json()
    again = fetch(job["id"])
    assert (again["state"], again["closed_at"] is not None) == ("closed", True)


def test_a_barcode_scan_taken_after_completion_lets_the_job_close(completed, post, people):
    job = completed("typed")
    assert post(job, "/scans", scan_body("camera"), user=people.tech1).status_code == 201
    assert post(job, "/close").status_code == 200


@pytest.mark.parametrize(
    ("fields", "job_type"),
    [({"serial": "SN-OLD"}, "paid"), ({"job_type": "installation"}, "installation"), ({"job_type": "paid"}, "paid")],
    ids=["out-of-warranty", "installation", "paid-by-choice"],
)
def test_work_that_is_not_warranty_closes_without_a_scan(completed, post, fields, job_type):
    job = completed(**fields)
    assert job["job_type"] == job_type
    response = post(job, "/close")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["state"] == "closed"


def test_the_close_out_is_recorded_with_its_note_and_who_closed(completed, post, events):
    job = completed("camera")
    post(job, "/close", {"note": "资料齐全"})
    last = events(job["id"])[-1]
    assert (last["kind"], last["from_state"], last["to_state"], last["actor"], last["note"]) == (
        "close",
        "completed",
        "closed",
        "dispatcher",
        "资料齐全",
    )


def test_before_close_out_the_unit_has_an_open_request(client, people, completed):
    job = completed("camera")
    response = client.post("/api/requests", json=request_body(), headers=people.agent.headers)
    error = assert_error(response, 409, "open_request_exists")
    assert error["details"]["job_id"] == job["id"]


def test_closing_frees_the_unit_for_a_new_request(client, people, completed, post):
    job = completed("camera")
    assert post(job, "/close").status_code == 200
    response = client.post("/api/requests", json=request_body(), headers=people.agent.headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["id"] != job["id"]


@pytest.mark.parametrize("who", ["pm1", "admin", "dispatcher"])
def test_the_jobs_provider_manager_and_the_call_centre_may_close(completed, post, people, who):
    job = completed("camera")
    response = post(job, "/close", user=getattr(people, who))
    assert response.status_code == 200, response.get_json()


def test_another_providers_manager_cannot_see_the_job_to_close_it(completed, post, people, snapshot):
    job = completed("camera")
    before = snapshot()
    assert_error(post(job, "/close", user=people.pm2), 404, "job_not_found")
    assert snapshot() == before


# ---------------------------------------------------------------- scans


def test_a_scan_is_answered_with_what_was_kept(reach_on_site, post, people):
    job = reach_on_site()
    sent = "2025-06-01T09:30:15.250000+08:00"
    response = post(job, "/scans", scan_body("photo") | {"device_time": sent}, user=people.tech1)
    assert response.status_code == 201, response.get_json()
    scan = response.get_json()
    assert datetime.fromisoformat(scan["device_time"]) == datetime.fromisoformat(sent)
    assert {k: scan[k] for k in ("job_id", "serial", "source", "symbology", "photo_sha256")} == {
        "job_id": job["id"],
        "serial": "SN-IN",
        "source": "photo",
        "symbology": "CODE128",
        "photo_sha256": PHOTO_SHA,
    }


def test_a_scan_on_a_request_without_serial_gives_the_request_its_serial(reach_on_site, post, people, fetch):
    job = reach_on_site(serial=None)
    assert job["request"]["serial"] == ""
    post(job, "/scans", scan_body("camera", serial=" sn-new-1 "), user=people.tech1)
    assert fetch(job["id"])["request"]["serial"] == "SN-NEW-1"


def test_a_serial_learnt_from_a_scan_blocks_a_second_open_request_for_the_unit(
    client, reach_on_site, post, people, snapshot
):
    job = reach_on_site(serial=None)
    post(job, "/scans", scan_body("camera", serial="SN-NEW-1"), user=people.tech1)
    before = snapshot()
    response = client.post("/api/requests", json=request_body(serial="SN-NEW-1"), headers=people.agent.headers)
    error = assert_error(response, 409, "open_request_exists")
    assert error["details"]["job_id"] == job["id"]
    assert snapshot() == before


def test_a_serial_learnt_from_a_scan_is_freed_by_the_close_out(client, reach_on_site, post, people):
    job = reach_on_site(serial=None)
    post(job, "/scans", scan_body("camera", serial="SN-NEW-1"), user=people.tech1)
    post(job, "/complete", {"summary": "换主板", "confirmed_by": "王先生"}, user=people.tech1)
    assert post(job, "/close").status_code == 200
    response = client.post("/api/requests", json=request_body(serial="SN-NEW-1"), headers=people.agent.headers)
    assert response.status_code == 201, response.get_json()


def test_a_scan_of_a_unit_open_elsewhere_is_kept_and_names_the_other_request(
    client, open_job, reach_on_site, post, people, events
):
    holder = open_job()
    job = reach_on_site(serial=None)
    response = post(job, "/scans", scan_body("camera", serial="SN-IN"), user=people.tech1)
    assert response.status_code == 201, response.get_json()
    assert events(job["id"])[-1]["data"]["open_request_elsewhere"] == holder["request"]["number"]
    again = client.post("/api/requests", json=request_body(), headers=people.agent.headers)
    assert assert_error(again, 409, "open_request_exists")["details"]["job_id"] == holder["id"]


def test_a_scan_does_not_change_a_serial_the_request_already_has(reach_on_site, post, people, fetch):
    job = reach_on_site()
    post(job, "/scans", scan_body("camera", serial="SN-OTHER"), user=people.tech1)
    assert fetch(job["id"])["request"]["serial"] == "SN-IN"


@pytest.mark.parametrize(
    ("request_serial", "scanned", "matches"),
    [("SN-IN", "SN-IN", True), ("SN-IN", " sn-in ", True), ("SN-IN", "SN-OTHER", False), (None, "SN-NEW-1", True)],
    ids=["same", "same-normalised", "different", "request-without-serial"],
)
def test_the_scan_event_says_whether_the_serial_matches_the_request(
    reach_on_site, post, people, events, request_serial, scanned, matches
):
    job = reach_on_site(serial=request_serial)
    scan = post(job, "/scans", scan_body("typed", serial=scanned), user=people.tech1).get_json()
    last = events(job["id"])[-1]
    assert last["kind"] == "scan"
    assert last["data"] == {
        "scan_id": scan["id"],
        "serial": scanned.strip().upper(),
        "source": "typed",
        "matches_request": matches,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"serial": "SN IN"}, "serial"),
        ({"serial": ""}, "serial"),
        ({"serial": "   "}, "serial"),
        ({"source": "barcode"}, "source"),
        ({"photo_sha256": "not-a-hash"}, "photo_sha256"),
        ({"device_time": "2025-06-01T10:00:00"}, "device_time"),
    ],
    ids=["space-in-serial", "empty-serial", "blank-serial", "unknown-source", "bad-hash", "naive-device-time"],
)
def test_a_bad_scan_is_422_naming_the_field_and_keeps_nothing(reach_on_site, post, people, snapshot, body, field):
    job = reach_on_site()
    before = snapshot()
    assert_error(post(job, "/scans", scan_body("camera") | body, user=people.tech1), 422, "validation_error", [field])
    assert snapshot() == before


# ---------------------------------------------------------------- cancel


@pytest.mark.parametrize(
    "body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}], ids=["missing", "empty", "blank", "null"]
)
def test_a_cancel_without_a_reason_is_422_and_changes_nothing(reach_on_site, post, snapshot, body):
    job = reach_on_site()
    before = snapshot()
    assert_error(post(job, "/cancel", body), 422, "validation_error", fields=["reason"])
    assert snapshot() == before


def test_a_cancelled_job_keeps_its_reason(reach_on_site, post, fetch):
    job = reach_on_site()
    assert post(job, "/cancel", {"reason": " 客户已自行修好 "}).status_code == 200
    again = fetch(job["id"])
    assert (again["state"], again["cancel_reason"]) == ("cancelled", "客户已自行修好")


@pytest.mark.parametrize("who", ["agent", "dispatcher", "admin"])
def test_the_call_centre_may_cancel(reach_on_site, post, people, who):
    job = reach_on_site()
    response = post(job, "/cancel", {"reason": "客户取消"}, user=getattr(people, who))
    assert response.status_code == 200, response.get_json()


def test_cancelling_frees_the_unit_for_a_new_request(client, people, reach_on_site, post):
    job = reach_on_site()
    assert post(job, "/cancel", {"reason": "客户取消"}).status_code == 200
    response = client.post("/api/requests", json=request_body(), headers=people.agent.headers)
    assert response.status_code == 201, response.get_json()


def test_the_technician_and_the_providers_managers_are_told_of_a_cancel(reach_on_site, post, notified):
    job = reach_on_site()
    post(job, "/cancel", {"reason": "客户取消"})
    told = {name: notified(name, "job_cancelled") for name in ("tech1", "pm1", "tech2", "pm2", "tech3")}
    assert told == {"tech1": [job["id"]], "pm1": [job["id"]], "tech2": [], "pm2": [], "tech3": []}


def test_the_cancel_notification_carries_the_reason(reach_on_site, post, client, people):
    job = reach_on_site()
    post(job, "/cancel", {"reason": "客户已自行修好"})
    items = client.get("/api/notifications", headers=people.tech1.headers).get_json()["items"]
    assert [n["message"] for n in items if n["kind"] == "job_cancelled"] == [
        f"Job {job['number']} was cancelled: 客户已自行修好"
    ]


def test_cancelling_a_job_nobody_holds_yet_notifies_nobody(open_job, post, notified):
    job = open_job()
    assert post(job, "/cancel", {"reason": "重复报修"}).status_code == 200
    assert [notified(name, "job_cancelled") for name in ("tech1", "pm1", "pm2")] == [[], [], []]
