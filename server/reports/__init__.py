"""Service reports for admins, dispatchers, auditors and provider managers, each also as CSV."""
