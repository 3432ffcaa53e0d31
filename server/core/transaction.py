"""The request is the transaction: services flush, and the request commits once, as its view returns a
success, or rolls back when the answer is an error (unless the error records itself: ``keep_changes``).

The commit happens at dispatch, inside the request's error handling, not in ``after_request``: a commit
that fails because a concurrent writer won (a unique constraint, a versioned row) then meets the same
409 handlers as the services' own errors, instead of escaping as a 500 where no handler answers.
"""

import logging

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from server.errors import DomainError
from server.errors import envelope
from server.extensions import db

log = logging.getLogger(__name__)


class Application(Flask):
    """Flask, committing the request's transaction when its view has answered with a success.

    A refusal that records itself (a ``DomainError`` raised with ``keep_changes``: a failed sign-in counts
    towards its delay) is committed too; every other error answer keeps nothing.
    """

    def dispatch_request(self):
        try:
            result = super().dispatch_request()
        except DomainError as error:
            if error.keep_changes:
                db.session.commit()
            raise
        response = self.make_response(result)
        if response.status_code < 400:
            db.session.commit()
        return response


def discard_on_error(response):
    """An error answer keeps nothing of what the request did."""
    if response.status_code >= 400:
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
    app.after_request(discard_on_error)
    app.register_error_handler(IntegrityError, integrity_conflict)
    app.register_error_handler(StaleDataError, stale_conflict)
