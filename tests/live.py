"""A real server for the tests that need one: gunicorn with its own worker processes, over HTTP.

The in-process test client shares the test's memory, its connection pool and
its thread; a phone does not. ``LiveServer`` runs the app under gunicorn
against the test's database (same URL, same secret, so the test's tokens and
rows are the server's), and ``LiveClient`` speaks to it with the calls of
Flask's test client, so a scenario written for one runs against the other.
"""

import http.client
import json as jsonlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``gunicorn server:create_app()`` on a free loopback port; ``restart()`` is a real stop and start."""

    def __init__(self, config, workers=2, port=None, log_level="warning"):
        self.port = port or free_port()
        self.workers = workers
        self.log_level = log_level
        # Every setting reaches the app through the environment, as in production.
        self.env = dict(os.environ)
        self.env.update({key: str(value) for key, value in config.items() if key != "TESTING"})
        self.env.setdefault("LOG_LEVEL", "WARNING")
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=60):
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                self.log_level,
                "--graceful-timeout",
                "5",
                "server:create_app()",
            ],
            env=self.env,
            cwd=REPO_ROOT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode} before answering")
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/api/health")
                healthy = connection.getresponse().status == 200
            except OSError:
                healthy = False
            finally:
                # A try that timed out while the workers boot must not leave its socket open.
                connection.close()
            if healthy:
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {timeout} s")

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self):
        self.stop()
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class LiveResponse:
    def __init__(self, status, headers, data):
        self.status_code = status
        self.headers = headers
        self.data = data

    def get_json(self):
        if not self.data:
            return None
        return jsonlib.loads(self.data)


class LiveClient:
    """The test client's ``get/post/put/head`` over real HTTP, one keep-alive connection per thread."""

    def __init__(self, server, timeout=60):
        self.server = server
        self.timeout = timeout
        self.local = threading.local()

    def connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=self.timeout)
            self.local.connection = connection
        return connection

    def forget_connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is not None:
            connection.close()
        self.local.connection = None

    def open(self, method, path, json=None, data=None, headers=None, query_string=None, content_type=None):
        headers = dict(headers or {})
        body = data
        if json is not None:
            body = jsonlib.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        elif content_type:
            headers["Content-Type"] = content_type
        if isinstance(body, str):
            body = body.encode()
        if query_string:
            path = f"{path}?{urlencode(query_string)}"
        # A server restarted since the last call closed our kept-alive connection: one fresh try.
        for attempt in (1, 2):
            try:
                connection = self.connection()
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                return LiveResponse(response.status, dict(response.getheaders()), payload)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.forget_connection()
                if attempt == 2:
                    raise

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.open("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.open("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.open("PATCH", path, **kwargs)

    def head(self, path, **kwargs):
        return self.open("HEAD", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.open("DELETE", path, **kwargs)
