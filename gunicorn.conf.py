"""gunicorn's settings for Sanbao, read when gunicorn starts in the checkout (its default ./gunicorn.conf.py).

Workers, binding and the rest stay on the command line (README: Running on PostgreSQL with gunicorn); this
file only checks what the app cannot see from inside one worker: how many there are.
"""

from server.config import DEFAULTS
from server.config import from_environ
from server.users.throttling import unshared_storage_warning


def when_ready(server):
    """Warn once, from the master, when the workers would each keep their own sign-in limits."""
    warning = unshared_storage_warning(DEFAULTS | from_environ(), server.cfg.workers)
    if warning:
        server.log.warning(warning)
