"""Domain errors and the one JSON error envelope of every 4xx and 5xx answer.

Every error leaves the API as::

    {"error": {"code": "<machine_code>", "message": "<human sentence>", "details": {...}}}
"""

import math
from http import HTTPStatus

from flask import jsonify

# Machine codes for plain HTTP errors (routing, methods, body size, webargs).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}

HTTP_MESSAGES = {
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request body is larger than this endpoint accepts.",
    500: "Something went wrong on the server; the request changed nothing.",
}


class DomainError(Exception):
    """A failure the client can understand and act on: a status, a machine code, a sentence.

    ``headers`` go out with the answer (``Retry-After``). ``keep_changes``: the refusal itself is recorded,
    so what the request flushed before raising is committed rather than rolled back (a failed sign-in
    counts towards its delay; server/core/transaction.py).
    """

    status = 400
    code = "bad_request"

    def __init__(self, message, *, code=None, details=None, status=None, headers=None, keep_changes=False):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}
        # HTTP headers the answer carries beside the envelope (Retry-After of a 429 or a 503).
        self.headers = headers or {}
        self.keep_changes = keep_changes


class InvalidInput(DomainError):
    status = 422
    code = "validation_error"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooManyRequests(DomainError):
    """Asked too often: ``what`` happened, try again after ``retry_after`` seconds (also in ``Retry-After``)."""

    status = 429
    code = "too_many_requests"

    def __init__(self, what, *, retry_after, code=None):
        retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            f"{what}; try again in {_duration(retry_after)}.",
            code=code,
            details={"retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


def _duration(seconds):
    if seconds < 60:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


class Unavailable(DomainError):
    status = 503
    code = "unavailable"


def envelope(status, code, message, details=None):
    """Build the error response; the only place its shape is written down."""
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def field_errors(messages):
    """Flatten webargs' per-location messages into ``{field: [messages]}``."""
    fields = {}
    if isinstance(messages, dict):
        for location, errors in messages.items():
            if isinstance(errors, dict):
                fields.update(errors)
            else:
                fields[location] = errors
    elif messages:
        fields["_body"] = messages
    return fields


def describe_http_error(error):
    """Translate a werkzeug HTTPException (possibly carrying webargs data) to envelope parts."""
    status = error.code or 500
    code = HTTP_CODES.get(status, HTTPStatus(status).phrase.lower().replace(" ", "_"))
    data = getattr(error, "data", None) or {}
    details = {}
    messages = data.get("messages") or data.get("errors")
    if messages is not None:
        details["fields"] = field_errors(messages)
    if status == 400 and details.get("fields", {}).get("json") == ["Invalid JSON body."]:
        return status, "malformed_json", "The request body is not valid JSON.", {}
    if status == 422:
        names = ", ".join(sorted(details.get("fields", {})))
        message = f"Some fields are invalid: {names}." if names else "The input is invalid."
    else:
        message = data.get("message") or HTTP_MESSAGES.get(status) or HTTPStatus(status).description
    return status, code, message, details


def handle_domain_error(error):
    response = envelope(error.status, error.code, error.message, error.details)
    response.headers.update(error.headers)
    return response


def register_error_handlers(app):
    """Domain errors get the envelope; HTTP errors are handled by the Api (see server.api)."""
    app.register_error_handler(DomainError, handle_domain_error)
