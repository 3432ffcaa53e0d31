"""Sanbao: after-sales field service for appliance makers.

``create_app`` builds the Flask application: defaults, then the environment,
then the test override.
"""

import importlib
import logging
import os
import secrets
from pathlib import Path

import swagger_ui_bundle
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from server import config as settings
from server.config import REPO_ROOT
from server.core.jsonio import OrjsonProvider
from server.core.transaction import Application


def create_app(config=None):
    """Build the app. ``config`` (a mapping) overrides defaults and the environment."""
    app = Application(__name__, instance_path=str(REPO_ROOT / "instance"), static_folder=None)
    # orjson's JSON, Chinese names as themselves, not as \u escapes (server/core/jsonio.py).
    app.json = OrjsonProvider(app)
    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(settings.from_environ())
    if config:
        app.config.from_mapping(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_storage(app)
    _configure_secret(app)
    _configure_openapi(app)
    _configure_proxies(app)
    _configure_messaging(app)
    logging.getLogger("server").setLevel(app.config["LOG_LEVEL"])

    # Imported here, not at the top: this package's root runs before any of its modules
    # (``import server.errors`` runs it first), and the domains import those modules.
    from server import errors
    from server import web
    from server.core import held
    from server.core import transaction
    from server.devicesync import feed
    from server.extensions import api
    from server.extensions import db
    from server.extensions import migrate
    from server.users import authentication
    from server.users import throttling

    for name in MODEL_MODULES:
        importlib.import_module(name)
    db.init_app(app)
    # Every commit writes the changes of synced entities to the feeds devices pull.
    feed.install()
    # Locks taken and rows read once per transaction are kept for it, per savepoint.
    held.install()
    if app.config.get("SQLITE_PRAGMAS"):
        with app.app_context():
            _tune_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    api.init_app(app)
    errors.register_error_handlers(app)
    transaction.init_app(app)
    authentication.init_app(app)
    _register_blueprints(app, api)
    throttling.init_app(app)
    _register_cli(app)
    web.init_app(app)
    return app


def _configure_storage(app):
    url = app.config["DATABASE_URL"] or f"sqlite:///{Path(app.instance_path) / 'sanbao.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    engine_options = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        # Several request threads share the file; wait for the writer instead of failing.
        # A connection may be handed to a helper thread (the install-base import's writer).
        engine_options = {"connect_args": {"timeout": 30, "check_same_thread": False}}
        app.config.setdefault("SQLITE_PRAGMAS", True)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options)


def _tune_sqlite(engine):
    """WAL lets readers go on while one request writes; NORMAL sync is safe in WAL mode."""

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()


def _configure_proxies(app):
    # Behind proxies, the client's address is the one the last TRUSTED_PROXY_COUNT of them put in
    # X-Forwarded-For; without them, the header is anyone's to write and is ignored.
    count = app.config["TRUSTED_PROXY_COUNT"]
    if count < 0:
        raise RuntimeError(f"TRUSTED_PROXY_COUNT must be 0 or more, not {count}")
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count)


def _configure_messaging(app):
    # Imported here: the package root runs before the domains (see create_app).
    from server.messaging.gateway import check_settings

    check_settings(app.config)


def _configure_secret(app):
    if app.config["SECRET_KEY"]:
        return
    # A development install keeps one random key so tokens survive restarts;
    # a deployment sets SECRET_KEY so that every app server agrees.
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        os.chmod(key_file, 0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def _configure_openapi(app):

    app.config.update(
        API_TITLE="Sanbao",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/api/docs/assets/",
        SWAGGER_UI_ASSETS=swagger_ui_bundle.swagger_ui_path,
        API_SPEC_OPTIONS={
            "info": {"description": "After-sales field service: dispatch, parts and warranty claims."},
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
            "security": [{"bearerAuth": []}],
        },
    )


# Every table of the schema; Alembic compares these with the migrations.
MODEL_MODULES = (
    "server.network.models",
    "server.users.models",
    "server.products.models",
    "server.parts.models",
    "server.supply.models",
    "server.installbase.models",
    "server.jobs.models",
    "server.claims.models",
    "server.evidence.models",
    "server.notifications.models",
    "server.scheduler.models",
    "server.devicesync.models",
    "server.care.models",
    "server.knowledge.models",
    "server.cards.models",
    "server.messaging.models",
    "server.charges.models",
    "server.campaigns.models",
)

# Every blueprint of the API, registered explicitly.
BLUEPRINT_MODULES = (
    "server.health",
    "server.users.routes",
    "server.network.routes",
    "server.products.routes",
    "server.parts.routes",
    "server.supply.routes",
    "server.imports.routes",
    "server.installbase.routes",
    "server.units.routes",
    "server.claims.routes",
    "server.claims.return_routes",
    "server.jobs.routes",
    "server.evidence.routes",
    "server.charges.routes",
    "server.notifications.routes",
    "server.messaging.routes",
    "server.messaging.optout_routes",
    "server.scheduler.routes",
    "server.devicesync.routes",
    "server.care.routes",
    "server.knowledge.routes",
    "server.cards.routes",
    "server.reports.routes",
    "server.campaigns.routes",
)


_DOCUMENTED_CONVERTERS: set[type] = set()


def _register_blueprints(app, api):
    for name in BLUEPRINT_MODULES:
        module = importlib.import_module(name)
        # A module's own path converters: known to the URL map, and to the OpenAPI document as a schema.
        for key, (converter, schema) in getattr(module, "CONVERTERS", {}).items():
            app.url_map.converters[key] = converter
            if converter not in _DOCUMENTED_CONVERTERS:  # the one Api keeps them across the apps built
                api.register_converter(converter, lambda _converter, schema=schema: schema)
                _DOCUMENTED_CONVERTERS.add(converter)
        blp = module.blp
        api.register_blueprint(blp)
        # authenticate() guards these blueprints; everything else is static files.
        app.config["API_BLUEPRINTS"].add(blp.name)


def _register_cli(app):
    # Imported when the app is built, for the reason given in create_app.
    from server.demo import demo_sign_ins_command
    from server.demo import seed_demo_command
    from server.imports.cli import import_command
    from server.installbase.cli import install_base_cli
    from server.scheduler.cli import scheduler_command

    app.cli.add_command(import_command)
    app.cli.add_command(install_base_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_sign_ins_command)
    app.cli.add_command(scheduler_command)
