"""The app in a real browser: Debian's Chromium driven by Playwright, at a phone's size, against gunicorn.

Playwright's own browser downloads are not used (``playwright install`` needs the internet): the tests drive
``/usr/bin/chromium``, which ``make test`` installs with apt-get (``.ci/system-deps``). Without it they fail,
saying so, rather than skip: a suite that passes without its browser proves nothing about the app.

One gunicorn serves each test module (``live_server``), on PostgreSQL alone, as in production; each module is
marked ``postgres_only``, ``live``, ``commits`` and ``xdist_group`` so that its tests run on one worker beside
their one server (pytest 9.2 with pytest-xdist 3.8 ignores the group, pytest-xdist issue 1386: a module's
tests are then shared out, and each worker that gets one starts a server of its own). The tests stay apart
as before: the tables are emptied after each test (tests/conftest.py), once the server has finished what the
test asked of it, and the photos it kept are removed. The server keeps nothing else between requests (its
caches are of the shell's digest and of schemas). SQLite under gunicorn is not exercised here.

Screenshots of the main screens go to ``tests/e2e/artifacts/`` (git-ignored), named after the backend.
"""

import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from server.extensions import db
from tests.conftest import app_config
from tests.live import LiveClient
from tests.live import LiveServer
from tests.supply.conftest import catalogue  # noqa: F401  (fixtures shared with the parts-supply tests)
from tests.supply.conftest import make_part  # noqa: F401
from tests.supply.conftest import make_policy  # noqa: F401
from tests.supply.conftest import make_product  # noqa: F401
from tests.supply.conftest import make_stock  # noqa: F401
from tests.supply.conftest import open_job  # noqa: F401
from tests.supply.conftest import people  # noqa: F401
from tests.supply.conftest import staff  # noqa: F401
from tests.supply.conftest import stock_books  # noqa: F401
from tests.supply.conftest import walk  # noqa: F401
from tests.supply.conftest import world  # noqa: F401

HERE = Path(__file__).parent
PWA = HERE.parents[1] / "pwa"
ARTIFACTS = HERE / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# A phone: an iPhone 12-14's viewport in CSS pixels, touch, the mobile viewport meta honoured.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
PASSWORD = "correct horse battery"  # make_user's default (tests/conftest.py)
# Each wait is for one screen to update or one sync round on loopback; this only bounds a hang.
WAIT_MS = 15_000
NEEDED = ("idb", "barcode-detector", "zxing-wasm")
# The marks every module with a live server carries (see the module docstring).
LIVE_MODULE_MARKS = ("postgres_only", "live", "commits", "xdist_group")
# How the live server's connections name themselves to PostgreSQL, so that the tests can tell them apart.
LIVE_APPLICATION_NAME = "sanbao-live-server"
# The server's connections still busy, read from PostgreSQL's own list of them.
BUSY = text(
    "SELECT count(*) FROM pg_stat_activity"
    " WHERE datname = current_database() AND application_name = :name AND state <> 'idle'"
)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the end-to-end tests drive Debian's Chromium. "
            "Run `make test` (it installs it), or `sudo apt-get install chromium`."
        )
    missing = [name for name in NEEDED if not (PWA / "node_modules" / name).is_dir()]
    if missing:
        pytest.fail(f"pwa/node_modules lacks {', '.join(missing)}: run `make setup` (npm ci --prefix pwa)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]' (make setup does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def live_server(request, app, database_url, tmp_path_factory):
    """gunicorn with two workers on the tests' database, started once for the module; photos in its own folder."""
    missing = [name for name in LIVE_MODULE_MARKS if request.node.get_closest_marker(name) is None]
    if missing:
        pytest.fail(f"{request.node.name} has a live server but is not marked {', '.join(missing)}")
    photo_dir = tmp_path_factory.mktemp("photos")
    url = make_url(database_url).update_query_dict({"application_name": LIVE_APPLICATION_NAME})
    config = app_config(url.render_as_string(hide_password=False), PHOTO_DIR=str(photo_dir))
    with LiveServer(config, workers=2) as server:
        server.photo_dir = photo_dir
        yield server


@pytest.fixture
def live(live_server, app):
    """The module's server, left after the test as the next one needs it: done with this test's requests
    before the tables are emptied, and holding no photo of this test's."""
    yield live_server
    # The phones are closed by now, but a request they sent may still be running: rows it wrote after the
    # tables were emptied would be the next test's.
    with app.app_context():
        wait_until_idle()
    for entry in live_server.photo_dir.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def wait_until_idle(timeout=WAIT_MS / 1000):
    """Until none of the live server's connections is inside a transaction, twice in a row."""
    deadline = time.monotonic() + timeout
    quiet = 0
    with db.engine.connect() as connection:
        while quiet < 2:
            busy = connection.execute(BUSY, {"name": LIVE_APPLICATION_NAME}).scalar_one()
            # PostgreSQL keeps one picture of its activity per transaction: a new one for each look.
            connection.rollback()
            quiet = quiet + 1 if busy == 0 else 0
            if time.monotonic() > deadline:
                raise AssertionError(f"the live server was still busy {timeout} s after the test")
            time.sleep(0.05)


@pytest.fixture
def api(live):
    """The test's own calls to the live server (the dispatcher's, the lists to compare with)."""
    client = LiveClient(live)
    yield client
    client.forget_connection()


@pytest.fixture
def jobs_of(catalogue, open_job, walk):  # noqa: F811
    """``jobs_of(n, state="assigned")`` → the ids of ``n`` new jobs of P01 given to tech1, walked to ``state``."""

    def make(count, state="assigned"):
        # No serial on the request: a scan teaches it, and one unit can have only one open request.
        return [walk(open_job(serial=None, model="TV55"), state, catalogue.tech1)["id"] for _ in range(count)]

    return make


@pytest.fixture
def phone(browser, live, backend):
    """``phone(locale="zh-CN")`` → a Phone: a fresh browser profile (storage, service worker) at phone size."""
    phones = []

    def make(locale="zh-CN"):
        context = browser.new_context(**PHONE, locale=locale, base_url=live.url)
        context.set_default_timeout(WAIT_MS)
        phones.append(Phone(context, backend))
        return phones[-1]

    yield make
    for made in phones:
        # Shown with a failure's report: what the page said.
        print(f"console of {made.name}:", *made.console, *made.errors, sep="\n  ")
        made.context.close()


class Phone:
    """One browser profile with one page: the technician's phone."""

    def __init__(self, context, name):
        self.context = context
        self.name = name
        self.page = context.new_page()
        self.requests = []
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("requestfailed", lambda request: self.console.append(f"failed: {request.url} {request.failure}"))
        context.on("response", lambda r: r.status >= 400 and self.console.append(f"status {r.status}: {r.url}"))
        self.errors = []
        self.console = []
        self.watch(self.page)

    def watch(self, page):
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))

    def new_page(self):
        """The app opened again in a new tab (the old one closed), as after the phone killed it."""
        self.page.close()
        self.page = self.context.new_page()
        self.watch(self.page)
        return self.page

    def t(self, key, **params):
        """The app's own translation of ``key`` in the page's language (pwa/js/i18n)."""
        text = self.page.evaluate(
            "async ([key, params]) => (await import('/js/i18n/index.js')).t(key, params)", [key, params]
        )
        assert text != key, f"{key} is missing from the app's language tables"
        return text

    def screenshot(self, screen):
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{self.name}-{screen}.png"
        self.page.screenshot(path=path)
        return path

    def sign_in(self, user):
        """Signs in on the page already open, or on a first visit."""
        page = self.page
        # Not a second load: one navigating while the first visit's service worker activates is left
        # uncontrolled (its claim skips a page still being loaded), and the shell would not open offline.
        if page.url == "about:blank":
            page.goto("/")
        page.locator("input[name=username]").fill(user.username)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form.login button[type=submit]").click()
        page.get_by_test_id("job-list").wait_for()

    def wait_for_service_worker(self):
        """Until the service worker has precached the shell and controls the page: the app opens offline."""
        self.page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=WAIT_MS)

    def wait_for_decoder_cached(self):
        self.until(
            """async () => {
                const { DECODER, DECODER_CACHE } = await import('/js/strategies.js');
                const cache = await caches.open(DECODER_CACHE);
                return (await Promise.all(DECODER.map((path) => cache.match(path)))).every(Boolean);
            }""",
            "the service worker to cache the barcode reader",
        )

    def until(self, script, what, arg=None):
        """Poll ``script`` (may be async) in the page until it returns something truthy."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:
            value = self.page.evaluate(script, arg)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {WAIT_MS} ms for {what}")
            time.sleep(0.05)

    def open_job(self, job_id):
        self.page.locator(f"[data-job-id='{job_id}'] a").click()
        self.page.get_by_test_id("job-detail").wait_for()

    def state(self):
        return self.page.get_by_test_id("job-state").get_attribute("class").split("state-")[-1]

    def step(self, name, then_state=None):
        self.page.locator(f".steps [data-step='{name}']").click()
        if then_state:
            self.page.locator(f"[data-testid=job-state].state-{then_state}").wait_for()

    def parts_form(self, step, part_no, qty):
        self.step(step)
        form = self.page.locator(f"form[data-form='{step}']")
        # The parts come from the device's database: wait for the catalogue's options.
        form.locator(f"select[name=part_no] option[value='{part_no}']").wait_for(state="attached")
        form.locator("select[name=part_no]").select_option(part_no)
        form.locator("input[name=qty]").fill(str(qty))
        return form

    def pending(self):
        return int(self.page.get_by_test_id("pending").get_attribute("data-count"))

    def wait_pending(self, count):
        self.page.locator(f"[data-testid=pending][data-count='{count}']").wait_for()

    def outbox(self):
        return self.page.evaluate("globalThis.sanbao.db.getAll('outbox')")

    def photos_held(self):
        return self.page.evaluate("globalThis.sanbao.db.getAllKeys('photos')")

    def sync(self):
        """One sync round now (as the sync bar's button does); its {ok, problem, retryIn}."""
        return self.page.evaluate("globalThis.sanbao.engine.sync()")
