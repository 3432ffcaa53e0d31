"""The proof of a visit in Chromium, end to end: a technician arrives with the phone's position, photographs the
unit before and after the repair (stamped on the phone, the original's hash and EXIF time kept), has the customer
sign on the pad with a finger and completes, all offline; after sync the server holds the fixes, the signature and
the photos. With the position refused the visit still goes, and the screen says so; a wrong code typed offline is
taken and flagged, and the auditor reads the flags in their language. Every screen touched is looked at in both
languages at 360 and 1280 px (tests/e2e/screens.py).

On PostgreSQL, with one gunicorn for the module (tests/fixtures/browser.py).
"""

import hashlib
import io
from datetime import UTC
from datetime import datetime

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy import update

from server.core import geo
from server.evidence.models import EvidencePhoto
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import PositionFix
from server.jobs.models import ServiceRequest
from tests.e2e.screens import AXE
from tests.fixtures.browser import AT_THE_DOOR
from tests.knowledge.factories import ensure_fault_code

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/fixtures/browser.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011


def rows(statement):
    found = db.session.execute(statement).all()
    db.session.rollback()
    return found


def camera_photo(path, colour, taken):
    """A camera's JPEG at ``path``: 1600x1200 with its capture time (and zone) in EXIF, as a phone writes it."""
    exif = Image.Exif()
    exif[EXIF_IFD] = {DATE_TIME_ORIGINAL: taken.strftime("%Y:%m:%d %H:%M:%S"), OFFSET_TIME_ORIGINAL: "+00:00"}
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), colour).save(buffer, "JPEG", exif=exif.tobytes(), quality=85)
    path.write_bytes(buffer.getvalue())
    return path


def offline_phone(phone, catalogue, **device):
    """A phone signed in as tech1, its service worker ready and the screen inspector's axe-core loaded while there
    is a network (the screens are looked at offline), then taken offline."""
    made = phone(**device)
    made.sign_in(catalogue.tech1)
    made.wait_for_service_worker()
    made.page.add_script_tag(url=AXE)
    made.context.set_offline(True)
    return made


def claim_for(api, catalogue, job_id, **typed):
    """The provider manager's claim for the job, from its draft with ``typed`` added: the JSON answer."""
    manager = catalogue.pm1.headers
    ensure_fault_code("E01", title="主板损坏")
    [draft] = api.get("/api/claims/unclaimed", query_string={"job_id": job_id}, headers=manager).get_json()["items"]
    body = {key: value for key, value in draft["claim"].items() if value not in (None, "")} | typed
    claim = api.post("/api/claims", json=body, headers=manager)
    assert claim.status_code == 201, claim.get_json()
    return claim.get_json()


def complete_form(device, summary="更换主板，试机正常"):
    device.step("complete")
    form = device.page.locator("form[data-form='complete']")
    form.locator("textarea[name=summary]").fill(summary)
    form.locator("input[name=confirmed_by]").fill("王先生")
    return form


def test_a_visit_offline_with_the_position_photos_and_a_signature_reaches_the_server(
    live, api, phone, desk, catalogue, jobs_of, make_user, tmp_path
):
    (job_id,) = jobs_of(1, state="accepted")
    # The address as a Chinese map gives it: GCJ-02, some hundreds of metres off the door's WGS-84 position.
    door = (AT_THE_DOOR["latitude"], AT_THE_DOOR["longitude"])
    gcj_lat, gcj_lng = geo.wgs84_to_gcj02(*door)
    request_id = db.session.scalar(select(Job.request_id).where(Job.id == job_id))
    db.session.execute(
        update(ServiceRequest)
        .where(ServiceRequest.id == request_id)
        .values(lat=gcj_lat, lng=gcj_lng, coord_system="gcj02")
    )
    db.session.commit()
    taken = datetime.now(UTC).replace(microsecond=0)
    before = camera_photo(tmp_path / "before.jpg", "firebrick", taken)
    after = camera_photo(tmp_path / "after.jpg", "seagreen", taken)
    device = offline_phone(phone, catalogue, locale="zh-CN")
    page = device.page
    device.open_job(job_id)
    device.step("arrive", "on_site")
    note = page.get_by_test_id("position-note")
    expect(note).to_have_text(device.t("position.taken", accuracy=AT_THE_DOOR["accuracy"]))
    for stage, path in (("before", before), ("after", after)):
        page.get_by_test_id(f"evidence-{stage}").set_input_files(path)
        page.locator(f"[data-testid=evidence] figure[data-stage={stage}] img[src^='blob:']").wait_for()
    problems = device.inspect("proof-job-photos-zh", touch=True)

    form = complete_form(device)
    # The customer signs for what they read above the pad.
    assert form.get_by_test_id("signed-summary").count() == 1
    device.confirm_with_signature(form)
    assert form.get_by_test_id("signed-summary").text_content() == "更换主板，试机正常"
    problems += device.inspect("proof-complete-signature-zh", touch=True)
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-completed").wait_for()
    assert page.get_by_test_id("confirmation-shown").get_attribute("data-method") == "signature"
    assert [op["type"] for op in device.outbox()] == ["job.arrive", "photo.add", "photo.add", "job.complete"]
    ops = device.outbox()
    signature = ops[3]["payload"]["confirmation"]["signature_sha256"]
    assert ops[0]["payload"]["position"]["lat"] == AT_THE_DOOR["latitude"]
    assert ops[3]["payload"]["position"]["accuracy_m"] == AT_THE_DOOR["accuracy"]
    # The originals' hashes and capture times go with the stamped photos; the stamped bytes are new ones.
    originals = [hashlib.sha256(path.read_bytes()).hexdigest() for path in (before, after)]
    assert [op["payload"]["original_sha256"] for op in ops[1:3]] == originals
    assert [op["payload"]["exif_taken_at"] for op in ops[1:3]] == [taken.strftime("%Y-%m-%dT%H:%M:%S.000Z")] * 2
    stamped = [op["payload"]["sha256"] for op in ops[1:3]]
    assert not set(stamped) & set(originals)
    assert sorted(device.photos_held()) == sorted([*stamped, signature])

    device.context.set_offline(False)
    device.wait_pending(0)
    assert device.photos_held() == []
    fixes = rows(select(PositionFix.step, PositionFix.lat, PositionFix.lng).where(PositionFix.job_id == job_id))
    assert sorted(fixes) == [
        ("arrive", AT_THE_DOOR["latitude"], AT_THE_DOOR["longitude"]),
        ("complete", AT_THE_DOOR["latitude"], AT_THE_DOOR["longitude"]),
    ]
    [(method, held_signature)] = rows(select(Job.confirmation_method, Job.signature_sha256).where(Job.id == job_id))
    assert (method, held_signature) == ("signature", signature)
    photos = rows(
        select(EvidencePhoto.stage, EvidencePhoto.sha256, EvidencePhoto.original_sha256)
        .where(EvidencePhoto.job_id == job_id)
        .order_by(EvidencePhoto.id)
    )
    assert photos == [("before", stamped[0], originals[0]), ("after", stamped[1], originals[1])]
    # The signature is a PNG and the photos are JPEGs in the server's store.
    kept = {path.name: path.read_bytes() for path in live.photo_dir.rglob("*") if path.is_file()}
    held = {name: data for name, data in kept.items() if any(name.startswith(sha) for sha in [*stamped, signature])}
    assert len(held) == 3, sorted(kept)
    assert sum(data.startswith(b"\x89PNG") for data in held.values()) == 1

    page.get_by_test_id("job-detail").wait_for()
    problems += device.inspect("proof-job-completed-zh", touch=True)
    page.get_by_test_id("language").click()
    # What the note under the steps said is said again in the language now chosen.
    # The header changes at once; the job's view is drawn again after the device's database is read.
    expect(note).to_have_text(device.t("position.taken", accuracy=AT_THE_DOOR["accuracy"]))
    assert not any("\u4e00" <= char <= "\u9fff" for char in note.text_content())
    problems += device.inspect("proof-job-completed-en", touch=True)

    # The auditor sees both fixes at the door, in metres from the address the server brought back to WGS-84.
    claim = claim_for(api, catalogue, job_id, serial="SN-IN", fault_code="E01")
    assert "FAR_FROM_ADDRESS" not in {flag["code"] for flag in claim["flags"]}
    auditor = desk(locale="en")
    auditor.sign_in_at_desk(make_user("auditor", username="auditor-map"))
    auditor.page.evaluate(f"location.hash = '#/audit/claim/{claim['id']}'")
    plot = auditor.page.get_by_test_id("visit-map")
    plot.get_by_test_id("map-address").wait_for()
    assert plot.locator("circle.fix").count() == 2
    said = auditor.page.locator("figure.visit-plot li").all_text_contents()
    near = auditor.t("visitMap.fix", step=auditor.t("visitMap.step.arrive"), distance="0 m", accuracy="")
    assert said[0].startswith(near.split("(")[0]), said
    plot.scroll_into_view_if_needed()  # the screenshot shows the plot
    problems += auditor.inspect("proof-audit-map-en")
    assert not problems, "\n".join(problems)


def test_with_the_position_refused_the_visit_goes_and_a_wrong_code_is_taken_then_flagged(
    live, api, phone, desk, catalogue, jobs_of, make_user
):
    (job_id,) = jobs_of(1, state="accepted")
    device = offline_phone(phone, catalogue, locale="en", geolocation=None)
    page = device.page
    device.open_job(job_id)
    device.step("arrive", "on_site")
    expect(page.get_by_test_id("position-note")).to_have_text(device.t("position.refused"))

    form = complete_form(device, summary="Replaced the main board")
    form.locator("input[name=confirmation][value=code]").check()
    code = form.get_by_test_id("confirm-code")
    assert code.get_attribute("inputmode") == "numeric"
    # What the server would refuse is refused here: five digits.
    code.fill("12345")
    form.locator("button[type=submit]").click()
    assert form.locator("[data-error-for=confirmation]").text_content() == device.t("confirm.codeSixDigits")
    problems = device.inspect("proof-complete-code-en", touch=True)
    # Six digits that are not the customer's: taken offline, never refused for it.
    code.fill("000000")
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-completed").wait_for()
    assert [op["type"] for op in device.outbox()] == ["job.arrive", "job.complete"]
    assert "position" not in device.outbox()[0]["payload"]

    device.context.set_offline(False)
    device.wait_pending(0)
    assert rows(select(PositionFix.id).where(PositionFix.job_id == job_id)) == []
    [(method, typed, ok)] = rows(
        select(Job.confirmation_method, Job.confirmation_code, Job.confirmation_code_ok).where(Job.id == job_id)
    )
    assert (method, typed) == ("code", "000000")
    # The customer's code is six random digits: 000000 is theirs one time in a million.
    assert ok is False

    # The job was never scanned and no fault code recorded: the provider types both into the claim, as its desk asks.
    claim = claim_for(api, catalogue, job_id, serial="SN-IN", fault_code="E01")
    codes = {flag["code"] for flag in claim["flags"]}
    assert {"NO_CHECKIN", "CODE_MISMATCH"} <= codes

    auditor = desk(locale="zh-CN")
    auditor.sign_in_at_desk(make_user("auditor", username="auditor-proof"))
    auditor.page.evaluate(f"location.hash = '#/audit/claim/{claim['id']}'")
    case = auditor.page.get_by_test_id("claim-case")
    case.get_by_test_id("visit-proof").wait_for()
    flags = case.get_by_test_id("claim-flags")
    assert flags.locator("li[data-flag=NO_CHECKIN] .evidence").text_content() == auditor.t("audit.evidence.NO_CHECKIN")
    assert "核销码" in flags.locator("li[data-flag=CODE_MISMATCH] .evidence").text_content()
    assert case.get_by_test_id("visit-confirmation").text_content() == auditor.t("audit.visit.codeWrong")
    problems += auditor.inspect("proof-audit-claim-zh")
    assert not problems, "\n".join(problems)


def test_the_admin_reads_the_messages_sent_to_customers(phone, desk, catalogue):
    admin = desk(locale="zh-CN")
    admin.sign_in_at_desk(catalogue.admin)
    admin.page.evaluate("location.hash = '#/admin/messages'")
    admin.page.get_by_test_id("admin-messages").wait_for()
    problems = admin.inspect("proof-admin-messages-zh", ready=admin.page.get_by_test_id("admin-messages"))
    assert not problems, "\n".join(problems)
