"""The app factory: defaults, then the environment, then the test override."""

from pathlib import Path

import pytest

from server import config
from server import create_app
from server.extensions import db


@pytest.fixture
def clean_environ(monkeypatch):
    for key in config.DEFAULTS:
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


def test_default_storage_is_a_sqlite_file_in_the_instance_folder(clean_environ):
    app = create_app({"SECRET_KEY": "k" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{Path(app.instance_path) / 'sanbao.db'}"


def test_environment_overrides_defaults(clean_environ):
    clean_environ.setenv("DATABASE_URL", "postgresql+psycopg://someone@db.example/sanbao")
    clean_environ.setenv("TOKEN_TTL_SECONDS", "600")
    app = create_app({"SECRET_KEY": "k" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.example/sanbao"
    assert app.config["TOKEN_TTL_SECONDS"] == 600


def test_test_override_wins_over_environment(clean_environ):
    clean_environ.setenv("TOKEN_TTL_SECONDS", "600")
    app = create_app({"SECRET_KEY": "k" * 40, "TOKEN_TTL_SECONDS": 5})
    assert app.config["TOKEN_TTL_SECONDS"] == 5


def test_non_integer_setting_in_environment_is_refused_with_its_name(clean_environ):
    clean_environ.setenv("TOKEN_TTL_SECONDS", "soon")
    with pytest.raises(RuntimeError, match="TOKEN_TTL_SECONDS"):
        create_app({"SECRET_KEY": "k" * 40})


def test_secret_key_from_environment_is_used(clean_environ):
    clean_environ.setenv("SECRET_KEY", "from-the-environment-" * 3)
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment-" * 3


def test_each_app_gets_its_own_database(tmp_path, clean_environ):
    first = create_app({"SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"})
    second = create_app({"SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"})
    with first.app_context():
        first_url = str(db.engine.url)
        db.engine.dispose()
    with second.app_context():
        second_url = str(db.engine.url)
        db.engine.dispose()
    assert first_url != second_url


@pytest.mark.parametrize(
    ("raw", "value"), [("false", False), ("False", False), ("0", False), ("true", True), ("on", True)]
)
def test_a_switch_in_the_environment_reads_as_true_or_false(clean_environ, raw, value):
    clean_environ.setenv("RATELIMIT_ENABLED", raw)
    app = create_app({"SECRET_KEY": "k" * 40})
    assert app.config["RATELIMIT_ENABLED"] is value


def test_a_switch_that_is_neither_true_nor_false_is_refused_with_its_name(clean_environ):
    clean_environ.setenv("RATELIMIT_ENABLED", "maybe")
    with pytest.raises(RuntimeError, match="RATELIMIT_ENABLED"):
        create_app({"SECRET_KEY": "k" * 40})
