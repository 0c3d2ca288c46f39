"""/api/v1/environments and deployments: register other instances, check them, deploy a release
to several at once, roll back, and the history by environment and by app."""
from __future__ import annotations

from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session
from tongguan.schemas import PageArgs

from . import service
from .models import Environment
from .schemas import (DeploymentOut, DeploymentPage, DeployRequest, EnvironmentCheck, EnvironmentCreate,
                      EnvironmentOut, EnvironmentPage, EnvironmentQuery, EnvironmentUpdate)

blp = Blueprint("environments", __name__, url_prefix="/api/v1",
                description="Environments and deployments (环境与部署)")
ENV = "<int(min=1, max=2147483647):environment_id>"


@blp.route("/environments")
class Environments(MethodView):
    @blp.arguments(EnvironmentQuery, location="query")
    @blp.response(200, EnvironmentPage)
    def get(self, args):
        """The registered environments (their tokens are never shown)."""
        return service.environment_list(get_session(), current_actor(), **args)

    @blp.arguments(EnvironmentCreate)
    @blp.response(201, EnvironmentOut)
    def post(self, data):
        """Register an environment: its URL and an API token of a user with app.manage there."""
        db = get_session()
        env = service.environment_create(db, current_actor(), data)
        db.commit()
        return with_etag(env, 201)


@blp.route(f"/environments/{ENV}")
class EnvironmentItem(MethodView):
    @blp.response(200, EnvironmentOut)
    def get(self, environment_id):
        """One environment; its ETag is needed to change it."""
        return with_etag(service.environment_get(get_session(), current_actor(), environment_id))

    @if_match(Environment, "environment_id")
    @blp.arguments(EnvironmentUpdate)
    @blp.response(200, EnvironmentOut)
    def patch(self, data, environment_id, if_version):
        """Change name, URL, note or token."""
        db = get_session()
        env = service.environment_update(db, current_actor(), environment_id, data, if_version)
        db.commit()
        return with_etag(env)

    @if_match(Environment, "environment_id")
    @blp.response(204)
    def delete(self, environment_id, if_version):
        """Forget the environment and its deployment history."""
        db = get_session()
        service.environment_delete(db, current_actor(), environment_id, if_version)
        db.commit()


@blp.route(f"/environments/{ENV}/check")
class EnvironmentCheckView(MethodView):
    @blp.response(200, EnvironmentCheck)
    def get(self, environment_id):
        """Ask the environment whether it is up, whose token this is, and whether it trusts our key."""
        return service.environment_check(get_session(), current_actor(), environment_id)


@blp.route(f"/environments/{ENV}/deployments")
class EnvironmentDeployments(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, DeploymentPage)
    def get(self, args, environment_id):
        """Deployments to the environment, newest first."""
        return service.deployment_list(get_session(), current_actor(), environment_id, **args)


@blp.route("/deployments")
class Deployments(MethodView):
    @blp.arguments(DeployRequest)
    @blp.response(201, DeploymentOut(many=True))
    def post(self, data):
        """Deploy a release to one or more environments at once: one deployment each, succeeded or
        failed with its message (one failing does not stop the others)."""
        db = get_session()
        made = service.deploy(db, current_actor(), data["app_id"], data["number"], data["environment_ids"])
        db.commit()
        return made


@blp.route("/deployments/<int(min=1, max=2147483647):deployment_id>/rollback")
class DeploymentRollback(MethodView):
    @blp.response(201, DeploymentOut)
    def post(self, deployment_id):
        """Re-activate there the release of the app's previous succeeded deployment (a new deployment)."""
        db = get_session()
        back = service.rollback(db, current_actor(), deployment_id)
        db.commit()
        return back


@blp.route("/apps/<int(min=1, max=2147483647):app_id>/deployments")
class AppDeployments(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, DeploymentPage)
    def get(self, args, app_id):
        """Where the app's releases were deployed, newest first."""
        return service.app_deployment_list(get_session(), current_actor(), app_id, **args)
