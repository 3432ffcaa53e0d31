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
from typing import TypedDict
from typing import cast


class SnapshotPosition(TypedDict):
    i: int  # which kind of entity the snapshot is at, by its index in the server's order
    after: int  # the last id of that kind already sent
    seqs: dict[str, int]  # each audience's log position when the snapshot began


class LogState(TypedDict):
    seqs: dict[str, int]


class SnapshotState(TypedDict):
    snap: SnapshotPosition


CursorState = LogState | SnapshotState


class BadCursor(ValueError):
    """The cursor was not issued by this server to this user, or was altered."""


def _sign(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, body, hashlib.sha256).digest()[:16]


def encode(secret: bytes, user_id: int, state: CursorState) -> str:
    """``state`` → an opaque token for ``user_id``."""
    body = json.dumps({"u": user_id, **state}, separators=(",", ":"), sort_keys=True).encode()
    token = body + b"." + base64.urlsafe_b64encode(_sign(secret, body))
    return base64.urlsafe_b64encode(token).decode().rstrip("=")


def decode(secret: bytes, user_id: int, token: str) -> CursorState:
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
    # Signed by this server, so it is a state encode() was given.
    return cast(CursorState, state)
