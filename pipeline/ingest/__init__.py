"""Ingest: configured sources (feed URLs, feed files, article files) -> normalized Articles."""
