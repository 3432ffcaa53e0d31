"""Fixtures of the accounts tests: reading users back from the database, fresh."""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.users.models import User

# What a user row holds, for "a refused request changes nothing" comparisons.
USER_COLUMNS = (
    "id",
    "username",
    "password_hash",
    "role",
    "display_name",
    "provider_id",
    "region_id",
    "active",
    "token_version",
)


@pytest.fixture
def stored_user():
    """``stored_user(username)`` → the row as the database holds it now (None when absent)."""

    def read(username):
        db.session.expire_all()
        return db.session.scalar(select(User).where(User.username == username))

    return read


@pytest.fixture
def users_table():
    """``users_table()`` → every user row as tuples, to compare before and after a request."""

    def snapshot():
        db.session.expire_all()
        rows = db.session.scalars(select(User).order_by(User.id)).all()
        return [tuple(getattr(user, column) for column in USER_COLUMNS) for user in rows]

    return snapshot


@pytest.fixture
def count_users():
    def count():
        return db.session.scalar(select(func.count()).select_from(User))

    return count
