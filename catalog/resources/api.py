"""/api/v1 for directories and resources: parse, call the service, dump."""
from __future__ import annotations

from tongguan.api import Blueprint

blp = Blueprint("resources", __name__, url_prefix="/api/v1", description="Directories and resources (目录管理)")
