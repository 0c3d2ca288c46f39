"""Report templates -> HTML -> PDF, schedules and the archive."""
