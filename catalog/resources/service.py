"""Directories and resources (目录管理): plain functions taking a session and an actor."""
from __future__ import annotations
