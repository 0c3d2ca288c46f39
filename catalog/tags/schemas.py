"""Marshmallow schemas of tags, masking, grants and feedback."""
from __future__ import annotations
