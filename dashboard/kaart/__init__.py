"""Kaart: choropleth maps and the residents' points layer."""
