"""Pages of the site (being written)."""
