"""Live scanning with the phone's camera, in Chromium whose camera films a video made here.

Chromium fakes a camera from a file (``--use-file-for-fake-video-capture``), played in a loop at its frame
rate: a label with its serial as Code 128, or the same label with no barcode. The file is known when the
browser starts, so each test launches its own Chromium (about a second) beside the session's one. The
refusals are real ones, not a stubbed getUserMedia: a browser that may not prompt denies the camera, and one
without a fake device has none. On PostgreSQL, with one gunicorn for the module (tests/e2e/conftest.py).
"""

import time

import pytest
import zxingcpp
from PIL import Image
from PIL import ImageDraw
from sqlalchemy import select

from server.devicesync.models import PushedOp
from server.extensions import db
from server.jobs.models import Scan
from tests.fixtures.browser import CHROMIUM
from tests.fixtures.browser import CHROMIUM_ARGS
from tests.fixtures.browser import PHONE
from tests.fixtures.browser import WAIT_MS
from tests.fixtures.browser import Phone
from tests.scanning import plates

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

SERIAL = "CNK8181G2C"
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
# The streams the page opened, kept by the test to see the camera let go after the app dropped them.
KEEP_STREAMS = """
if (navigator.mediaDevices?.getUserMedia) {
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  globalThis.cameraCalls = [];
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await open(constraints);
    globalThis.cameraCalls.push({ constraints, stream });
    return stream;
  };
}
"""
TRACKS = "globalThis.cameraCalls.flatMap((call) => call.stream.getTracks().map((track) => track.readyState))"
FRAMES = "Number(document.querySelector('[data-testid=scanner]')?.dataset.frames ?? 0)"


def label(serial=None, seed=7):
    """A serial label as a phone camera sees it (tests/scanning/plates.py: pose, light, grain), cropped to a
    720p frame around the label; with the serial as Code 128 under its text when given."""
    picture = Image.new("L", (900, 420), 225)
    draw = ImageDraw.Draw(picture)
    lines = ["SANBAO TV55", "220V~ 50Hz", "SERIAL " + serial if serial else "NO CODE ON THIS ONE"]
    for row, line in enumerate(lines):
        draw.text((40, 30 + row * 34), line, fill=30)
    if serial:
        picture.paste(plates.barcode(serial, zxingcpp.BarcodeFormat.Code128), (40, 180))
    return plates.capture(picture, seed=seed, where=(1.5, 12, -8, 0.85)).crop((40, 4, 1320, 724))


def filmed(serial=None):
    """A few frames of the label, each with its own grain, as a held phone's camera gives them."""
    return [label(serial, seed) for seed in range(7, 11)]


def write_y4m(path, frames):
    """Raw 4:2:0 video, the format Chromium's fake camera reads: a header, then each frame's Y, U and V planes."""
    width, height = frames[0].size
    half = (width // 2, height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            y, u, v = frame.convert("RGB").convert("YCbCr").split()
            out.write(b"FRAME\n")
            out.write(y.tobytes())
            out.write(u.resize(half, Image.Resampling.BOX).tobytes())
            out.write(v.resize(half, Image.Resampling.BOX).tobytes())
    return path


def rows(statement):
    found = db.session.execute(statement).all()
    db.session.rollback()
    return found


@pytest.fixture
def camera_phone(browser, live, backend, tmp_path):
    """``camera_phone(frames, locale="zh-CN", refuse=False)`` → a Phone whose camera films ``frames`` in a
    loop; ``frames=None``: a phone with no camera at all; ``refuse``: the camera is there and denied."""
    made = []

    def make(frames, locale="zh-CN", refuse=False):
        args = list(CHROMIUM_ARGS)
        if frames is not None:
            video = write_y4m(tmp_path / f"camera-{len(made)}.y4m", frames)
            # Without the fake prompt and without the permission, Chromium answers the page's ask with a no.
            args += FAKE_CAMERA[:1] if refuse else FAKE_CAMERA
            args.append(f"--use-file-for-fake-video-capture={video}")
        chromium = browser.browser_type.launch(executable_path=str(CHROMIUM), args=args)
        context = chromium.new_context(
            **PHONE, locale=locale, base_url=live.url, permissions=[] if refuse else ["camera"]
        )
        context.set_default_timeout(WAIT_MS)
        context.add_init_script(KEEP_STREAMS)
        made.append((chromium, Phone(context, backend)))
        return made[-1][1]

    yield make
    for chromium, phone in made:
        print(f"console of {phone.name}:", *phone.console, *phone.errors, sep="\n  ")
        chromium.close()


def wait_for_status(phone, text):
    status = phone.page.get_by_test_id("scan-status")
    phone.page.wait_for_function("([el, text]) => el.textContent === text", arg=[status.element_handle(), text])


def test_the_camera_reads_the_label_and_the_server_keeps_one_camera_scan(camera_phone, catalogue, jobs_of):
    (job_id,) = jobs_of(1, state="on_site")
    phone = camera_phone(filmed(SERIAL))
    page = phone.page
    phone.sign_in(catalogue.tech1)
    phone.open_job(job_id)
    client_id = page.evaluate("globalThis.sanbao.db.get('meta', 'client_id')")

    phone.step("scan")
    page.get_by_test_id("scan-camera").click()
    wait_for_status(phone, phone.t("scan.found", serial=SERIAL))
    assert page.get_by_test_id("scan-serial").input_value() == SERIAL
    phone.screenshot("camera-read")
    # Read from frames of the rear camera, and the camera let go as soon as the serial was read.
    assert page.evaluate(FRAMES) >= 1
    assert page.evaluate("globalThis.cameraCalls.map((call) => call.constraints.video.facingMode)") == [
        {"ideal": "environment"}
    ]
    assert page.evaluate(TRACKS) == ["ended"]
    assert page.evaluate("document.querySelector('[data-testid=scan-video]').srcObject") is None
    assert page.get_by_test_id("scan-video").is_hidden()

    page.get_by_test_id("scan-use").click()
    page.get_by_test_id("serial").filter(has_text=SERIAL).wait_for()
    phone.wait_pending(0)
    assert phone.sync()["ok"] is True
    assert rows(select(PushedOp.type, PushedOp.result).where(PushedOp.client_id == client_id)) == [
        ("scan.add", "applied")
    ]
    # A live read keeps no photo: none on the phone, none named by the scan.
    assert rows(select(Scan.serial, Scan.source, Scan.symbology, Scan.photo_sha256).where(Scan.job_id == job_id)) == [
        (SERIAL, "camera", "code_128", None)
    ]
    assert phone.photos_held() == []
    assert [url for url in phone.requests if "/api/sync/blobs" in url] == []
    assert phone.errors == []


@pytest.mark.parametrize("way_out", ["stop", "cancel", "leave"])
def test_a_camera_seeing_no_barcode_keeps_looking_saves_nothing_and_is_let_go_on_the_way_out(
    camera_phone, catalogue, jobs_of, way_out
):
    (job_id,) = jobs_of(1, state="on_site")
    phone = camera_phone(filmed(serial=None))
    page = phone.page
    phone.sign_in(catalogue.tech1)
    phone.open_job(job_id)

    phone.step("scan")
    scanner = page.get_by_test_id("scanner").element_handle()
    page.get_by_test_id("scan-camera").click()
    # Frame after frame read, none with a barcode: still looking, nothing filled in.
    phone.until(f"{FRAMES} >= 5", "the scanner to read five frames")
    assert page.get_by_test_id("scan-status").text_content() == phone.t("scan.cameraLooking")
    assert page.get_by_test_id("scan-serial").input_value() == ""
    assert page.get_by_test_id("scan-video").is_visible()
    assert page.evaluate(TRACKS) == ["live"]
    if way_out == "stop":
        phone.screenshot("camera-live")

    if way_out == "stop":
        page.get_by_test_id("scan-camera-stop").click()
    elif way_out == "cancel":
        page.get_by_test_id("scanner").get_by_role("button", name=phone.t("form.cancel")).click()
    else:
        page.locator("a.back").click()
        page.get_by_test_id("job-list").wait_for()
    # Leaving the screen says nothing to the scanner: it sees itself gone at its next frame.
    phone.until(f"{TRACKS}.every((state) => state === 'ended')", "the camera to be let go")
    assert page.evaluate("(root) => root.querySelector('video').srcObject", scanner) is None
    # And it reads no more frames.
    frames = page.evaluate("(root) => Number(root.dataset.frames)", scanner)
    time.sleep(0.6)
    assert page.evaluate("(root) => Number(root.dataset.frames)", scanner) == frames
    if way_out == "stop":
        # Back to the panel as it opened: the camera can be started again, and the photo is still offered.
        assert page.get_by_test_id("scan-camera").is_enabled()
        assert page.get_by_test_id("scan-video").is_hidden()
        assert page.get_by_test_id("scan-status").text_content() == ""
        assert page.get_by_test_id("scan-photo").count() == 1
    else:
        assert page.get_by_test_id("scanner").count() == 0

    assert phone.outbox() == []
    assert phone.pending() == 0
    assert rows(select(Scan.id).where(Scan.job_id == job_id)) == []
    assert phone.errors == []


@pytest.mark.parametrize(
    ("camera", "locale", "language", "message"),
    [("refused", "zh-CN", "zh-CN", "scan.cameraRefused"), ("absent", "en-GB", "en", "scan.cameraMissing")],
)
def test_a_camera_refused_or_absent_is_said_in_the_users_language_and_the_photo_still_reads(
    camera_phone, catalogue, jobs_of, tmp_path, camera, locale, language, message
):
    (job_id,) = jobs_of(1, state="on_site")
    phone = camera_phone(filmed(SERIAL) if camera == "refused" else None, locale=locale, refuse=camera == "refused")
    page = phone.page
    phone.sign_in(catalogue.tech1)
    phone.open_job(job_id)

    phone.step("scan")
    page.get_by_test_id("scan-camera").click()
    # In the phone's language, as its own table has it.
    wait_for_status(phone, page.evaluate(f"async () => (await import('/js/i18n/{language}.js')).default['{message}']"))
    phone.screenshot(f"camera-{camera}")
    assert page.get_by_test_id("scan-video").is_hidden()
    assert page.get_by_test_id("scan-camera").is_enabled()
    assert page.evaluate("globalThis.cameraCalls.length") == 0

    # The photo of the same label still reads.
    photo = tmp_path / "label.jpg"
    photo.write_bytes(plates.jpeg_bytes(label(SERIAL)))
    page.get_by_test_id("scan-photo").set_input_files(photo)
    wait_for_status(phone, phone.t("scan.found", serial=SERIAL))
    assert page.get_by_test_id("scan-serial").input_value() == SERIAL
    assert phone.outbox() == []
    assert phone.errors == []
