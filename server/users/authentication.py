"""Loading the caller from the bearer token, before any API view runs."""

from flask import g
from flask import request

from server.core.access import needs_token
from server.errors import Unauthorized
from server.extensions import db
from server.users.models import User
from server.users.tokens import read_token


def authenticate():
    """Load ``g.user`` from the bearer token for API endpoints that are not public."""
    g.user = None
    if not needs_token():
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.", code="token_missing")
    claims = read_token(token.strip())
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError):
        raise Unauthorized("The access token is not valid.", code="token_invalid") from None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.token_version != claims["ver"]:
        raise Unauthorized("This access token has been withdrawn; sign in again.", code="token_revoked")
    g.user = user


def init_app(app):
    app.config.setdefault("API_BLUEPRINTS", set())
    app.before_request(authenticate)
