"""Who may do what in the catalog.

Levels are view < use < edit < manage. A user's level on a resource is the
highest of: grants on its directory or any directory above it (to the user's
department or one of the user's roles), grants on the resource itself, and
`edit` when the user's department owns it. Holders of `catalog.admin` manage
everything. Every listing filters with `visible_clause`, so search, statistics
and exports never show a row the user may not view.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from tongguan.errors import Forbidden, NotFound
from tongguan.permissions import Actor

from .models import LEVELS, CatalogGrant, Directory, Resource

RANK = {level: i for i, level in enumerate(LEVELS)}


@dataclass
class Access:
    admin: bool
    department_id: int | None
    dir_grants: dict[str, str] = field(default_factory=dict)  # directory path -> best level there
    resource_grants: dict[int, str] = field(default_factory=dict)  # resource id -> best level

    def directory_level(self, directory: Directory) -> str | None:
        if self.admin:
            return "manage"
        best = None
        for path, level in self.dir_grants.items():
            if directory.path.startswith(path) and (best is None or RANK[level] > RANK[best]):
                best = level
        return best

    def resource_level(self, resource: Resource) -> str | None:
        if self.admin:
            return "manage"
        levels = [self.directory_level(resource.directory), self.resource_grants.get(resource.id)]
        if resource.owner_department_id == self.department_id:
            levels.append("edit")
        levels = [lv for lv in levels if lv]
        return max(levels, key=RANK.__getitem__) if levels else None

    def visible_clause(self, at_least: str = "view") -> ColumnElement[bool]:
        """A WHERE clause on Resource: the rows this user may see (at `at_least` level)."""
        if self.admin:
            return true()
        paths = [p for p, lv in self.dir_grants.items() if RANK[lv] >= RANK[at_least]]
        parts = []
        if paths:
            parts.append(Resource.directory_id.in_(
                select(Directory.id).where(or_(*(Directory.path.startswith(p, autoescape=True) for p in paths)))))
        ids = [rid for rid, lv in self.resource_grants.items() if RANK[lv] >= RANK[at_least]]
        if ids:
            parts.append(Resource.id.in_(ids))
        if self.department_id is not None and RANK[at_least] <= RANK["edit"]:
            parts.append(Resource.owner_department_id == self.department_id)
        return or_(*parts) if parts else false()


def access_for(session: Session, actor: Actor) -> Access:
    if actor.can("catalog.admin"):
        return Access(admin=True, department_id=actor.department_id)
    principals = [CatalogGrant.role_code.in_(sorted(actor.roles))] if actor.roles else []
    if actor.department_id is not None:
        principals.append(CatalogGrant.department_id == actor.department_id)
    access = Access(admin=False, department_id=actor.department_id)
    if not principals:
        return access
    rows = session.execute(
        select(CatalogGrant.level, CatalogGrant.resource_id, Directory.path)
        .outerjoin(Directory, Directory.id == CatalogGrant.directory_id)
        .where(or_(*principals), or_(CatalogGrant.resource_id.is_not(None), Directory.deleted_at.is_(None)))
    )
    for level, resource_id, path in rows:
        target = access.resource_grants if resource_id is not None else access.dir_grants
        key = resource_id if resource_id is not None else path
        if key not in target or RANK[level] > RANK[target[key]]:
            target[key] = level
    return access


def require_resource(access: Access, resource: Resource, level: str) -> None:
    have = access.resource_level(resource)
    if have is None:
        raise NotFound(f"Resource {resource.id} does not exist.")  # do not reveal what one may not see
    if RANK[have] < RANK[level]:
        raise Forbidden(f"This needs '{level}' on the resource; you have '{have}'.")


def require_directory(access: Access, directory: Directory, level: str) -> None:
    have = access.directory_level(directory)
    if have is None or RANK[have] < RANK[level]:
        raise Forbidden(f"This needs '{level}' on the directory “{directory.name}”.")
