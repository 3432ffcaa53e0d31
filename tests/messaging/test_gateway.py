"""The message gateway: the Chinese template of each kind, the log backend (the outbox is the delivery), the HTTP
backend against a real local server (sent on a 2xx, retried with doubling waits, failed after its attempts),
two deliveries at once sending no message twice (PostgreSQL, real connections), and the admins' outbox list."""

import json
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer

import pytest
from sqlalchemy import select

from server.extensions import db
from server.messaging import gateway
from server.messaging.models import Message
from tests.helpers import assert_error
from tests.races import together

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


# ---------------------------------------------------------------- pure


def test_the_completion_code_template_names_the_job_and_the_code_in_chinese():
    body = gateway.render("completion_code", {"job_number": "J2030-000123", "code": "042917"})
    assert "J2030-000123" in body
    assert "042917" in body
    assert "核销码" in body
    assert "完成维修" in body


@pytest.mark.parametrize(
    ("kind", "context"),
    [
        pytest.param("no_such_kind", {}, id="unknown-kind"),
        pytest.param("completion_code", {"job_number": "J1"}, id="code-missing"),
    ],
)
def test_a_message_that_cannot_be_rendered_is_refused(kind, context):
    with pytest.raises(ValueError, match=kind if kind != "completion_code" else "code"):
        gateway.render(kind, context)


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 60), (2, 120), (3, 240), (4, 480), (7, 3600), (60, 3600), (1000, 3600)],
)
def test_each_wait_doubles_the_last_up_to_the_ceiling(attempts, seconds):
    assert gateway.retry_delay(attempts, 60, 3600) == timedelta(seconds=seconds)


BASE = {
    "MESSAGE_BACKEND": "log",
    "MESSAGE_HTTP_URL": "",
    "MESSAGE_MAX_ATTEMPTS": 8,
    "MESSAGE_HTTP_TIMEOUT_SECONDS": 5,
    "MESSAGE_RETRY_SECONDS": 60,
    "MESSAGE_RETRY_MAX_SECONDS": 3600,
}


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        pytest.param({"MESSAGE_BACKEND": "sms"}, "MESSAGE_BACKEND", id="unknown-backend"),
        pytest.param({"MESSAGE_BACKEND": "http"}, "MESSAGE_HTTP_URL", id="http-without-url"),
        pytest.param({"MESSAGE_BACKEND": "http", "MESSAGE_HTTP_URL": "ftp://x"}, "MESSAGE_HTTP_URL", id="not-http"),
        pytest.param({"MESSAGE_MAX_ATTEMPTS": 0}, "MESSAGE_MAX_ATTEMPTS", id="no-attempts"),
        pytest.param({"MESSAGE_RETRY_MAX_SECONDS": 10}, "MESSAGE_RETRY_MAX_SECONDS", id="ceiling-below-first"),
    ],
)
def test_settings_the_gateway_cannot_work_with_stop_the_app_at_start(overrides, words):
    with pytest.raises(RuntimeError, match=words):
        gateway.check_settings({**BASE, **overrides})


def test_the_app_refuses_to_start_with_a_bad_backend(app):
    from server import create_app

    with pytest.raises(RuntimeError, match="MESSAGE_BACKEND"):
        create_app({"TESTING": True, "MESSAGE_BACKEND": "carrier-pigeon", "DATABASE_URL": "sqlite://"})


# ---------------------------------------------------------------- a local SMS adapter


class Adapter:
    """A real HTTP server on 127.0.0.1 answering each POST with the next status of ``statuses`` (the last one
    from then on), keeping every JSON body it was given; ``delay`` seconds before each answer."""

    def __init__(self, statuses=(200,), delay=0.0):
        self.statuses = list(statuses)
        self.delay = delay
        self.received = []
        self.lock = threading.Lock()
        adapter = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with adapter.lock:
                    adapter.received.append(body)
                    status = adapter.statuses.pop(0) if len(adapter.statuses) > 1 else adapter.statuses[0]
                time.sleep(adapter.delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def adapter(app, monkeypatch):
    """``adapter(statuses, delay)``: the HTTP backend pointed at a fresh local Adapter."""
    made = []

    def make(statuses=(200,), delay=0.0):
        made.append(Adapter(statuses, delay))
        monkeypatch.setitem(app.config, "MESSAGE_BACKEND", "http")
        monkeypatch.setitem(app.config, "MESSAGE_HTTP_URL", made[-1].url)
        return made[-1]

    yield make
    for server in made:
        server.close()


def code_message(n=1):
    return gateway.send("completion_code", f"1380000{n:04d}", {"job_number": f"J{n}", "code": f"{n:06d}"})


# ---------------------------------------------------------------- log backend


def test_the_log_backend_keeps_the_message_as_its_delivery(app):
    message = code_message()
    assert (message.backend, message.status, message.attempts, message.next_attempt_at) == ("log", "sent", 0, None)
    assert message.sent_at is not None
    assert gateway.deliver_due(NOW) == {"sent": 0, "retried": 0, "failed": 0}


# ---------------------------------------------------------------- HTTP backend


def test_the_http_backend_posts_the_message_as_json_and_marks_it_sent(adapter):
    server = adapter([200])
    message = code_message()
    assert (message.status, message.backend) == ("pending", "http")

    assert gateway.deliver_due(message.next_attempt_at) == {"sent": 1, "retried": 0, "failed": 0}

    assert server.received == [{"id": message.id, "kind": "completion_code", "to": "13800000001", "body": message.body}]
    db.session.refresh(message)
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")


def test_a_failing_adapter_is_tried_again_after_doubling_waits_until_it_takes_the_message(adapter, app):
    server = adapter([503, 500, 200])
    message = code_message()
    start = message.next_attempt_at

    assert gateway.deliver_due(start) == {"sent": 0, "retried": 1, "failed": 0}
    db.session.refresh(message)
    assert (message.status, message.attempts, message.next_attempt_at) == ("pending", 1, start + timedelta(minutes=1))
    assert message.last_error.startswith("HTTP 503")

    # Not due yet: nothing is sent before its time.
    assert gateway.deliver_due(start + timedelta(seconds=59)) == {"sent": 0, "retried": 0, "failed": 0}

    second = start + timedelta(minutes=1)
    assert gateway.deliver_due(second) == {"sent": 0, "retried": 1, "failed": 0}
    db.session.refresh(message)
    assert (message.attempts, message.next_attempt_at) == (2, second + timedelta(minutes=2))

    assert gateway.deliver_due(second + timedelta(minutes=2)) == {"sent": 1, "retried": 0, "failed": 0}
    db.session.refresh(message)
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, "")
    assert [body["id"] for body in server.received] == [message.id] * 3


def test_a_message_is_failed_after_its_last_attempt(adapter, app, monkeypatch):
    adapter([500])
    monkeypatch.setitem(app.config, "MESSAGE_MAX_ATTEMPTS", 2)
    message = code_message()

    gateway.deliver_due(NOW)
    assert gateway.deliver_due(NOW + timedelta(hours=1)) == {"sent": 0, "retried": 0, "failed": 1}
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("failed", 2)
    assert "500" in message.last_error
    assert gateway.deliver_due(NOW + timedelta(days=1)) == {"sent": 0, "retried": 0, "failed": 0}


def test_an_adapter_that_does_not_answer_in_time_is_an_attempt_failed(adapter, app, monkeypatch):
    adapter([200], delay=2.5)
    monkeypatch.setitem(app.config, "MESSAGE_HTTP_TIMEOUT_SECONDS", 1)
    message = code_message()

    started = time.monotonic()
    assert gateway.deliver_due(NOW) == {"sent": 0, "retried": 1, "failed": 0}
    assert time.monotonic() - started < 2.4  # it did not wait for the late answer
    db.session.refresh(message)
    assert message.status == "pending"
    assert "timed out" in message.last_error


def test_an_adapter_nobody_listens_on_is_an_attempt_failed(app, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_BACKEND", "http")
    monkeypatch.setitem(app.config, "MESSAGE_HTTP_URL", "http://127.0.0.1:9/sms")
    message = code_message()
    assert gateway.deliver_due(NOW) == {"sent": 0, "retried": 1, "failed": 0}
    db.session.refresh(message)
    assert message.last_error


@pytest.mark.postgres_only
@pytest.mark.commits
def test_two_deliveries_at_once_send_every_message_exactly_once(app, adapter):
    """Two scheduler processes delivering the same queue at the same moment (real connections): SKIP LOCKED
    lets each pass over what the other holds, so both work and no message goes out twice."""
    server = adapter([200], delay=0.02)
    ids = [code_message(n).id for n in range(1, 41)]
    db.session.commit()

    rounds = together([lambda: gateway.deliver_due(NOW), lambda: gateway.deliver_due(NOW)], app=app)

    sent = sorted(body["id"] for body in server.received)
    assert sent == sorted(ids)  # each once: none twice, none left out
    assert all(done["sent"] > 0 for done in rounds), rounds  # side by side, not one after the other
    assert sum(done["sent"] for done in rounds) == len(ids)
    db.session.expire_all()
    rows = db.session.scalars(select(Message).where(Message.id.in_(ids))).all()
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}


# ---------------------------------------------------------------- the admins' outbox


@pytest.fixture
def outbox(open_job, walk):
    """Three jobs dispatched (a completion code each, sent by the log backend) and one pending HTTP message."""
    jobs = [open_job(serial=serial) for serial in ("SN-IN", "SN-OLD", "")]
    for job in jobs:
        walk(job, "dispatched")
    return jobs


def test_admins_read_the_outbox_newest_first_with_each_jobs_number(client, people, outbox):
    response = client.get("/api/admin/messages", headers=people.admin.headers)

    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert page["total"] == 3
    assert [item["job_number"] for item in page["items"]] == [job["number"] for job in reversed(outbox)]
    assert {(item["kind"], item["status"], item["backend"]) for item in page["items"]} == {
        ("completion_code", "sent", "log")
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("kind=completion_code", 3, id="kind"),
        pytest.param("status=sent", 3, id="status-sent"),
        pytest.param("status=pending", 0, id="status-pending"),
        pytest.param("job_number={second}", 1, id="job-number"),
        pytest.param("job_number=NO-SUCH-JOB", 0, id="unknown-job-number"),
        pytest.param("per_page=2&page=2", 1, id="second-page"),
    ],
)
def test_the_outbox_is_filtered_and_paged(client, people, outbox, query, expected):
    response = client.get(
        f"/api/admin/messages?{query.format(second=outbox[1]['number'])}", headers=people.admin.headers
    )

    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["items"]) == expected
    if "job_number" in query and expected:
        assert response.get_json()["items"][0]["job_number"] == outbox[1]["number"]


@pytest.mark.parametrize("name", ["agent", "dispatcher", "pm1", "tech1"])
def test_only_admins_read_the_outbox(client, people, outbox, name):
    assert_error(client.get("/api/admin/messages", headers=getattr(people, name).headers), 403, "role_forbidden")


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=lost", "status"), ("kind=postcard", "kind"), ("page=0", "page")],
)
def test_bad_filters_are_refused_naming_the_field(client, people, query, field):
    assert_error(
        client.get(f"/api/admin/messages?{query}", headers=people.admin.headers), 422, "validation_error", [field]
    )
