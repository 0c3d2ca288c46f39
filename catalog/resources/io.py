"""Import and export of a directory subtree, as XLSX (for people) or JSON (for machines).

An import is checked row by row before anything is written: a file with one bad row
writes nothing and the error names every bad row. Rows are matched by resource code:
a new code creates a resource, a known one (inside the subtree) updates it. Exports
carry only what the user may see, with tag values masked as on every read path.
"""
from __future__ import annotations

import io as _io
import json
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.accounts.models import Department
from tongguan.errors import ImportRejected, Invalid
from tongguan.permissions import Actor, action

from .access import access_for, require_directory
from .models import SHARING, STATUSES, UPDATE_CYCLES, Directory, Resource
from .present import present
from .service import check_resource, directory_get, search_text

FORMAT = "tongguan/catalog-export@1"
# column key -> header in the spreadsheet (zh-CN); the English key is accepted as a header too.
COLUMNS = {
    "directory": "目录", "code": "编码", "name": "名称", "description": "描述",
    "owner_department_code": "所属部门编码", "status": "状态", "sharing": "共享级别",
    "update_cycle": "更新周期", "contact_name": "联系人", "contact_phone": "联系电话", "meta": "元数据",
    "tags": "标签",
}
CHOICES = {"status": STATUSES, "sharing": SHARING, "update_cycle": UPDATE_CYCLES}
MAX_ROWS = 100_000
CHUNK = 1000


def _relative(path: str, base: str, names: dict[int, str]) -> str:
    ids = [int(p) for p in path[len(base):].strip("/").split("/") if p]
    return "/".join(names[i] for i in ids)


# --- export -------------------------------------------------------------------------


def _rows(session: Session, actor: Actor, root: Directory) -> tuple[list[str], list[dict]]:
    dirs = list(session.scalars(select(Directory).where(
        Directory.path.startswith(root.path, autoescape=True), Directory.deleted_at.is_(None))
        .order_by(Directory.path)))
    names = {d.id: d.name for d in dirs}
    rel = {d.id: _relative(d.path, root.path, names) for d in dirs}
    access = access_for(session, actor)
    resources = list(session.scalars(select(Resource).where(
        Resource.directory_id.in_(list(rel)), Resource.deleted_at.is_(None), access.visible_clause())
        .order_by(Resource.directory_id, Resource.code)))
    depts = dict(session.execute(select(Department.id, Department.code)).all())
    rows = []
    for start in range(0, len(resources), CHUNK):
        for shown in present(session, actor, resources[start:start + CHUNK]):
            rows.append({
                "directory": rel[shown["directory_id"]], "code": shown["code"], "name": shown["name"],
                "description": shown["description"], "owner_department_code": depts.get(shown["owner_department_id"]),
                "status": shown["status"], "sharing": shown["sharing"], "update_cycle": shown["update_cycle"],
                "contact_name": shown["contact_name"], "contact_phone": shown["contact_phone"], "meta": shown["meta"],
                "tags": [{"code": t["code"], "name": t["name"], "value": t["value"], "masked": t["masked"]}
                         for t in shown["tags"]],
            })
    visible_dirs = sorted({r["directory"] for r in rows} | {rel[d.id] for d in dirs if access.directory_level(d)})
    return [d for d in visible_dirs if d], rows


@action("catalog.read")
def export_directory(session: Session, actor: Actor, directory_id: int, fmt: str = "xlsx") -> tuple[BinaryIO, str]:
    """(file, download name) of a directory subtree as `xlsx` or `json`."""
    root = directory_get(session, actor, directory_id)
    directories, rows = _rows(session, actor, root)
    if fmt == "json":
        doc = {"schema": FORMAT, "directory": root.name, "resource_class": root.resource_class,
               "directories": directories, "resources": rows}
        data = json.dumps(doc, ensure_ascii=False, indent=1).encode()
        return _io.BytesIO(data), f"{root.name}.json"
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("资源")
    ws.append([COLUMNS[k] for k in COLUMNS])
    for r in rows:
        ws.append([
            r["directory"], r["code"], r["name"], r["description"], r["owner_department_code"],
            STATUSES[r["status"]][0], SHARING[r["sharing"]][0], UPDATE_CYCLES[r["update_cycle"]][0],
            r["contact_name"], r["contact_phone"], json.dumps(r["meta"], ensure_ascii=False) if r["meta"] else "",
            "; ".join(f"{t['name']}={t['value']}" for t in r["tags"]),
        ])
    notes = wb.create_sheet("说明")
    notes.append(["导出目录", root.name])
    notes.append(["标签列仅供查看，导入时忽略；未获授权的标签值已脱敏。"])
    notes.append(["状态、共享级别、更新周期可填中文名称或英文代码。"])
    out = _io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out, f"{root.name}.xlsx"


# --- import -------------------------------------------------------------------------


def _read_xlsx(stream: BinaryIO) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook
    from zipfile import BadZipFile

    try:
        wb = load_workbook(stream, read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Invalid("The file is not an XLSX workbook.", {"file": [f"无法读取 XLSX 文件：{exc}"]}) from exc
    ws = wb["资源"] if "资源" in wb.sheetnames else wb.worksheets[0]
    lookup = {v: k for k, v in COLUMNS.items()} | {k: k for k in COLUMNS}
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    keys = [lookup.get(str(h).strip()) if h is not None else None for h in header]
    missing = [COLUMNS[k] for k in ("code", "name") if k not in keys]
    if missing:
        raise Invalid("The header row lacks required columns.", {"file": [f"第 1 行缺少列：{'、'.join(missing)}"]})
    out = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        row = {}
        for key, value in zip(keys, values):
            if key is None or key == "tags":
                continue
            row[key] = "" if value is None else (value if key == "meta" else str(value).strip())
        out.append((number, row))
        if len(out) > MAX_ROWS:
            raise Invalid("Too many rows.", {"file": [f"一次最多导入 {MAX_ROWS} 行"]})
    wb.close()
    return out


def _read_json(stream: BinaryIO) -> list[tuple[int, dict]]:
    try:
        doc = json.loads(stream.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid("The file is not JSON.", {"file": [f"无法解析 JSON：{exc}"]}) from exc
    if not isinstance(doc, dict) or doc.get("schema") != FORMAT or not isinstance(doc.get("resources"), list):
        raise Invalid("Not a catalog export.", {"file": [f"不是 {FORMAT} 格式的目录导出文件"]})
    if len(doc["resources"]) > MAX_ROWS:
        raise Invalid("Too many rows.", {"file": [f"一次最多导入 {MAX_ROWS} 行"]})
    return [(i, r if isinstance(r, dict) else {"_bad": True}) for i, r in enumerate(doc["resources"], start=1)]


def _choice(key: str, value, errors: list) -> str | None:
    if value in (None, ""):
        return None
    choices = CHOICES[key]
    if value in choices:
        return value
    for code, (zh, en) in choices.items():
        if value in (zh, en):
            return code
    errors.append((key, f"“{value}”不是有效的{COLUMNS[key]}，可选：{'、'.join(z for z, _ in choices.values())}"))
    return None


@action("catalog.write")
def import_directory(session: Session, actor: Actor, directory_id: int, stream: BinaryIO, filename: str) -> dict:
    """Import resources into a directory and sub-directories named by the rows' `directory` path
    (created when missing). All or nothing; raises ImportRejected listing every bad row."""
    root = directory_get(session, actor, directory_id)
    access = access_for(session, actor)
    require_directory(access, root, "edit")
    head = stream.read(4)
    stream.seek(0)
    rows = _read_xlsx(stream) if head.startswith(b"PK") else _read_json(stream)
    if not rows:
        raise Invalid("The file holds no rows.", {"file": ["文件中没有数据行"]})

    dirs = list(session.scalars(select(Directory).where(
        Directory.path.startswith(root.path, autoescape=True), Directory.deleted_at.is_(None))))
    names = {d.id: d.name for d in dirs}
    by_path = {_relative(d.path, root.path, names): d for d in dirs}
    departments = dict(session.execute(select(Department.code, Department.id)).all())
    codes_in_file = [str(r.get("code") or "") for _, r in rows]
    existing: dict[str, Resource] = {}
    for start in range(0, len(codes_in_file), CHUNK):
        chunk = codes_in_file[start:start + CHUNK]
        existing.update({r.code: r for r in session.scalars(select(Resource).where(Resource.code.in_(chunk)))})

    report: list[dict] = []
    plans: list[tuple[str, dict, Resource | None]] = []
    seen: dict[str, int] = {}
    fake_dirs = {d.id: d for d in dirs}
    for number, row in rows:
        problems: list[tuple[str, str]] = []
        if row.get("_bad"):
            report.append({"row": number, "field": "", "message": "每一项须为对象"})
            continue
        code, path = str(row.get("code") or "").strip(), str(row.get("directory") or "").strip().strip("/")
        if code in seen:
            problems.append(("code", f"编码 {code} 与第 {seen[code]} 行重复"))
        seen.setdefault(code, number)
        data = {"code": code, "name": str(row.get("name") or "").strip(),
                "description": str(row.get("description") or ""),
                "contact_name": str(row.get("contact_name") or ""),
                "contact_phone": str(row.get("contact_phone") or "")}
        for key in CHOICES:
            value = _choice(key, row.get(key), problems)
            if value is not None:
                data[key] = value
        meta = row.get("meta")
        if isinstance(meta, str):
            try:
                meta = json.loads(meta) if meta.strip() else {}
            except json.JSONDecodeError:
                problems.append(("meta", "元数据不是有效的 JSON"))
                meta = {}
        data["meta"] = meta if meta is not None else {}
        dept_code = str(row.get("owner_department_code") or "").strip()
        if dept_code:
            if dept_code not in departments:
                problems.append(("owner_department_code", f"部门编码 {dept_code} 不存在"))
            else:
                data["owner_department_id"] = departments[dept_code]
        elif actor.department_id is not None:
            data["owner_department_id"] = actor.department_id
        else:
            problems.append(("owner_department_code", "须填写所属部门编码"))
        if any(len(part) > 200 or not part.strip() for part in path.split("/")) and path:
            problems.append(("directory", "目录路径中每一级须为 1–200 个字符"))
        target = by_path.get(path) if path else root
        # A directory the file creates is checked as if it existed: same class as the root.
        data["directory_id"] = target.id if target is not None else root.id
        current = existing.get(code)
        if current is not None:
            if current.deleted_at is not None:
                problems.append(("code", f"编码 {code} 的资源在回收站中，请先恢复或彻底删除"))
            elif current.directory_id not in fake_dirs:
                problems.append(("code", f"编码 {code} 已被其他目录中的资源使用"))
            elif access.resource_level(current) not in ("edit", "manage"):
                problems.append(("code", f"无权修改编码为 {code} 的资源"))
        if not data["name"]:
            problems.append(("name", "名称不能为空"))
        if len(code) == 0 or len(code) > 64:
            problems.append(("code", "编码须为 1–64 个字符"))
        checked = {k: v for k, v in data.items() if not (current is not None and k == "code")}
        reported = {f for f, _ in problems}
        for field, messages in check_resource(session, checked, current, departments={
                v: True for v in departments.values()}, directories=fake_dirs, codes=set()).items():
            field = "owner_department_code" if field == "owner_department_id" else field
            if field not in reported:
                problems.extend((field, m) for m in messages)
        for field, message in problems:
            report.append({"row": number, "field": COLUMNS.get(field.split(".")[0], field), "message": message})
        if not problems:
            plans.append((path, data, current))
    if report:
        raise ImportRejected(f"{len({r['row'] for r in report})} 行有错误，未导入任何数据。", report)

    created_dirs = 0
    for path in sorted({p for p, _, _ in plans if p and p not in by_path}, key=lambda p: p.count("/")):
        parent_path, _, name = path.rpartition("/")
        for prefix in _prefixes(parent_path):
            if prefix not in by_path:
                by_path[prefix] = _make_dir(session, actor, by_path, prefix)
                created_dirs += 1
        by_path[path] = _make_dir(session, actor, by_path, path)
        created_dirs += 1
    created = updated = 0
    for path, data, current in plans:
        data["directory_id"] = (by_path[path] if path else root).id
        if current is None:
            r = Resource(**data, resource_class=root.resource_class, created_by=actor.id)
            r.search_text = search_text(r)
            session.add(r)
            created += 1
        else:
            for key, value in data.items():
                if getattr(current, key) != value:
                    setattr(current, key, value)
            current.search_text = search_text(current)
            updated += 1
    return {"created": created, "updated": updated, "directories": created_dirs}


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _make_dir(session: Session, actor: Actor, by_path: dict[str, Directory], path: str) -> Directory:
    parent_path, _, name = path.rpartition("/")
    parent = by_path[parent_path] if parent_path else by_path[""]
    d = Directory(resource_class=parent.resource_class, parent_id=parent.id, name=name, path=parent.path,
                  created_by=actor.id, sort_order=1_000)
    session.add(d)
    session.flush()
    d.path = f"{parent.path}{d.id}/"
    return d
