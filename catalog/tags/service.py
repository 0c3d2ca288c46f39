"""Tags, masking, grants and feedback (标签管理): plain functions taking a session and an actor."""
from __future__ import annotations
