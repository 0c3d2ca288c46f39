"""Marshmallow schemas of the component registry."""
from __future__ import annotations
