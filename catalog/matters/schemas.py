"""Marshmallow schemas of the matter catalog, domain catalogs and mappings."""
from __future__ import annotations
