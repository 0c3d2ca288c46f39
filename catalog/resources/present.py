"""Resources as every reader gets them (API, UI, exports): with names resolved, the reader's
level, and tag values masked unless the reader's department holds a grant."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.tags.service import visible_values
from tongguan.accounts.models import Department
from tongguan.files.models import StoredFile
from tongguan.permissions import Actor

from .access import access_for
from .models import Directory, Resource

COLUMNS = ("id", "code", "name", "description", "resource_class", "directory_id", "owner_department_id", "status",
           "sharing", "update_cycle", "contact_name", "contact_phone", "meta", "use_count", "view_count", "version",
           "created_at", "updated_at")


def present(session: Session, actor: Actor, resources: list[Resource], *, tags: bool = True) -> list[dict]:
    if not resources:
        return []
    access = access_for(session, actor)
    depts = dict(session.execute(select(Department.id, Department.name).where(
        Department.id.in_({r.owner_department_id for r in resources}))).all())
    ancestor_ids = {a for r in resources for a in r.directory.ancestor_ids}
    dir_names = dict(session.execute(select(Directory.id, Directory.name).where(Directory.id.in_(ancestor_ids))).all())
    files = {f.id: f for f in session.scalars(select(StoredFile).where(
        StoredFile.id.in_({r.file_id for r in resources if r.file_id})))}
    shown = visible_values(session, actor, "resource", [str(r.id) for r in resources]) if tags else {}
    out = []
    for r in resources:
        row = {c: getattr(r, c) for c in COLUMNS}
        f = files.get(r.file_id)
        row.update(
            owner_department_name=depts.get(r.owner_department_id, ""),
            directory_path=[{"id": i, "name": dir_names.get(i, "")} for i in r.directory.ancestor_ids],
            level=access.resource_level(r),
            file=None if f is None else {"id": f.id, "filename": f.filename, "size": f.size, "mime": f.mime},
            tags=shown.get(str(r.id), []),
        )
        out.append(row)
    return out
