"""Static files: the installable app from ``pwa/`` and the API docs' assets."""

import mimetypes

from flask import Blueprint
from flask import current_app
from flask import request
from flask import send_from_directory
from werkzeug.routing import PathConverter

from server import REPO_ROOT
from server.errors import NotFound

PWA_ROOT = REPO_ROOT / "pwa"
# Not in every system's MIME table; browsers want these exact types for the manifest and ES modules.
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")

bp = Blueprint("web", __name__)


class AppPathConverter(PathConverter):
    """A path outside ``/api/``, so unknown API addresses stay JSON 404s for every method."""

    regex = r"(?!api/)[^/].*?"


@bp.get("/")
def app_shell():
    """The app shell; the app itself routes on the client."""
    return send_from_directory(PWA_ROOT, "index.html")


@bp.get("/api/docs/assets/<path:filename>")
def docs_assets(filename):
    """Swagger UI's files, served locally so the docs work without internet."""
    return send_from_directory(current_app.config["SWAGGER_UI_ASSETS"], filename, max_age=86400)


@bp.get("/sw.js")
def service_worker():
    """The service worker, always checked with the server: a new version of the app starts here."""
    return send_from_directory(PWA_ROOT, "sw.js", max_age=0)


@bp.get("/<app_path:filename>")
def pwa_file(filename):
    """Files of the app (scripts, styles, manifest, icons, and the npm packages it imports)."""
    return send_from_directory(PWA_ROOT, filename)


def refuse_nul_in_path():
    """No stored key holds a NUL character, and PostgreSQL cannot even compare one."""
    if "\x00" in request.path:
        raise NotFound("There is nothing at this address.")


def init_app(app):
    app.before_request(refuse_nul_in_path)
    app.url_map.converters["app_path"] = AppPathConverter
    app.register_blueprint(bp)
