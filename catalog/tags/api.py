"""/api/v1 for tags, masking, grants and feedback: parse, call the service, dump."""
from __future__ import annotations

from tongguan.api import Blueprint

blp = Blueprint("tags", __name__, url_prefix="/api/v1", description="Tags, masking, grants and feedback (标签管理)")
