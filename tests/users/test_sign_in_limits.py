"""The per-address sign-in limit (Flask-Limiter, server/users/throttling.py) and where the address comes from.

The suite runs with the limit off (tests/conftest.py); each test here builds an app with it on, three failed
sign-ins a minute, and the per-account delay out of the way, so that what answers 429 is the address limit.
Usernames differ from one try to the next for the same reason.
"""

import logging
import runpy
import uuid
from types import SimpleNamespace

import pytest
import redis

from server import create_app
from server.config import DEFAULTS
from server.config import REPO_ROOT
from server.extensions import api
from server.extensions import db
from server.users.throttling import unshared_storage_warning
from tests.conftest import app_config
from tests.helpers import assert_error

PASSWORD = "correct horse battery"
REDIS_URL = "redis://127.0.0.1:6379"


@pytest.fixture
def limited(database_url, app):
    """``limited(**settings)`` → a new app on the test's database with the limit on; disposed of at the end."""
    made = []

    def make(**settings):
        config = {
            "RATELIMIT_ENABLED": True,
            "SIGN_IN_RATE_LIMIT": "3 per minute;50 per hour",
            "SIGN_IN_DELAY_AFTER": 1000,
        }
        made.append(create_app(app_config(database_url, **config | settings)))
        return made[-1]

    yield make
    for each in made:
        with each.app_context():
            db.engine.dispose()


def sign_in(client, username, password="wrong horse battery", address="127.0.0.1", forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(
        "/api/auth/token",
        json={"username": username, "password": password},
        headers=headers,
        environ_base={"REMOTE_ADDR": address},
    )


def statuses(client, count, **how):
    return [sign_in(client, f"guess{uuid.uuid4().hex[:8]}", **how).status_code for _ in range(count)]


def test_failed_sign_ins_from_one_address_are_limited_whatever_the_username(limited, make_user):
    make_user("agent", username="ann")
    client = limited().test_client()
    assert statuses(client, 3) == [401, 401, 401]
    response = sign_in(client, "ann", PASSWORD)  # even the right password, from this address, now
    error = assert_error(response, 429, "too_many_attempts")
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert error["details"] == {"retry_after": int(response.headers["Retry-After"])}


def test_a_right_password_uses_up_nothing(limited, make_user):
    make_user("agent", username="ann")
    client = limited().test_client()
    assert [sign_in(client, "ann", PASSWORD).status_code for _ in range(5)] == [200] * 5
    assert statuses(client, 3) == [401, 401, 401]


def test_another_address_is_not_held_up(limited):
    client = limited().test_client()
    assert statuses(client, 4, address="10.0.0.1") == [401, 401, 401, 429]
    assert statuses(client, 3, address="10.0.0.2") == [401, 401, 401]


def test_x_forwarded_for_is_not_believed_without_a_trusted_proxy(limited):
    client = limited().test_client()
    answers = [sign_in(client, "ann", forwarded=f"203.0.113.{n}").status_code for n in range(4)]
    assert answers == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_the_address_it_forwards_is_the_clients(limited):
    client = limited(TRUSTED_PROXY_COUNT=1).test_client()
    # One proxy: every request comes from its address, each for the client it names.
    assert statuses(client, 4, address="10.0.0.9", forwarded="203.0.113.5") == [401, 401, 401, 429]
    assert statuses(client, 3, address="10.0.0.9", forwarded="203.0.113.6") == [401, 401, 401]
    # A client cannot pass for another by writing its own header before the proxy adds the real one.
    assert statuses(client, 1, address="10.0.0.9", forwarded="203.0.113.6, 203.0.113.5") == [429]


def test_nothing_but_sign_in_is_limited_or_changed(limited, make_user, auth):
    user = make_user("agent", username="ann")
    limited_app = limited()
    client = limited_app.test_client()
    success = sign_in(client, "ann", PASSWORD)
    assert success.status_code == 200
    assert not [name for name, _ in success.headers.items() if name.lower().startswith(("x-ratelimit", "retry-after"))]
    assert statuses(client, 4) == [401, 401, 401, 429]
    assert client.get("/api/health").status_code == 200
    assert [client.get("/api/auth/me", headers=auth(user)).status_code for _ in range(5)] == [200] * 5


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own on the local Redis; its keys are deleted afterwards."""
    prefix = f"sanbao-test-{uuid.uuid4().hex}"
    store = redis.Redis.from_url(REDIS_URL)
    yield prefix
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)
    store.close()


def test_two_app_instances_on_redis_share_the_count(limited, redis_prefix):
    """Two app servers (two apps in this process, each with a Limiter of its own) count one address together."""
    first, second = (
        limited(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=redis_prefix).test_client() for _ in range(2)
    )
    assert statuses(first, 2) + statuses(second, 1) == [401, 401, 401]
    assert statuses(second, 1) + statuses(first, 1) == [429, 429]


def test_two_app_instances_in_memory_count_apart(limited):
    """What the warning below is about: without a shared store, each server gives an address its own tries."""
    first, second = (limited().test_client() for _ in range(2))
    assert statuses(first, 3) + statuses(second, 3) == [401] * 6
    assert statuses(second, 1) + statuses(first, 1) == [429, 429]


def test_when_the_shared_store_is_down_sign_in_goes_on_without_the_limit(limited, make_user, caplog):
    make_user("agent", username="ann")
    client = limited(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1").test_client()  # nothing listens there
    with caplog.at_level(logging.ERROR, logger="flask-limiter"):
        assert statuses(client, 4) == [401] * 4
        assert sign_in(client, "ann", PASSWORD).status_code == 200
    assert "Failed to rate limit" in caplog.text


# ---------------------------------------------------------------- settings, warnings, documentation


@pytest.mark.parametrize(
    ("workers", "settings", "warned"),
    [
        (4, {}, True),
        (1, {}, False),
        (4, {"RATELIMIT_STORAGE_URI": REDIS_URL}, False),
        (4, {"RATELIMIT_ENABLED": False}, False),
    ],
)
def test_several_workers_keeping_their_own_counts_are_warned_of(workers, settings, warned):
    warning = unshared_storage_warning(DEFAULTS | settings, workers)
    assert bool(warning) is warned
    if warned:
        assert "RATELIMIT_STORAGE_URI" in warning


def test_the_app_warns_when_web_concurrency_says_several_workers_share_no_store(monkeypatch, caplog):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with caplog.at_level(logging.WARNING, logger="server.users.throttling"):
        create_app(app_config("sqlite://", RATELIMIT_ENABLED=True))
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "4 workers each keep their own sign-in limits" in caplog.records[0].getMessage()


def test_gunicorn_warns_once_from_its_master_when_its_workers_share_no_store(monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("RATELIMIT_ENABLED", raising=False)
    hooks = runpy.run_path(str(REPO_ROOT / "gunicorn.conf.py"))
    logged = []
    log = SimpleNamespace(warning=logged.append)
    hooks["when_ready"](SimpleNamespace(cfg=SimpleNamespace(workers=3), log=log))
    assert len(logged) == 1
    assert "3 workers" in logged[0]
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", REDIS_URL)
    hooks["when_ready"](SimpleNamespace(cfg=SimpleNamespace(workers=3), log=log))
    assert len(logged) == 1


@pytest.mark.parametrize("limit", ["lots", "10 per fortnight", ""])
def test_a_sign_in_limit_that_is_not_a_rate_limit_stops_the_app_from_starting(limit):
    with pytest.raises(RuntimeError, match="SIGN_IN_RATE_LIMIT"):
        create_app(app_config("sqlite://", SIGN_IN_RATE_LIMIT=limit))


@pytest.mark.parametrize("count", [-1])
def test_a_negative_proxy_count_stops_the_app_from_starting(count):
    with pytest.raises(RuntimeError, match="TRUSTED_PROXY_COUNT"):
        create_app(app_config("sqlite://", TRUSTED_PROXY_COUNT=count))


def test_the_sign_in_documents_its_429_with_retry_after(app):
    with app.test_request_context():
        responses = api.spec.to_dict()["paths"]["/api/auth/token"]["post"]["responses"]
    assert responses["429"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert responses["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
