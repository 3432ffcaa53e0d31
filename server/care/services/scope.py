"""Who sees which callbacks and complaints: the same slices as jobs."""

from typing import Any

from sqlalchemy import false
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from server.care.models import Callback
from server.care.models import CareTask
from server.care.models import Complaint
from server.care.models import CustomerReminder
from server.core.queries import StatementT
from server.core.roles import ADMIN
from server.core.roles import AGENT
from server.core.roles import DISPATCHER
from server.core.roles import PROVIDER_MANAGER
from server.extensions import db
from server.users.models import User

# Agents and admins work the care queues; dispatchers and provider managers read them.
WORKERS = (ADMIN, AGENT)
READERS = (ADMIN, AGENT, DISPATCHER, PROVIDER_MANAGER)


def visible(statement: StatementT, model: type[Callback] | type[Complaint], user: User) -> StatementT:
    """``statement`` narrowed to what ``user`` sees of ``model`` (rows carrying province_id and provider_id).

    Agents and admins work nationally; a dispatcher with a province sees its rows; a
    provider manager sees the rows about their own provider, read-only.
    """
    if user.role in WORKERS:
        return statement
    if user.role == DISPATCHER:
        return statement if user.province_id is None else statement.where(model.province_id == user.province_id)
    if user.role == PROVIDER_MANAGER:
        return statement.where(model.provider_id == user.provider_id)
    return statement.where(false())


def insert_new(
    model: type[Callback] | type[CareTask] | type[CustomerReminder], rows: list[dict[str, Any]], key: str
) -> list[int]:
    """Insert ``rows`` of ``model``, skipping those whose unique ``key`` is taken; the ids inserted.

    Two transactions inserting one key at once: the second waits for the first
    and then skips its row, so neither fails and one row results.
    """
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model).values(rows)
    inserting = statement.on_conflict_do_nothing(index_elements=[key]).returning(model.id)
    return list(db.session.scalars(inserting))
