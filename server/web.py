"""Static files: the installable app from ``pwa/`` and the API docs' assets."""

import hashlib
import mimetypes
from functools import cache

from flask import Blueprint
from flask import current_app
from flask import request
from flask import send_from_directory
from werkzeug.routing import PathConverter

from server.config import REPO_ROOT
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


def shell_digest(root):
    """A digest of the app's own files and of the npm lock (which pins the packages it serves)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or relative.parts[0] == "node_modules" or relative.as_posix() == "js/shell-version.js":
            continue
        digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def _shell_version():
    # Once per process: the files change with a deployment, which starts new processes.
    return shell_digest(PWA_ROOT)


@bp.get("/js/shell-version.js")
def shell_version():
    """The version of the app shell: the service worker names its cache after it and updates with it."""
    response = current_app.response_class(f'export const VERSION = "{_shell_version()}";\n', mimetype="text/javascript")
    response.cache_control.max_age = 0
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, always checked with the server: a new version of the app starts here.

    It carries the shell's version, so a browser that compares only this script's bytes still sees
    every change to the shell.
    """
    script = (PWA_ROOT / "sw.js").read_text() + f"// shell {_shell_version()}\n"
    response = current_app.response_class(script, mimetype="text/javascript")
    response.cache_control.max_age = 0
    return response


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
