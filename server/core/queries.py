"""Finding the one row a caller asked for; counting the rows a statement changed; a column among many values."""

from collections.abc import Collection
from typing import Any
from typing import TypeVar
from typing import cast

from sqlalchemy import ColumnElement
from sqlalchemy import CursorResult
from sqlalchemy import Executable
from sqlalchemy import Select
from sqlalchemy import any_
from sqlalchemy import bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute

from server.errors import NotFound
from server.extensions import db

RowT = TypeVar("RowT")
# A statement of any columns: for the rules that narrow a statement and give it back as it came.
StatementT = TypeVar("StatementT", bound=Select[*tuple[Any, ...]])


def one_or_404(statement: Select[RowT], model: type[RowT], message: str, code: str, lock: bool = False) -> RowT:
    """The ``model`` row ``statement`` finds (already narrowed to what the caller may see), else 404 ``code``.

    ``lock`` holds the row until the transaction ends (PostgreSQL), so two changes to it queue up and the
    second reads what the first wrote.
    """
    if lock:
        statement = statement.with_for_update(of=model).execution_options(populate_existing=True)
    row: RowT | None = db.session.scalar(statement)
    if row is None:
        raise NotFound(message, code=code)
    return row


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE; how many rows it changed."""
    # Such a statement answers a CursorResult, which counts them; Session.execute's type says only Result.
    return cast(CursorResult[Any], db.session.execute(statement)).rowcount


def among(column: QueryableAttribute[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(values)``, the values one array parameter.

    A push names hundreds of jobs and ops. As hundreds of parameters, each such statement's text was new to the
    driver, which parsed it again at every call; as one, the text is the same for any count, and parsed once.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.expression.type)))
