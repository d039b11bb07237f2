"""Search of the catalogue and lessons (issue 17)."""
