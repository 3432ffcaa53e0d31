"""POST /api/scans under gunicorn: each worker reads photos in children of its own fork server, under the budget.

The in-process tests (test_scans_api.py) prove the rules; this proves the machinery where it runs in
production: a gunicorn worker starting the fork server, a child stopped at its CPU budget, the worker
answering on. One server for the module, on PostgreSQL, with a budget of 1 s of CPU.
"""

import io

import numpy as np
import pytest
from PIL import Image
from sqlalchemy.engine import make_url
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import app_config
from tests.fixtures.browser import LIVE_APPLICATION_NAME
from tests.fixtures.browser import wait_until_idle
from tests.live import LiveClient
from tests.live import LiveServer
from tests.scanning.plates import capture
from tests.scanning.plates import jpeg_bytes
from tests.scanning.plates import plate

pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


@pytest.fixture(scope="module")
def reader(app, database_url, tmp_path_factory):
    url = make_url(database_url).update_query_dict({"application_name": LIVE_APPLICATION_NAME})
    config = app_config(
        url.render_as_string(hide_password=False),
        PHOTO_DIR=str(tmp_path_factory.mktemp("photos")),
        SCAN_DECODE_DIR=str(tmp_path_factory.mktemp("decoders")),
        SCAN_DECODE_SECONDS=1,
        # However busy the machine, a child gets its second of CPU before it is given up on.
        SCAN_DECODE_WALL_SECONDS=600,
    )
    with LiveServer(config, workers=2) as server:
        yield server


@pytest.fixture
def api(reader, app):
    client = LiveClient(reader, timeout=900)
    yield client
    client.forget_connection()
    with app.app_context():
        wait_until_idle()


def upload(api, user, data, filename="label.jpg"):
    boundary, body = encode_multipart({"image": FileStorage(io.BytesIO(data), filename)})
    return api.post(
        "/api/scans", data=body, content_type=f"multipart/form-data; boundary={boundary}", headers=user.headers
    )


def test_a_label_is_read_and_a_costly_photo_stopped_while_the_workers_answer(api, people):
    label = jpeg_bytes(capture(plate("SN-IN", model="TV55"), 1))
    tile = np.random.default_rng(7).integers(0, 256, (64, 64), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.tile(tile, (48, 63))[:3000, :4000]).save(buffer, "PNG")

    read = upload(api, people.tech1, label)
    stopped = upload(api, people.tech1, buffer.getvalue(), "noise.png")

    assert read.status_code == 201, read.get_json()
    assert read.get_json()["serial"] == "SN-IN"
    assert stopped.status_code == 422, stopped.get_json()
    assert stopped.get_json()["error"]["code"] == "image_too_complex"
    assert api.get("/api/health").status_code == 200
    assert upload(api, people.tech1, label).status_code == 201
