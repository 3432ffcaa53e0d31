"""Finding the one row a caller asked for."""

from server.errors import NotFound
from server.extensions import db


def one_or_404(statement, model, message, code, lock=False):
    """The ``model`` row ``statement`` finds (already narrowed to what the caller may see), else 404 ``code``.

    ``lock`` holds the row until the transaction ends (PostgreSQL), so two changes to it queue up and the
    second reads what the first wrote.
    """
    if lock:
        statement = statement.with_for_update(of=model).execution_options(populate_existing=True)
    row = db.session.scalar(statement)
    if row is None:
        raise NotFound(message, code=code)
    return row
