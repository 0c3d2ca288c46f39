"""/api/v1 for the component registry: parse, call the service, dump."""
from __future__ import annotations

from tongguan.api import Blueprint

blp = Blueprint("registry", __name__, url_prefix="/api/v1", description="The component registry (组件管理)")
