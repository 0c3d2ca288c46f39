"""Directories and resources (目录管理)."""
