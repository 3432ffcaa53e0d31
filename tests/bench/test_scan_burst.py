"""Benchmark: costly label photos uploaded together, and how long /api/health waits meanwhile (issue 21, finding 3).

gunicorn with 4 sync workers on PostgreSQL, the server's default limits and budget. Four uploads at once of
each kind: a 7000x7000 PNG of one colour (refused from its header now; 7-16 s of CPU each before, and
/api/health waited 34 s behind four of them), and the costliest photo within the limits (4096x4096 of noise:
read to the end by every engine). Health is asked every 100 ms from its own connection throughout; the
figures are each upload's status and time, and health's slowest answer.
"""

import io
import statistics
import threading
import time

import numpy as np
import pytest
from PIL import Image
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import app_config
from tests.fixtures.browser import LIVE_APPLICATION_NAME
from tests.live import LiveClient
from tests.live import LiveServer

pytestmark = [pytest.mark.postgres_only, pytest.mark.commits]

UPLOADS = 4


def png(array):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(app, database_url, tmp_path_factory):
    url = make_url(database_url).update_query_dict({"application_name": LIVE_APPLICATION_NAME})
    config = app_config(
        url.render_as_string(hide_password=False),
        PHOTO_DIR=str(tmp_path_factory.mktemp("photos")),
        SCAN_DECODE_DIR=str(tmp_path_factory.mktemp("decoders")),
    )
    with LiveServer(config, workers=4) as live:
        yield live


def burst(server, user, data):
    """``(answers [(status, code, seconds)], health's slowest answer in ms, health's median in ms)``."""
    answers = []
    health = []
    done = threading.Event()

    def send():
        client = LiveClient(server, timeout=120)
        boundary, body = encode_multipart({"image": FileStorage(io.BytesIO(data), "label.png")})
        began = time.perf_counter()
        response = client.post(
            "/api/scans", data=body, content_type=f"multipart/form-data; boundary={boundary}", headers=user.headers
        )
        code = (response.get_json() or {}).get("error", {}).get("code", "")
        answers.append((response.status_code, code, time.perf_counter() - began))
        client.forget_connection()

    def watch():
        client = LiveClient(server, timeout=120)
        while not done.is_set():
            began = time.perf_counter()
            client.get("/api/health")
            health.append((time.perf_counter() - began) * 1000)
            time.sleep(0.1)
        client.forget_connection()

    watcher = threading.Thread(target=watch)
    watcher.start()
    senders = [threading.Thread(target=send) for _ in range(UPLOADS)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    done.set()
    watcher.join()
    return sorted(answers), max(health), statistics.median(health)


def test_costly_photos_together(server, people, machine):
    tile = np.random.default_rng(7).integers(0, 256, (64, 64), dtype=np.uint8)
    photos = {
        "7000x7000 of one colour": png(np.full((7000, 7000), 200, dtype=np.uint8)),
        "4096x4096 of noise": png(np.tile(tile, (65, 65))[:4096, :4096]),
    }
    print(f"\n{UPLOADS} uploads at once to gunicorn (4 workers) on {machine}")
    for name, data in photos.items():
        answers, slowest, median = burst(server, people.tech1, data)
        shown = ", ".join(f"{status} {code} {seconds:.1f} s".replace("  ", " ") for status, code, seconds in answers)
        print(f"{name} ({len(data) // 1024} KB): {shown}; /api/health median {median:.0f} ms, slowest {slowest:.0f} ms")
