"""Cluster registration and agent tokens (issue, verify, revoke, rotate)."""
