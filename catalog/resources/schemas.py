"""Marshmallow schemas of directories and resources."""
from __future__ import annotations
