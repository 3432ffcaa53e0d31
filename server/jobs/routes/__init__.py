"""API of the call centre and dispatch: customers, requests, jobs and every step of a job's life.

One blueprint (``blueprint.py``); each module here adds the routes of one concept to it.
"""

from server.jobs.routes import dispatch
from server.jobs.routes import jobs
from server.jobs.routes import relay
from server.jobs.routes import requests
from server.jobs.routes import steps
from server.jobs.routes import team
from server.jobs.routes.blueprint import blp

__all__ = ["blp", "dispatch", "jobs", "relay", "requests", "steps", "team"]
