"""Shared helpers used by every feature: database access, queries, URL state, formatting, charts, search, downloads.

This layer imports no feature package."""
