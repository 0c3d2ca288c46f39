from __future__ import annotations

from flask.views import MethodView

from ..api import Blueprint, current_actor
from ..db import get_session
from . import service
from .schemas import AuditPage, AuditQuery

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit log (审计日志)")


@blp.route("")
class AuditList(MethodView):
    @blp.arguments(AuditQuery, location="query")
    @blp.response(200, AuditPage)
    def get(self, args):
        """Filter the audit log (admin, leader)."""
        args["action_name"] = args.pop("action", None)
        return service.audit_list(get_session(), current_actor(), **args)
