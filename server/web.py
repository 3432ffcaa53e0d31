"""Static files: the installable app from ``pwa/`` and the API docs' assets; the security headers of every answer."""

import base64
import hashlib
import mimetypes
import re
from functools import cache
from html import escape

from flask import Blueprint
from flask import current_app
from flask import request
from flask import send_from_directory
from flask_compress import Compress
from werkzeug.routing import PathConverter

from server.charges import quotes
from server.config import REPO_ROOT
from server.core.clock import local_offset
from server.errors import NotFound
from server.network.ledger import yuan

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
    return _compressible(send_from_directory(PWA_ROOT, "index.html"))


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


RECEIPT_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""
METHODS = {"cash": "现金", "qr": "扫码支付"}


@bp.get("/r/<receipt_number>")
def receipt_page(receipt_number):
    """The receipt the customer opens from the link or code the technician shows: in Chinese, without signing
    in (the same facts as ``GET /api/receipts/<receipt_number>``)."""
    try:
        receipt = quotes.receipt(receipt_number[:16])
    except NotFound:
        body = "<p>未找到该收据。请核对收据编号，或联系服务热线。</p>"
        return current_app.response_class(RECEIPT_PAGE.format(title="收据不存在", body=body), 404, mimetype="text/html")
    paid_at = (receipt["paid_at"] + local_offset()).strftime("%Y-%m-%d %H:%M")
    rows = [
        ("收据编号", receipt["receipt_number"]),
        ("金额", f"¥{yuan(receipt['amount_cents'])}"),
        ("支付方式", METHODS.get(receipt["method"], receipt["method"])),
        ("付款时间", paid_at),
        ("工单号", receipt["job_number"]),
        ("服务商", receipt["provider_name"] or ""),
        ("状态", "已登记"),
    ]
    body = "<dl>" + "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in rows) + "</dl>"
    return current_app.response_class(RECEIPT_PAGE.format(title="维修收费收据", body=body), mimetype="text/html")


@bp.get("/<app_path:filename>")
def pwa_file(filename):
    """Files of the app (scripts, styles, manifest, icons, and the npm packages it imports)."""
    return _compressible(send_from_directory(PWA_ROOT, filename))


def _compressible(response):
    """A text file read whole rather than streamed from disk, so that it is sent gzip'd to a browser that takes
    no brotli (Chrome over plain HTTP): Flask-Compress compresses a stream with brotli only. The shell's files are
    tens of kilobytes; the WebAssembly reader and the icons stay streamed."""
    if response.mimetype in COMPRESSED_TYPES and response.status_code == 200:
        response.direct_passthrough = False
        response.make_sequence()
    return response


# Every answer: no MIME sniffing (a photo is shown as what its bytes are, never as a page), no framing
# (no clickjacking of the app or the docs), no address leaking to another site.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# The API answers data, never a page to run: nothing it sends may load or run anything.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The app: its own scripts and the import map inline in index.html (by its hash); WebAssembly for the barcode
# reader (zxing-wasm); camera frames and photos as blob: and data: images; its API on its own origin.
APP_POLICY = (
    "default-src 'self'; script-src 'self' {scripts} 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; worker-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The API's documentation (Swagger UI): its inline start-up script (by its hash) and the data: images of its
# stylesheet (tests/e2e/test_content_policy.py opens it, an operation and its try-out under this policy).
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' {scripts}; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def script_hashes(html):
    """The CSP sources allowing exactly the inline scripts of ``html``: ``'sha256-...'`` each."""
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in INLINE_SCRIPT.findall(html)
    )


@cache
def _app_policy():
    # Once per process, as the shell's version: index.html changes with a deployment.
    return APP_POLICY.format(scripts=script_hashes((PWA_ROOT / "index.html").read_text()))


def add_security_headers(response):
    """The security headers, and the content security policy that fits what the answer is."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = _policy_for(response)
    return response


def _policy_for(response):
    if not request.path.startswith("/api/"):
        return _app_policy()
    if response.mimetype == "text/html" and not response.is_streamed and not response.direct_passthrough:
        # The one page the API serves: the docs, with their inline script.
        return DOCS_POLICY.format(scripts=script_hashes(response.get_data(as_text=True)))
    return API_POLICY


def refuse_nul_in_path():
    """No stored key holds a NUL character, and PostgreSQL cannot even compare one."""
    if "\x00" in request.path:
        raise NotFound("There is nothing at this address.")


# What is worth compressing: the shell's text and the API's JSON (a phone on a slow link pulls both). Photos and
# the WebAssembly reader are compressed already or cached once; CSV downloads stream as they are written.
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
]


def init_app(app):
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    # Brotli where the browser takes it (every current one over HTTPS), gzip otherwise; nothing slower to make.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    Compress(app)
    app.before_request(refuse_nul_in_path)
    app.after_request(add_security_headers)
    app.url_map.converters["app_path"] = AppPathConverter
    app.register_blueprint(bp)
