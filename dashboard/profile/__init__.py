"""Buurt in beeld: the profile page's view, sections and plain-language summary."""
