"""Shared helpers below every domain: the request's transaction, access checks, clock, privacy, CSV, reference kinds."""
