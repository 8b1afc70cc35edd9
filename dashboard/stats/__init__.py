"""Plain, tested statistics for Buurtbalans pages (no Streamlit): relations, deviance, peers, uncertainty, trends."""
