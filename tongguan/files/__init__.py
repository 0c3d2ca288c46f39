"""Uploaded files: stored on disk under STORAGE_PATH by content hash, described in the database."""
