"""Offline sync protocol: idempotent push of client operations and a change feed pulled by cursor.

The core imports no Flask; the server mounts it through a thin routes module.
"""
