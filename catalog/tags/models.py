"""Tables of tags, masking, grants and feedback."""
from __future__ import annotations

from tongguan.db import Base  # noqa: F401
