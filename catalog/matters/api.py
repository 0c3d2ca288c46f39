"""/api/v1 for the matter catalog, domain catalogs and mappings: parse, call the service, dump."""
from __future__ import annotations

from tongguan.api import Blueprint

blp = Blueprint("matters", __name__, url_prefix="/api/v1", description="The matter catalog, domain catalogs and mappings (事项目录)")
