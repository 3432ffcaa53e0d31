"""Password hashing with Argon2id (RFC 9106), the KDF OWASP recommends first."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import current_app


def _hasher():
    return PasswordHasher(
        time_cost=current_app.config["PASSWORD_TIME_COST"],
        memory_cost=current_app.config["PASSWORD_MEMORY_KIB"],
        parallelism=1,
    )


def hash_password(password):
    """Return an Argon2id hash string (salt and parameters included)."""
    return _hasher().hash(password)


def verify_password(password_hash, password):
    """True when ``password`` matches; never raises for a wrong or malformed hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the username is unknown, so that the answer
# takes as long as for a known user and does not reveal which usernames exist.
_DUMMY = {}


def burn_time(password):
    key = (current_app.config["PASSWORD_TIME_COST"], current_app.config["PASSWORD_MEMORY_KIB"])
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-password")
    verify_password(_DUMMY[key], password)
