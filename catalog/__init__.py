"""Directories, resources, the matter catalog, tags and the component registry."""
