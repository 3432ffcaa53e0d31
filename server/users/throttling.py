"""Sign-in limits per client address (Flask-Limiter), and where the client's address comes from.

Each app gets a Limiter of its own (an app's limits, storage and counts are its own: tests build several
apps in one process). It guards the credential endpoints alone: a failed sign-in (401) counts against the
caller's address in every window of ``SIGN_IN_RATE_LIMIT``; once one is full, sign-ins from that address
get 429 with ``Retry-After`` until it empties. Nothing else is limited.

The counts live in ``RATELIMIT_STORAGE_URI``: ``memory://`` is the process's own, right for one process;
several gunicorn workers or app servers must share one store (``redis://…``), or each keeps its own count
and an address gets the limit once per worker. ``init_app`` logs a warning when it sees that mistake.
"""

import logging
import os
import time

import limits
from flask import current_app
from flask import request
from flask_limiter import Limiter
from flask_limiter import RateLimitExceeded

from server.errors import TooManyRequests
from server.errors import handle_domain_error

log = logging.getLogger(__name__)

# The endpoints that take a password (there is no refresh or self-service password change): each is
# limited per address. Admins change passwords with a token, as any other admin edit.
CREDENTIAL_ENDPOINTS = ("accounts.Token",)

LIMITER = "sign_in_limiter"


def client_address() -> str:
    """The client's address: the connection's, or the one ``TRUSTED_PROXY_COUNT`` proxies vouch for."""
    return request.remote_addr or "unknown"


def _failed(response) -> bool:
    return response.status_code == 401


def unshared_storage_warning(config, workers: int) -> str | None:
    """The warning due when ``workers`` processes would each keep their own sign-in counts; None if none is."""
    if workers <= 1 or not config["RATELIMIT_ENABLED"]:
        return None
    if not config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return None
    return (
        f"{workers} workers each keep their own sign-in limits (RATELIMIT_STORAGE_URI is memory://): an address"
        f" gets {workers} times SIGN_IN_RATE_LIMIT. Set RATELIMIT_STORAGE_URI to a store they share"
        " (redis://host:6379)."
    )


def worker_count() -> int:
    """How many workers serve the app, as the environment says (gunicorn's own default, WEB_CONCURRENCY)."""
    try:
        return int(os.environ.get("WEB_CONCURRENCY") or 1)
    except ValueError:
        return 1


def too_many_sign_ins(error: RateLimitExceeded):
    """The address's limit is full: 429 in the envelope, with the seconds until a try is counted again."""
    current = current_app.extensions[LIMITER].current_limit
    retry_after = current.window[0] - time.time() if current is not None else 60
    refusal = TooManyRequests(
        "Too many failed sign-ins from this address", code="too_many_attempts", retry_after=retry_after
    )
    return handle_domain_error(refusal)


def init_app(app):
    """Give ``app`` its own Limiter over the credential endpoints (after the blueprints are registered)."""
    try:
        limits.parse_many(app.config["SIGN_IN_RATE_LIMIT"])
    except ValueError as exc:
        raise RuntimeError(f"SIGN_IN_RATE_LIMIT is not a rate limit: {exc}") from None
    limiter = Limiter(key_func=client_address, storage_uri=app.config["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)
    app.extensions[LIMITER] = limiter
    app.register_error_handler(RateLimitExceeded, too_many_sign_ins)
    # Counted as the view answers, and only when it refused the credentials: a right password uses up
    # nothing, so colleagues signing in behind one office address do not spend each other's tries.
    limit = limiter.shared_limit(app.config["SIGN_IN_RATE_LIMIT"], scope="sign-in", deduct_when=_failed)
    for endpoint in CREDENTIAL_ENDPOINTS:
        app.view_functions[endpoint] = limit(app.view_functions[endpoint])
    warning = unshared_storage_warning(app.config, worker_count())
    if warning:
        log.warning(warning)
