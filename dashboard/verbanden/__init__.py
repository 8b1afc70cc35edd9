"""Verbanden: the relations explorer view."""
