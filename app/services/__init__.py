"""Business rules as verb-named functions; no Flask request objects here."""
