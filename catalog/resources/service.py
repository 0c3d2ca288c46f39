"""Directories and resources: plain functions taking a session and an actor.

Role permissions say what kind of thing a user may do at all (`catalog.read`,
`catalog.write`, `catalog.admin`); grants on directories and resources say where
(see access.py). Deleting is soft: rows go to the recycle bin as one batch and
can be restored together.
"""
from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tongguan.accounts.models import Department, Role
from tongguan.db import utcnow
from tongguan.errors import Conflict, Forbidden, Invalid, NotFound
from tongguan.pagination import check_version
from tongguan.permissions import Actor, action

from .access import RANK, Access, access_for, require_directory, require_resource
from .classes import flatten, meta_errors
from .models import (
    LEVELS, RESOURCE_CLASSES, SHARING, STATUSES, UPDATE_CYCLES, CatalogGrant, Directory, Resource,
)

# --- roots --------------------------------------------------------------------------


def ensure_roots(session: Session) -> None:
    """One root directory per resource class (run by the migration's callers: seed, tests, CLI)."""
    have = set(session.scalars(select(Directory.resource_class).where(
        Directory.parent_id.is_(None), Directory.deleted_at.is_(None))))
    for order, (code, (zh, _)) in enumerate(RESOURCE_CLASSES.items()):
        if code not in have:
            root = Directory(resource_class=code, name=zh, sort_order=order, path="/")
            session.add(root)
            session.flush()
            root.path = f"/{root.id}/"
    session.flush()


# --- directories -------------------------------------------------------------------


def _directory(session: Session, directory_id: int, *, deleted: bool = False) -> Directory:
    d = session.get(Directory, directory_id)
    if d is None or (d.deleted_at is not None and not deleted):
        raise NotFound(f"Directory {directory_id} does not exist.")
    return d


def _check_name(session: Session, parent_id: int, name: str, exclude: int | None = None, field: str = "name") -> None:
    clash = session.scalar(select(Directory.id).where(
        Directory.parent_id == parent_id, Directory.name == name, Directory.deleted_at.is_(None),
        Directory.id != (exclude or 0)))
    if clash is not None:
        raise Invalid("A directory of that name exists here.", {field: [f"同一目录下已有名为“{name}”的子目录"]})


@action("catalog.read")
def directory_tree(session: Session, actor: Actor, resource_class: str | None = None) -> list[dict]:
    """Every directory the user may see (with the ancestors that lead to it), each with the
    number of resources below it the user may see and the user's level there."""
    access = access_for(session, actor)
    stmt = select(Directory).where(Directory.deleted_at.is_(None)).order_by(Directory.parent_id.nulls_first(),
                                                                          Directory.sort_order, Directory.id)
    if resource_class:
        stmt = stmt.where(Directory.resource_class == resource_class)
    dirs = list(session.scalars(stmt))
    counts = dict(session.execute(
        select(Resource.directory_id, func.count()).where(Resource.deleted_at.is_(None), access.visible_clause())
        .group_by(Resource.directory_id)).all())
    by_id = {d.id: d for d in dirs}
    total: dict[int, int] = {}
    for dir_id, n in counts.items():
        d = by_id.get(dir_id)
        for ancestor in (d.ancestor_ids if d else []):
            total[ancestor] = total.get(ancestor, 0) + n
    shown: set[int] = set()
    for d in dirs:
        if d.parent_id is None or access.directory_level(d) or total.get(d.id):
            shown.update(d.ancestor_ids)
    return [
        {"id": d.id, "parent_id": d.parent_id, "name": d.name, "description": d.description,
         "resource_class": d.resource_class, "path": d.path, "sort_order": d.sort_order, "version": d.version,
         "level": access.directory_level(d), "resource_count": total.get(d.id, 0), "own_count": counts.get(d.id, 0)}
        for d in dirs if d.id in shown
    ]


@action("catalog.read")
def directory_get(session: Session, actor: Actor, directory_id: int) -> Directory:
    d = _directory(session, directory_id)
    if d.parent_id is not None and not access_for(session, actor).directory_level(d):
        visible = {row["id"] for row in directory_tree(session, actor, d.resource_class)}
        if d.id not in visible:
            raise NotFound(f"Directory {directory_id} does not exist.")
    return d


@action("catalog.write")
def directory_create(session: Session, actor: Actor, data: dict) -> Directory:
    """A sub-directory of `parent_id` (roots exist already, one per resource class)."""
    parent = session.get(Directory, data["parent_id"])
    if parent is None or parent.deleted_at is not None:
        raise Invalid("The parent directory does not exist.", {"parent_id": ["上级目录不存在"]})
    require_directory(access_for(session, actor), parent, "edit")
    _check_name(session, parent.id, data["name"])
    siblings = session.scalar(select(func.max(Directory.sort_order)).where(Directory.parent_id == parent.id))
    d = Directory(resource_class=parent.resource_class, parent_id=parent.id, name=data["name"],
                  description=data.get("description", ""), sort_order=(siblings or 0) + 1, created_by=actor.id,
                  path=parent.path)
    session.add(d)
    session.flush()
    d.path = f"{parent.path}{d.id}/"
    return d


@action("catalog.write")
def directory_update(session: Session, actor: Actor, directory_id: int, data: dict,
                     if_version: int | None = None) -> Directory:
    """Rename a directory or change its description."""
    d = _directory(session, directory_id)
    check_version(d, if_version)
    require_directory(access_for(session, actor), d, "edit")
    if "name" in data and data["name"] != d.name:
        if d.parent_id is None:
            raise Invalid("A root directory keeps its class name.", {"name": ["根目录不能改名"]})
        _check_name(session, d.parent_id, data["name"], exclude=d.id)
    for key, value in data.items():
        setattr(d, key, value)
    return d


@action("catalog.write")
def directory_move(session: Session, actor: Actor, directory_id: int, parent_id: int, position: int | None = None,
                   if_version: int | None = None) -> Directory:
    """Move a directory under `parent_id` at `position` (0-based among its new siblings; the end
    if omitted). Moving within the same parent reorders. Cycles and other classes are refused."""
    d = _directory(session, directory_id)
    check_version(d, if_version)
    access = access_for(session, actor)
    if d.parent_id is None:
        raise Invalid("Root directories cannot move.", {"directory_id": ["根目录不能移动"]})
    require_directory(access, d, "manage")
    parent = session.get(Directory, parent_id)
    if parent is None or parent.deleted_at is not None:
        raise Invalid("The target directory does not exist.", {"parent_id": ["目标目录不存在"]})
    if parent.path.startswith(d.path):
        raise Invalid("A directory cannot move into itself.", {"parent_id": ["不能移动到自身或其下级目录中"]})
    if parent.resource_class != d.resource_class:
        raise Invalid("Directories stay within their resource class.",
                      {"parent_id": [f"不能移到其他资源类别（{RESOURCE_CLASSES[parent.resource_class][0]}）下"]})
    if parent.id != d.parent_id:
        require_directory(access, parent, "edit")
        _check_name(session, parent.id, d.name, exclude=d.id, field="parent_id")
        old, new = d.path, f"{parent.path}{d.id}/"
        for sub in session.scalars(select(Directory).where(Directory.path.startswith(old, autoescape=True))):
            sub.path = new + sub.path[len(old):]
        d.parent_id = parent.id
    siblings = [s for s in session.scalars(select(Directory).where(
        Directory.parent_id == parent.id, Directory.deleted_at.is_(None), Directory.id != d.id)
        .order_by(Directory.sort_order, Directory.id))]
    at = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(at, d)
    for order, sib in enumerate(siblings):
        if sib.sort_order != order:
            sib.sort_order = order
    d.updated_at = utcnow()  # a move is a change of the document even when only siblings renumber
    return d


def _subtree(session: Session, d: Directory):
    dirs = list(session.scalars(select(Directory).where(
        Directory.path.startswith(d.path, autoescape=True), Directory.deleted_at.is_(None))))
    resources = list(session.scalars(select(Resource).where(
        Resource.directory_id.in_([x.id for x in dirs]), Resource.deleted_at.is_(None))))
    return dirs, resources


@action("catalog.write")
def directory_delete(session: Session, actor: Actor, directory_id: int, recursive: bool = False,
                     if_version: int | None = None) -> str:
    """Move a directory to the recycle bin. One with contents needs `recursive`, and then
    everything under it goes too, as one batch. Returns the batch id."""
    d = _directory(session, directory_id)
    check_version(d, if_version)
    if d.parent_id is None:
        raise Invalid("Root directories cannot be deleted.", {"directory_id": ["根目录不能删除"]})
    access = access_for(session, actor)
    require_directory(access, d, "manage")
    dirs, resources = _subtree(session, d)
    if not recursive and (len(dirs) > 1 or resources):
        raise Invalid("The directory is not empty.", {"recursive": [
            f"目录中还有 {len(dirs) - 1} 个子目录、{len(resources)} 个资源；确认一并移入回收站请设置 recursive"]})
    batch, now = uuid.uuid4().hex, utcnow()
    for obj in [*dirs, *resources]:
        obj.deleted_at, obj.deleted_by, obj.deleted_batch = now, actor.id, batch
    return batch


# --- recycle bin ---------------------------------------------------------------------


@action("catalog.read")
def recycle_list(session: Session, actor: Actor) -> list[dict]:
    """Deleted batches, newest first: what each removed. Managers see all; others their own."""
    items: dict[str, dict] = {}
    for model, kind in ((Directory, "directories"), (Resource, "resources")):
        stmt = select(model).where(model.deleted_at.is_not(None))
        if not actor.can("catalog.admin"):
            stmt = stmt.where(model.deleted_by == actor.id)
        for obj in session.scalars(stmt):
            b = items.setdefault(obj.deleted_batch, {
                "batch": obj.deleted_batch, "deleted_at": obj.deleted_at, "deleted_by": obj.deleted_by,
                "directories": 0, "resources": 0, "title": "", "resource_class": obj.resource_class, "_depth": 99})
            b[kind] += 1
            depth = obj.path.count("/") if kind == "directories" else 98
            if depth < b["_depth"]:
                b["_depth"], b["title"] = depth, obj.name
    for b in items.values():
        b.pop("_depth")
    return sorted(items.values(), key=lambda b: b["deleted_at"], reverse=True)


def _batch(session: Session, actor: Actor, batch: str):
    dirs = list(session.scalars(select(Directory).where(Directory.deleted_batch == batch)))
    resources = list(session.scalars(select(Resource).where(Resource.deleted_batch == batch)))
    if not dirs and not resources:
        raise NotFound(f"Nothing in the recycle bin has batch {batch}.")
    if not actor.can("catalog.admin") and any(o.deleted_by != actor.id for o in [*dirs, *resources]):
        raise Forbidden("Only a catalog manager may restore what someone else deleted.")
    return dirs, resources


@action("catalog.write")
def recycle_restore(session: Session, actor: Actor, batch: str) -> dict:
    """Bring back everything one delete removed, if the place it came from still exists."""
    dirs, resources = _batch(session, actor, batch)
    ids = {d.id for d in dirs}
    for d in dirs:
        if d.parent_id not in ids:
            parent = session.get(Directory, d.parent_id)
            if parent is None or parent.deleted_at is not None:
                raise Invalid("The directory it was in is deleted.", {"batch": [f"“{d.name}”原来的上级目录已删除，请先恢复上级目录"]})
            _check_name(session, d.parent_id, d.name, field="batch")
    for r in resources:
        if r.directory_id not in ids and r.directory.deleted_at is not None:
            raise Invalid("The directory it was in is deleted.", {"batch": [f"资源“{r.name}”所在目录已删除，请先恢复目录"]})
    for obj in [*dirs, *resources]:
        obj.deleted_at, obj.deleted_by, obj.deleted_batch = None, None, None
    return {"directories": len(dirs), "resources": len(resources)}


@action("catalog.admin")
def recycle_purge(session: Session, actor: Actor, batch: str) -> dict:
    """Delete a batch for good (catalog managers; not undoable)."""
    dirs, resources = _batch(session, actor, batch)
    for r in resources:
        session.delete(r)
    session.flush()
    for d in sorted(dirs, key=lambda d: d.path.count("/"), reverse=True):
        session.delete(d)
        session.flush()
    return {"directories": len(dirs), "resources": len(resources)}


# --- resources ------------------------------------------------------------------------


def search_text(r: Resource) -> str:
    return " ".join(s for s in [r.code, r.name, r.description, r.contact_name, *flatten(r.meta)] if s)


def _resource(session: Session, resource_id: int, *, deleted: bool = False) -> Resource:
    r = session.get(Resource, resource_id)
    if r is None or (r.deleted_at is not None and not deleted):
        raise NotFound(f"Resource {resource_id} does not exist.")
    return r


def check_resource(session: Session, data: dict, r: Resource | None = None,
                   departments: dict[int, bool] | None = None, directories: dict[int, Directory] | None = None,
                   codes: set[str] | None = None) -> dict[str, list[str]]:
    """Every problem with a resource's fields (none raised): shared by the API and imports,
    which pass lookups they loaded once for all rows."""
    errors: dict[str, list[str]] = {}
    merged = {**({} if r is None else {
        "code": r.code, "directory_id": r.directory_id, "owner_department_id": r.owner_department_id,
        "meta": r.meta}), **data}
    code = data.get("code")
    if code is not None and (r is None or code != r.code):
        taken = (code in codes) if codes is not None else session.scalar(
            select(Resource.id).where(Resource.code == code)) is not None
        if taken:
            errors.setdefault("code", []).append(f"编码 {code} 已被使用")
    directory = (directories or {}).get(merged["directory_id"]) if directories is not None else \
        session.get(Directory, merged["directory_id"])
    if directory is None or directory.deleted_at is not None:
        errors.setdefault("directory_id", []).append("目录不存在")
    dept = merged.get("owner_department_id")
    if dept is None:
        exists = False
    else:
        exists = departments.get(dept) if departments is not None else session.get(Department, dept) is not None
    if not exists:
        errors.setdefault("owner_department_id", []).append("所属部门不存在" if dept is not None else "请选择所属部门")
    for key, allowed in (("status", STATUSES), ("sharing", SHARING), ("update_cycle", UPDATE_CYCLES)):
        if key in data and data[key] not in allowed:
            errors.setdefault(key, []).append(f"取值须为 {', '.join(allowed)} 之一")
    if directory is not None and "meta" in merged:
        errors.update(meta_errors(directory.resource_class, merged.get("meta") or {}))
    return errors


@action("catalog.read")
def resource_get(session: Session, actor: Actor, resource_id: int) -> Resource:
    r = _resource(session, resource_id)
    require_resource(access_for(session, actor), r, "view")
    return r


def level_on(session: Session, actor: Actor, r: Resource) -> str | None:
    return access_for(session, actor).resource_level(r)


@action("catalog.read")
def resource_record_view(session: Session, actor: Actor, resource_id: int) -> None:
    """Count a view (a Core update: counters are not history)."""
    resource_get(session, actor, resource_id)
    session.execute(update(Resource).where(Resource.id == resource_id)
                    .values(view_count=Resource.view_count + 1).execution_options(synchronize_session=False))


@action("catalog.read")
def resource_record_use(session: Session, actor: Actor, resource_id: int) -> None:
    """Count a use (opening an application, calling a service, downloading a file); needs `use`."""
    r = _resource(session, resource_id)
    require_resource(access_for(session, actor), r, "use")
    session.execute(update(Resource).where(Resource.id == resource_id)
                    .values(use_count=Resource.use_count + 1).execution_options(synchronize_session=False))


@action("catalog.write")
def resource_create(session: Session, actor: Actor, data: dict) -> Resource:
    """Catalogue a resource in a directory where the user may edit; it belongs to the user's
    department unless another owner is named."""
    data = {"owner_department_id": actor.department_id, "meta": {}, **data}
    errors = check_resource(session, data)
    if errors:
        raise Invalid("The resource is not valid.", errors)
    directory = session.get(Directory, data["directory_id"])
    require_directory(access_for(session, actor), directory, "edit")
    r = Resource(**data, resource_class=directory.resource_class, created_by=actor.id)
    r.search_text = search_text(r)
    session.add(r)
    return r


@action("catalog.write")
def resource_update(session: Session, actor: Actor, resource_id: int, data: dict,
                    if_version: int | None = None) -> Resource:
    """Change a resource's fields; changing `directory_id` moves it (within its class)."""
    r = _resource(session, resource_id)
    check_version(r, if_version)
    access = access_for(session, actor)
    require_resource(access, r, "edit")
    errors = check_resource(session, data, r)
    if "directory_id" in data and data["directory_id"] != r.directory_id and not errors.get("directory_id"):
        target = session.get(Directory, data["directory_id"])
        if target.resource_class != r.resource_class:
            errors.setdefault("directory_id", []).append("资源只能移到同一资源类别的目录下")
        else:
            require_directory(access, target, "edit")
    if errors:
        raise Invalid("The resource is not valid.", errors)
    for key, value in data.items():
        setattr(r, key, value)
    r.search_text = search_text(r)
    return r


@action("catalog.write")
def resource_delete(session: Session, actor: Actor, resource_id: int, if_version: int | None = None) -> str:
    """Move a resource to the recycle bin; returns the batch id to restore it."""
    r = _resource(session, resource_id)
    check_version(r, if_version)
    require_resource(access_for(session, actor), r, "manage" if r.owner_department_id != actor.department_id else "edit")
    r.deleted_at, r.deleted_by, r.deleted_batch = utcnow(), actor.id, uuid.uuid4().hex
    return r.deleted_batch


@action("catalog.read")
def resource_history(session: Session, actor: Actor, resource_id: int) -> list[dict]:
    """Every recorded change of a resource, newest first: who, when, what, and the diff."""
    from tongguan.audit.models import AuditEntry

    resource_get(session, actor, resource_id)
    rows = session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == Resource.__tablename__, AuditEntry.object_id == str(resource_id))
        .order_by(AuditEntry.id.desc()))
    return [{"at": e.at, "actor": e.actor_name, "action": e.action, "operation": e.operation,
             "changes": {k: v for k, v in e.changes.items() if k != "search_text"}} for e in rows]


@action("catalog.write")
def resource_upload(session: Session, actor: Actor, resource_id: int, stream, filename: str, *,
                    storage_path: str) -> Resource:
    """Store the file of a document, image, audio or video resource (edit level). The content is
    sniffed and size-limited by its kind; the previous file stays in storage for history."""
    from tongguan.files import storage

    from .classes import FILE_KINDS

    r = _resource(session, resource_id)
    require_resource(access_for(session, actor), r, "edit")
    if r.resource_class not in FILE_KINDS:
        raise Invalid("This class of resource has no file.",
                      {"file": [f"“{RESOURCE_CLASSES[r.resource_class][0]}”类资源不能上传文件"]})
    stored = storage.save(session, stream, filename, FILE_KINDS[r.resource_class], storage_path=storage_path,
                          created_by=actor.id)
    r.file_id = stored.id
    return r


@action("catalog.read")
def resource_download(session: Session, actor: Actor, resource_id: int) -> Resource:
    """The resource whose file is downloaded (needs `use`; counts as a use)."""
    r = _resource(session, resource_id)
    if r.file_id is None:
        raise NotFound("This resource has no file.")
    resource_record_use(session, actor, resource_id)
    return r


# --- grants ---------------------------------------------------------------------------


def _grant_target(session: Session, access: Access, directory_id, resource_id):
    if directory_id is not None:
        d = _directory(session, directory_id)
        require_directory(access, d, "manage")
        return d
    r = _resource(session, resource_id)
    require_resource(access, r, "manage")
    return r


@action("catalog.read")
def catalog_grant_list(session: Session, actor: Actor, *, directory_id=None, resource_id=None) -> list[dict]:
    """Grants on a directory (with those inherited from above) or on a resource; manage level."""
    access = access_for(session, actor)
    target = _grant_target(session, access, directory_id, resource_id)
    if isinstance(target, Directory):
        where = CatalogGrant.directory_id.in_(target.ancestor_ids)
    else:
        where = (CatalogGrant.resource_id == target.id) | CatalogGrant.directory_id.in_(target.directory.ancestor_ids)
    names = dict(session.execute(select(Directory.id, Directory.name)).all())
    depts = dict(session.execute(select(Department.id, Department.name)).all())
    roles = dict(session.execute(select(Role.code, Role.name)).all())
    out = []
    for g in session.scalars(select(CatalogGrant).where(where).order_by(CatalogGrant.id)):
        inherited = g.directory_id is not None and (isinstance(target, Resource) or g.directory_id != target.id)
        out.append({"id": g.id, "directory_id": g.directory_id, "resource_id": g.resource_id, "level": g.level,
                    "department_id": g.department_id, "role_code": g.role_code,
                    "principal_name": depts.get(g.department_id) or roles.get(g.role_code, ""),
                    "inherited_from": names.get(g.directory_id) if inherited else None, "created_at": g.created_at})
    return out


@action("catalog.write")
def catalog_grant_create(session: Session, actor: Actor, data: dict) -> CatalogGrant:
    """Give a department or a role `level` on a directory (inherited below it) or a resource."""
    errors = {}
    if (data.get("directory_id") is None) == (data.get("resource_id") is None):
        errors["directory_id"] = ["须指定目录或资源之一"]
    if (data.get("department_id") is None) == (data.get("role_code") is None):
        errors["department_id"] = ["须指定部门或角色之一"]
    if data.get("level") not in LEVELS:
        errors["level"] = [f"取值须为 {', '.join(LEVELS)} 之一"]
    if data.get("department_id") is not None and session.get(Department, data["department_id"]) is None:
        errors["department_id"] = ["部门不存在"]
    if data.get("role_code") is not None and session.get(Role, data["role_code"]) is None:
        errors["role_code"] = ["角色不存在"]
    if errors:
        raise Invalid("The grant is not valid.", errors)
    _grant_target(session, access_for(session, actor), data.get("directory_id"), data.get("resource_id"))
    same = select(CatalogGrant).where(
        CatalogGrant.directory_id.is_(data.get("directory_id")) if data.get("directory_id") is None
        else CatalogGrant.directory_id == data["directory_id"],
        CatalogGrant.resource_id.is_(None) if data.get("resource_id") is None
        else CatalogGrant.resource_id == data["resource_id"],
        CatalogGrant.department_id.is_(None) if data.get("department_id") is None
        else CatalogGrant.department_id == data["department_id"],
        CatalogGrant.role_code.is_(None) if data.get("role_code") is None else CatalogGrant.role_code == data["role_code"])
    existing = session.scalar(same)
    if existing is not None:
        if existing.level == data["level"]:
            raise Conflict("This grant exists already.")
        existing.level = data["level"]
        return existing
    g = CatalogGrant(**data, created_by=actor.id)
    session.add(g)
    return g


@action("catalog.write")
def catalog_grant_delete(session: Session, actor: Actor, grant_id: int) -> None:
    g = session.get(CatalogGrant, grant_id)
    if g is None:
        raise NotFound(f"Grant {grant_id} does not exist.")
    _grant_target(session, access_for(session, actor), g.directory_id, g.resource_id)
    session.delete(g)


def level_rank(level: str | None) -> int:
    return -1 if level is None else RANK[level]
