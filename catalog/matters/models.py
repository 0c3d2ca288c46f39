"""Tables of the matter catalog, domain catalogs and mappings."""
from __future__ import annotations

from tongguan.db import Base  # noqa: F401
