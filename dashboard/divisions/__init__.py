"""Cross-division joins in the dashboard: the profile note and the "Over de data" section."""
