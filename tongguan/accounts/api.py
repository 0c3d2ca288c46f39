"""/api/v1 departments, users, roles, tokens and me: parse, call the service, dump."""
from __future__ import annotations

from flask.views import MethodView

from ..api import Blueprint, current_actor, if_match, with_etag
from ..db import get_session
from . import service
from .models import Department, User
from .schemas import (
    DepartmentCreate, DepartmentOut, DepartmentPage, DepartmentQuery, DepartmentUpdate, MeOut, RoleOut,
    TokenCreate, TokenCreated, TokenOut, TokenPage, TokenQuery, UserCreate, UserOut, UserPage, UserQuery, UserUpdate,
)

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Organisation and accounts (组织与账号)")


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeOut)
    def get(self):
        """The calling user, with roles and permissions."""
        return service.me_get(get_session(), current_actor())


@blp.route("/departments")
class Departments(MethodView):
    @blp.arguments(DepartmentQuery, location="query")
    @blp.response(200, DepartmentPage)
    def get(self, args):
        """List departments (the tree city > district > street > grid)."""
        return service.department_list(get_session(), current_actor(), **args)

    @blp.arguments(DepartmentCreate)
    @blp.response(201, DepartmentOut)
    def post(self, data):
        """Create a department."""
        db = get_session()
        dept = service.department_create(db, current_actor(), data)
        db.commit()
        return with_etag(dept, 201)


@blp.route("/departments/<int(min=1, max=2147483647):department_id>")
class DepartmentItem(MethodView):
    @blp.response(200, DepartmentOut)
    def get(self, department_id):
        """One department; its ETag is needed to change it."""
        return with_etag(service.department_get(get_session(), current_actor(), department_id))

    @if_match(Department, "department_id")
    @blp.arguments(DepartmentUpdate(partial=True))
    @blp.response(200, DepartmentOut)
    def patch(self, data, department_id, if_version):
        """Change a department (rename, move, reorder)."""
        db = get_session()
        dept = service.department_update(db, current_actor(), department_id, data, if_version)
        db.commit()
        return with_etag(dept)

    @if_match(Department, "department_id")
    @blp.response(204)
    def delete(self, department_id, if_version):
        """Delete an empty department."""
        db = get_session()
        service.department_delete(db, current_actor(), department_id, if_version)
        db.commit()


@blp.route("/roles")
class Roles(MethodView):
    @blp.response(200, RoleOut(many=True))
    def get(self):
        """The roles and the permissions each grants."""
        return service.role_list(get_session(), current_actor())


@blp.route("/users")
class Users(MethodView):
    @blp.arguments(UserQuery, location="query")
    @blp.response(200, UserPage)
    def get(self, args):
        """List users."""
        return service.user_list(get_session(), current_actor(), **args)

    @blp.arguments(UserCreate)
    @blp.response(201, UserOut)
    def post(self, data):
        """Create a user (admin)."""
        db = get_session()
        user = service.user_create(db, current_actor(), data)
        db.commit()
        return with_etag(user, 201)


@blp.route("/users/<int(min=1, max=2147483647):user_id>")
class UserItem(MethodView):
    @blp.response(200, UserOut)
    def get(self, user_id):
        """One user; its ETag is needed to change it."""
        return with_etag(service.user_get(get_session(), current_actor(), user_id))

    @if_match(User, "user_id")
    @blp.arguments(UserUpdate(partial=True))
    @blp.response(200, UserOut)
    def patch(self, data, user_id, if_version):
        """Change a user: fields, roles, password, active state (admin)."""
        db = get_session()
        user = service.user_update(db, current_actor(), user_id, data, if_version)
        db.commit()
        return with_etag(user)


@blp.route("/tokens")
class Tokens(MethodView):
    @blp.arguments(TokenQuery, location="query")
    @blp.response(200, TokenPage)
    def get(self, args):
        """My API tokens (an admin may list anybody's with user_id)."""
        return service.token_list(get_session(), current_actor(), **args)

    @blp.arguments(TokenCreate)
    @blp.response(201, TokenCreated)
    def post(self, data):
        """Create an API token; the secret is in the answer and never again."""
        db = get_session()
        token, secret = service.token_create(db, current_actor(), data)
        db.commit()
        token.secret = secret  # not a column: exists only for this answer
        return token


@blp.route("/tokens/<int(min=1, max=2147483647):token_id>")
class TokenItem(MethodView):
    @blp.response(200, TokenOut)
    def delete(self, token_id):
        """Revoke a token: it stops working at once."""
        db = get_session()
        token = service.token_revoke(db, current_actor(), token_id)
        db.commit()
        return token
