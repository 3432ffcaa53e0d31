"""Signed, expiring bearer tokens (JWT, HS256)."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import jwt
from flask import current_app

from server.errors import Unauthorized

_ALGORITHM = "HS256"


def issue_token(user, now=None):
    """Return ``(token, expires_in_seconds)`` for ``user``."""
    now = now or datetime.now(UTC)
    ttl = current_app.config["TOKEN_TTL_SECONDS"]
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "ver": user.token_version,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl)).timestamp()),
    }
    return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm=_ALGORITHM), ttl


def read_token(token):
    """Return the verified claims of ``token`` or raise Unauthorized saying why."""
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[_ALGORITHM],
            options={"require": ["sub", "exp", "iat", "ver"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired; sign in again.", code="token_expired") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("The access token is not valid.", code="token_invalid") from None
    return claims
