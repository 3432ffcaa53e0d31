"""Users, roles, passwords and access tokens."""
