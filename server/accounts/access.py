"""Who is calling, and what they may do.

Every endpoint of an API blueprint requires a bearer token unless its view is
marked ``public``; secure is the default, so a forgotten decorator cannot open
an endpoint. Role checks sit on each method with ``roles_required``.
"""

import functools

from flask import current_app
from flask import g
from flask import request

from server.errors import Forbidden
from server.errors import Unauthorized
from server.extensions import db


def public(view):
    """Mark a view function or MethodView class as open to callers without a token."""
    view.public = True
    return view


def _is_public_endpoint():
    view = current_app.view_functions.get(request.endpoint)
    if view is None:
        return True  # no route: the 404/405 handler answers
    if getattr(view, "public", False):
        return True
    view_class = getattr(view, "view_class", None)
    return bool(view_class and getattr(view_class, "public", False))


def authenticate():
    """Load ``g.user`` from the bearer token for API endpoints that are not public."""
    g.user = None
    if request.blueprint not in current_app.config["API_BLUEPRINTS"] or _is_public_endpoint():
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.", code="token_missing")

    from server.accounts.models import User
    from server.accounts.tokens import read_token

    claims = read_token(token.strip())
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError):
        raise Unauthorized("The access token is not valid.", code="token_invalid") from None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.token_version != claims["ver"]:
        raise Unauthorized("This access token has been withdrawn; sign in again.", code="token_revoked")
    g.user = user


def current_user():
    """The signed-in user of this request (never None inside a protected endpoint)."""
    return g.user


def roles_required(*roles):
    """Allow the decorated view only to users holding one of ``roles``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = g.get("user")
            if user is None:
                raise Unauthorized("Sign in first.", code="token_missing")
            if user.role not in roles:
                raise Forbidden(
                    f"A {user.role} may not do this.",
                    code="role_forbidden",
                    details={"allowed_roles": list(roles)},
                )
            return view(*args, **kwargs)

        return wrapper

    return decorator


def init_app(app):
    app.config.setdefault("API_BLUEPRINTS", set())
    app.before_request(authenticate)
