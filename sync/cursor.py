"""Opaque, signed pull cursors.

A cursor tells the server how far a device has read each of its audiences'
change logs (``{audience: seq}``), or how far through a first snapshot it is.
It is signed, so a device cannot forge positions (or read past another
user's), and bound to the user it was issued to.
"""

import base64
import hashlib
import hmac
import json


class BadCursor(ValueError):
    """The cursor was not issued by this server to this user, or was altered."""


def _sign(secret, body):
    return hmac.new(secret, body, hashlib.sha256).digest()[:16]


def encode(secret, user_id, state):
    """``state`` (a JSON-able dict) → an opaque token for ``user_id``."""
    body = json.dumps({"u": user_id, **state}, separators=(",", ":"), sort_keys=True).encode()
    token = body + b"." + base64.urlsafe_b64encode(_sign(secret, body))
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def decode(secret, user_id, token):
    """The state a token carries; BadCursor when it is malformed, altered or someone else's."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body, _, signature = raw.rpartition(b".")
        genuine = hmac.compare_digest(base64.urlsafe_b64decode(signature), _sign(secret, body))
    except (ValueError, TypeError) as exc:
        raise BadCursor("the cursor is not one this server issued") from exc
    if not genuine:
        raise BadCursor("the cursor was altered")
    try:
        state = json.loads(body)
    except ValueError as exc:
        raise BadCursor("the cursor is not one this server issued") from exc
    if not isinstance(state, dict) or state.pop("u", None) != user_id:
        raise BadCursor("the cursor belongs to another user")
    return state
