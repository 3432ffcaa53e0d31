"""Every answer carries the security headers, and a content security policy that fits what it is.

Issue 21, finding 10: no answer had ``X-Content-Type-Options: nosniff`` or a
Content-Security-Policy. The browser tier proves that the app and the API's docs
run under their policies (tests/e2e: a CSP violation on any page fails the test).
"""

import base64
import hashlib
import re

import pytest

from server import create_app
from server.config import REPO_ROOT
from server.extensions import db
from tests.conftest import app_config

ALWAYS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def directives(policy):
    """``{directive: [sources]}`` of a policy."""
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def answer(client, method, path, headers=None):
    """``(status, headers, body)``, with the file the server opened closed again."""
    with client.open(path, method=method, headers=headers or {}) as response:
        return response.status_code, response.headers, response.get_data(as_text=True)


def assert_secured(headers):
    for name, value in ALWAYS.items():
        assert headers.get(name) == value, name
    policy = directives(headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    return policy


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/health", 200),
        ("GET", "/api/openapi.json", 200),
        ("GET", "/api/docs/assets/swagger-ui.css", 200),
        ("GET", "/api/jobs", 401),
        ("GET", "/api/no-such-thing", 404),
        ("DELETE", "/api/health", 405),
        ("HEAD", "/api/sync/blobs/" + "0" * 64, 401),
        ("POST", "/api/auth/token", 422),
    ],
)
def test_every_api_answer_may_load_and_run_nothing(client, method, path, status):
    code, headers, _ = answer(client, method, path)

    assert code == status
    policy = assert_secured(headers)
    assert policy["default-src"] == ["'none'"]


def test_a_crash_answer_carries_them_too(database_url, app):
    crashing = create_app(app_config(database_url, TESTING=False))

    @crashing.get("/api/boom")
    def boom():
        raise RuntimeError("boom")

    code, headers, _ = answer(crashing.test_client(), "GET", "/api/boom")

    assert code == 500
    assert directives(headers["Content-Security-Policy"])["default-src"] == ["'none'"]
    assert_secured(headers)
    with crashing.app_context():
        db.engine.dispose()


def inline_script_hashes(html):
    bodies = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.DOTALL)
    assert bodies, "the page has no inline script"
    return {f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'" for body in bodies}


@pytest.mark.parametrize(
    ("path", "status"),
    [("/", 200), ("/sw.js", 200), ("/js/app.js", 200), ("/manifest.webmanifest", 200), ("/no-such-file.js", 404)],
)
def test_the_app_runs_only_its_own_scripts_and_its_import_map(client, path, status):
    code, headers, _ = answer(client, "GET", path)

    assert code == status
    policy = assert_secured(headers)
    assert policy["default-src"] == ["'self'"]
    # The import map in index.html, and nothing else inline; WebAssembly for the barcode reader.
    shell = (REPO_ROOT / "pwa" / "index.html").read_text()
    assert set(policy["script-src"]) == {"'self'", "'wasm-unsafe-eval'"} | inline_script_hashes(shell)
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]


def test_the_api_docs_run_their_own_start_up_script_and_no_other(client):
    code, headers, page = answer(client, "GET", "/api/docs")

    assert code == 200
    policy = assert_secured(headers)
    assert set(policy["script-src"]) == {"'self'"} | inline_script_hashes(page)
    assert policy["connect-src"] == ["'self'"]
