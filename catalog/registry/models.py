"""Tables of the component registry."""
from __future__ import annotations

from tongguan.db import Base  # noqa: F401
