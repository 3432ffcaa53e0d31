"""API of parts supply: parts on jobs, requisitions and sales orders, the HQ plan, provider accounts, the cycle.

One blueprint (``blueprint.py``); each module here adds the routes of one concept to it.
"""

from server.supply.routes import cycle
from server.supply.routes import jobs
from server.supply.routes import plan
from server.supply.routes import providers
from server.supply.routes import requisitions
from server.supply.routes.blueprint import blp

__all__ = ["blp", "cycle", "jobs", "plan", "providers", "requisitions"]
