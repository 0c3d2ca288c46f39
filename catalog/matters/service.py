"""The matter catalog, domain catalogs and mappings (事项目录): plain functions taking a session and an actor."""
from __future__ import annotations
