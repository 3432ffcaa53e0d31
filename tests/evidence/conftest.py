"""The scan API tests work on the dispatch tests' world: its units, people and jobs."""

from tests.jobs.conftest import fetch  # noqa: F401  (fixtures shared with the jobs tests)
from tests.jobs.conftest import open_job  # noqa: F401
from tests.jobs.conftest import people  # noqa: F401
from tests.jobs.conftest import walk  # noqa: F401
from tests.jobs.conftest import world  # noqa: F401
from tests.products.conftest import make_policy  # noqa: F401
from tests.products.conftest import make_product  # noqa: F401
