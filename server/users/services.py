"""Rules of users, sign-in and tokens."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy import select

from server.core.clock import utcnow
from server.core.reference import ReferenceKind
from server.core.reference import invalid
from server.core.roles import PROVIDER_ROLES
from server.core.roles import PROVINCE_SCOPED_ROLES
from server.core.roles import REGION_ROLES
from server.errors import TooManyRequests
from server.errors import Unauthorized
from server.extensions import db
from server.network.models import Provider
from server.network.services import region_by_code
from server.users import delays
from server.users import schemas
from server.users.models import User
from server.users.passwords import burn_time
from server.users.passwords import hash_password
from server.users.passwords import verify_password
from server.users.tokens import issue_token


def sign_in(username: str, password: str, address: str, now: datetime | None = None) -> tuple[str, int, User]:
    """Check the credentials typed from ``address``; return ``(token, expires_in, user)``.

    Raises Unauthorized for wrong credentials (the message does not say which half was wrong, so usernames
    cannot be probed), counting the failure towards the delay of this username from this address; and
    TooManyRequests, before reading the password, while that delay lasts (server/users/delays.py).
    """
    now = now or utcnow()
    username = username.strip().lower()
    wait = delays.delay_left(username, address, now)
    if wait is not None:
        raise TooManyRequests("Too many failed sign-ins", code="too_many_attempts", retry_after=wait.total_seconds())
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        burn_time(password)
    if user is None or not verify_password(user.password_hash, password):
        delays.record_failure(username, address, now)
        raise Unauthorized("Wrong username or password.", code="invalid_credentials", keep_changes=True)
    if not user.active:
        raise Unauthorized("This account is disabled; ask an administrator.", code="account_disabled")
    delays.forget_failures(username, address)
    token, expires_in = issue_token(user)
    return token, expires_in, user


class UserKind(ReferenceKind[User]):
    name = "users"
    label = "user"
    model = User
    key = "username"
    args_schema = schemas.UserArgs
    list_args = schemas.UserListArgs
    columns = ("username", "password", "role", "provider_code", "region_code", "display_name")

    def find(self, key_value: str) -> User | None:
        # Usernames are stored in lower case; an address may carry any case.
        return super().find(key_value.strip().lower())

    def attributes(self, values: Mapping[str, Any], existing: User | None) -> dict[str, Any]:
        attrs: dict[str, Any] = {k: values[k] for k in ("username", "role", "display_name", "active") if k in values}
        role = values.get("role", existing.role if existing else None)
        attrs.update(self._provider(role, values, existing))
        attrs.update(self._region(role, values, existing))
        password = values.get("password")
        if existing is None and not password:
            raise invalid("password", "a new user needs a password")
        if password and not (existing and verify_password(existing.password_hash, password)):
            attrs["password_hash"] = hash_password(password)
        withdraws_tokens = "password_hash" in attrs or (existing and existing.active and attrs.get("active") is False)
        if existing is not None and withdraws_tokens:
            attrs["token_version"] = existing.token_version + 1
        return attrs

    @staticmethod
    def _provider(role: str, values: Mapping[str, Any], existing: User | None) -> dict[str, Any]:
        code = values.get("provider_code", existing and existing.provider and existing.provider.code)
        if role not in PROVIDER_ROLES:
            if code and "provider_code" in values:
                raise invalid("provider_code", f"a {role} does not belong to a provider")
            return {"provider": None}
        if not code:
            raise invalid("provider_code", f"a {role} belongs to a provider")
        provider = db.session.scalar(select(Provider).where(Provider.code == code))
        if provider is None:
            raise invalid("provider_code", f"unknown provider {code}")
        return {"provider": provider}

    @staticmethod
    def _region(role: str, values: Mapping[str, Any], existing: User | None) -> dict[str, Any]:
        code = values.get("region_code", existing and existing.region and existing.region.code)
        if not code:
            if role in REGION_ROLES:
                raise invalid("region_code", f"a {role} works for one province")
            return {"region": None}
        region = region_by_code(code)
        if region is None:
            raise invalid("region_code", f"unknown region {code}")
        if role in PROVINCE_SCOPED_ROLES and region.level != "province":
            raise invalid("region_code", f"a {role} works for a province, and {code} is a {region.level}")
        return {"region": region}

    def filter(self, statement: Select[User], args: Mapping[str, Any]) -> Select[User]:
        if "role" in args:
            statement = statement.where(User.role == args["role"])
        if "provider_code" in args:
            statement = statement.join(Provider, User.provider_id == Provider.id).where(
                Provider.code == args["provider_code"]
            )
        return statement


users = UserKind()
