"""App documents, versions, packages and environments (the low-code builder)."""
