"""/healthz (the process answers) and /readyz (database reachable, migrations at head)."""
from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import text

from .api import Blueprint
from .db import current_revision, get_engine, head_revision

blp = Blueprint("health", __name__, url_prefix="", description="Liveness and readiness", public=True)


class HealthOut(Schema):
    status = fields.Str()
    database = fields.Str()
    revision = fields.Str(allow_none=True)
    head = fields.Str()


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200, HealthOut)
    def get(self):
        """The process is up."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200, HealthOut)
    @blp.alt_response(503, schema=HealthOut, description="Not ready")
    def get(self):
        """The database answers and its schema is at the migration head."""
        engine = get_engine()
        head = head_revision()
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            revision = current_revision(engine)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
            return {"status": "unavailable", "database": type(exc).__name__, "revision": None, "head": head}, 503
        status = "ok" if revision == head else "migrations_behind"
        return {"status": status, "database": "ok", "revision": revision, "head": head}, (200 if status == "ok" else 503)
