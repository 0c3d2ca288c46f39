"""Tables of directories and resources."""
from __future__ import annotations

from tongguan.db import Base  # noqa: F401
