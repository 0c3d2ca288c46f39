"""Roles, what each may do, the actor, and the `action` decorator every service uses.

A service function is declared with the permission it needs::

    @action("user.manage")
    def user_create(session, actor, data): ...

The decorator checks the actor before the body runs, so the rule holds for
the API, the UI, the CLI and any later caller alike. `ACTIONS` lists every
registered action; a meta-test checks each one has a permission and a test.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from .audit.recorder import acting_as
from .errors import Forbidden, Unauthorized

# role code -> (zh-CN name, en name)
ROLES: dict[str, tuple[str, str]] = {
    "admin": ("系统管理员", "Administrator"),
    "catalog_manager": ("目录管理员", "Catalog manager"),
    "data_operator": ("数据运营", "Data operator"),
    "author": ("场景运营", "Operator / author"),
    "dispatcher": ("指挥调度", "Dispatcher"),
    "handler": ("处置人员", "Handler"),
    "leader": ("领导", "Leader"),
}

# Every permission a role grants. `admin` holds all of them.
PERMISSIONS: dict[str, str] = {
    "org.read": "read departments, users and roles",
    "org.manage": "create and change departments and users",
    "audit.read": "read the audit log",
    "token.own": "create, list and revoke one's own API tokens",
    "inbox.own": "read one's own in-app notifications",
    "token.manage": "list and revoke anybody's API tokens",
    "system.backup": "back up and restore the database",
    "catalog.read": "browse the resource catalog (only what directory and resource grants allow)",
    "catalog.write": "create and change resources and directories where a grant allows editing",
    "catalog.admin": "manage every directory and resource, their grants, the recycle bin and imports",
    "matter.read": "read the matter catalog and its mappings",
    "matter.manage": "change the matter catalog, domain catalogs and mappings",
    "tag.read": "browse tags (values masked unless granted)",
    "tag.apply": "apply for tag grants; like, favourite and comment",
    "tag.manage": "define tags and attach tag values",
    "tag.approve": "grant or refuse applications for tags",
    "component.read": "browse the component library",
    "component.manage": "register and change components",
    "data.read": "browse data sources, data services and indicators",
    "data.manage": "register data sources and build data services and indicators",
    "app.read": "browse apps (cards, pages, big screens)",
    "app.manage": "create and change apps",
    "event.report": "report events (intake)",
    "event.read": "read events (the ones at one's department; all with event.dispatch)",
    "event.handle": "act on the events dispatched to one's department",
    "event.dispatch": "accept, dispatch, review, close and supervise any event (the operations center)",
    "flow.manage": "design, publish and bind flows",
    "package.verify": "verify resource packages and read the platform's and the trusted signing keys",
    "package.manage": "sign resource packages and manage the trusted signing keys",
    "environment.manage": "register environments (other instances), deploy app releases to them and roll back",
    "report.read": "read generated reports and render published report templates",
    "report.manage": "design report templates, preview them and render drafts",
    "template.use": "clone scenario templates into the workspace (their sources, indicators, rules, flows, "
                    "reports and app are created under the author's name) and run their drills",
    "template.manage": "remove anybody's saved templates and see every clone",
}

_READER = {"org.read", "token.own", "inbox.own", "catalog.read", "matter.read", "tag.read", "tag.apply", "component.read",
           "data.read", "app.read", "event.report", "event.read", "package.verify", "report.read"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "catalog_manager": frozenset(_READER | {
        "catalog.write", "catalog.admin", "matter.manage", "tag.manage", "tag.approve", "component.manage"}),
    "data_operator": frozenset(_READER | {"catalog.write", "tag.manage", "data.manage"}),
    "author": frozenset(_READER | {"catalog.write", "app.manage", "flow.manage", "report.manage", "template.use"}),
    "dispatcher": frozenset(_READER | {"event.handle", "event.dispatch", "flow.manage"}),
    "handler": frozenset(_READER | {"event.handle"}),
    "leader": frozenset(_READER | {"audit.read"}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, or the system itself (CLI, jobs, migrations)."""

    id: int | None
    username: str
    roles: frozenset[str] = frozenset()
    department_id: int | None = None
    permissions: frozenset[str] = field(default=frozenset())
    via: str = "session"  # session | token | cli | system

    @classmethod
    def for_user(cls, user, via: str = "session") -> "Actor":
        return cls.with_roles(user.id, user.username, frozenset(r.code for r in user.roles), user.department_id, via)

    @classmethod
    def with_roles(cls, user_id: int, username: str, roles: frozenset, department_id: int | None,
                   via: str) -> "Actor":
        perms = frozenset().union(*(ROLE_PERMISSIONS.get(r, frozenset()) for r in roles)) if roles else frozenset()
        return cls(user_id, username, roles, department_id, perms, via)

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(None, name, frozenset({"admin"}), None, frozenset(PERMISSIONS), "system")

    @property
    def is_authenticated(self) -> bool:
        return self.via in ("session", "token", "cli", "system")

    def can(self, permission: str) -> bool:
        return permission in self.permissions


ANONYMOUS = Actor(None, "anonymous", via="anonymous")

# action name -> permission
ACTIONS: dict[str, str | None] = {}


def check(actor: Actor, permission: str) -> None:
    if actor is None or not actor.is_authenticated:
        raise Unauthorized("Authentication required.")
    if not actor.can(permission):
        raise Forbidden(f"Permission '{permission}' is required.")


def action(permission: str | None):
    """Register a service function and check `permission` before it runs.

    `None` means "any authenticated actor"; finer rules (one's own token) are
    checked inside the function."""

    def wrap(fn):
        ACTIONS[fn.__name__] = permission

        @functools.wraps(fn)
        def inner(session, actor, *args, **kwargs):
            if permission is None:
                if actor is None or not actor.is_authenticated:
                    raise Unauthorized("Authentication required.")
            else:
                check(actor, permission)
            with acting_as(session, actor, fn.__name__):
                result = fn(session, actor, *args, **kwargs)
                session.flush()  # audit rows are written now, while the actor is known
                return result

        inner.permission = permission
        return inner

    return wrap
