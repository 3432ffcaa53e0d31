"""gunicorn's settings for Sanbao, read when gunicorn starts in the checkout (its default ./gunicorn.conf.py).

Workers, binding and the rest stay on the command line (README: Running on PostgreSQL with gunicorn); this
file only checks what the app cannot see from inside one worker: how many there are.
"""

import gc

from server.config import DEFAULTS
from server.config import from_environ
from server.users.throttling import unshared_storage_warning


def when_ready(server):
    """Warn once, from the master, when the workers would each keep their own sign-in limits."""
    warning = unshared_storage_warning(DEFAULTS | from_environ(), server.cfg.workers)
    if warning:
        server.log.warning(warning)


def post_worker_init(worker):
    """Once a worker has loaded the app, its objects are kept out of the garbage collector's passes.

    The modules, the app, its mappers and schemas live as long as the worker; without this every collection
    walks them again, and a device's first pull, which makes a hundred thousand objects, paid a quarter of
    its time for it. New objects are still collected, a little less often (gen 0 at 50,000 allocations).
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
