"""The request is the transaction: services flush, and the request edge
commits once when the answer is a success or rolls back when it is not."""

import logging

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from server.errors import envelope
from server.extensions import db

log = logging.getLogger(__name__)


def finish_transaction(response):
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def integrity_conflict(error):
    """A constraint the services could not pre-check (a concurrent writer won): 409, nothing kept."""
    db.session.rollback()
    log.info("integrity conflict: %s", error.orig)
    return envelope(409, "conflict", "The change conflicts with data saved at the same moment; try again.")


def stale_conflict(error):
    """Someone changed the row between this request's read and its write (a versioned row): 409, nothing kept."""
    db.session.rollback()
    log.info("stale write: %s", error)
    return envelope(409, "concurrent_change", "Someone else changed this at the same moment; reload it and try again.")


def init_app(app):
    app.after_request(finish_transaction)
    app.register_error_handler(IntegrityError, integrity_conflict)
    app.register_error_handler(StaleDataError, stale_conflict)
