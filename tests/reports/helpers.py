"""Helpers (not fixtures) of the report tests."""

from datetime import UTC
from datetime import datetime

# Noon, local time, on 10 January 2026.
NOON = datetime(2026, 1, 10, 4, 0, tzinfo=UTC)
