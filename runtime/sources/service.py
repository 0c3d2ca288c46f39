"""Data sources: register, test, list tables, preview, upload files, delete.

Reading needs `data.read`; registering and changing needs `data.manage`. What the host
allows (SQLite directories, internal HTTP hosts) comes in a `Policy` from configuration.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import select

from dsl.sql import field_type_of
from sqlalchemy.orm import Session

from tongguan import crypto
from tongguan.accounts.models import Department
from tongguan.db import utcnow
from tongguan.errors import Conflict, ImportRejected, Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import builtin, httpjson, sqlconn, tabular
from .models import KINDS, DataSource


@dataclass(frozen=True)
class Policy:
    sqlite_dirs: list[str] = field(default_factory=list)
    allowed_hosts: list[str] = field(default_factory=list)


def _source(session: Session, source_id: int) -> DataSource:
    src = session.get(DataSource, source_id)
    if src is None:
        raise NotFound(f"Data source {source_id} does not exist.")
    return src


def secret_of(src: DataSource) -> dict:
    """The source's decrypted secrets (password, API key): for connecting, never for showing."""
    try:
        return crypto.decrypt(src.secret)
    except crypto.SecretUnreadable as exc:
        raise Invalid(str(exc), {"secret": ["已保存的密码无法解密（系统密钥已更换），请重新填写"]}) from exc


def _check_common(session: Session, data: dict, src: DataSource | None = None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    code = data.get("code")
    if code is not None and (src is None or code != src.code):
        if session.scalar(select(DataSource.id).where(DataSource.code == code)) is not None:
            errors["code"] = [f"编码 {code} 已被使用"]
    dept = data.get("owner_department_id")
    if dept is not None and session.get(Department, dept) is None:
        errors["owner_department_id"] = ["部门不存在"]
    return errors


def _configure(src: DataSource, data: dict, policy: Policy, errors: dict) -> None:
    """Split `data` into shown config and encrypted secret for the source's kind, testing it."""
    if src.kind == "sql":
        if "url" in data:
            safe, password, problems = sqlconn.split_url(data["url"])
            if not problems:
                problems = sqlconn.check_sqlite(data["url"], policy.sqlite_dirs)
            if problems:
                errors["url"] = problems
                return
            secret = secret_of(src) if src.secret else {}
            if password is not None:
                secret["password"] = password
            elif data.get("keep_password") is False:
                secret.pop("password", None)
            src.config = {**src.config, "url": safe}
            src.secret = crypto.encrypt(secret) if secret else ""
        if "url" not in src.config:
            errors["url"] = ["请填写数据库地址"]
    elif src.kind == "http":
        config = dict(src.config)
        for key in ("url", "json_path", "timeout_s", "max_bytes"):
            if key in data:
                config[key] = data[key]
        if "url" not in config:
            errors["url"] = ["请填写接口地址"]
            return
        try:
            httpjson.check_url(config["url"], policy.allowed_hosts)
        except httpjson.FetchError as exc:
            errors["url"] = [str(exc)]
            return
        if "auth_header" in data:
            src.secret = crypto.encrypt({"auth_header": data["auth_header"]}) if data["auth_header"] else ""
        src.config = {"timeout_s": 10, "max_bytes": 5_000_000, "json_path": "", **config}
    elif src.kind == "builtin":
        name = data.get("dataset", src.config.get("dataset"))
        known = builtin.names()
        if name not in known:
            errors["dataset"] = [f"内置数据须为 {', '.join(known)} 之一"]
            return
        src.config = {"dataset": name}
        sub = builtin.selectable(name)
        src.fields = [{"name": c.name, "type": field_type_of(c.type) or "string"} for c in sub.c]


def _test(src: DataSource, policy: Policy) -> None:
    """Connect (SQL) or fetch (HTTP) now and record the outcome on the source."""
    src.last_checked_at = utcnow()
    if src.kind == "sql":
        engine = sqlconn.engine_for(src.config["url"], secret_of(src).get("password"))
        try:
            problem = sqlconn.test(engine)
        finally:
            engine.dispose()
    elif src.kind == "http":
        try:
            rows = _http_rows(src, policy)
            src.fields = tabular.infer(list(dict.fromkeys(k for r in rows for k in r)),
                                       [(i, list(r.values())) for i, r in enumerate(rows)]) if rows else src.fields
            src.row_count = len(rows)
            problem = None
        except httpjson.FetchError as exc:
            problem = str(exc)
    else:
        problem = None
    src.status, src.last_error = ("error", problem) if problem else ("ok", "")


def _http_rows(src: DataSource, policy: Policy) -> list[dict]:
    auth = secret_of(src).get("auth_header")
    doc = httpjson.fetch(src.config["url"], headers={"Authorization": auth} if auth else None,
                         timeout=float(src.config.get("timeout_s", 10)),
                         max_bytes=int(src.config.get("max_bytes", 5_000_000)), allowed_hosts=policy.allowed_hosts)
    return httpjson.records(doc, src.config.get("json_path", ""))


@action("data.read")
def source_list(session: Session, actor: Actor, *, kind=None, q=None, page=1, per_page=50) -> Page:
    stmt = select(DataSource).order_by(DataSource.code)
    if kind:
        stmt = stmt.where(DataSource.kind == kind)
    if q:
        stmt = stmt.where(DataSource.name.ilike(f"%{q}%") | DataSource.code.ilike(f"%{q}%"))
    return paginate(session, stmt, page, per_page)


@action("data.read")
def source_get(session: Session, actor: Actor, source_id: int) -> DataSource:
    return _source(session, source_id)


@action("data.manage")
def source_create(session: Session, actor: Actor, data: dict, policy: Policy) -> DataSource:
    """Register a source. A SQL source's connection and an HTTP source's first fetch are tried
    now: one that does not answer is refused with the reason."""
    errors = _check_common(session, data)
    if data.get("kind") not in KINDS:
        errors["kind"] = [f"取值须为 {', '.join(KINDS)} 之一"]
    if errors:
        raise Invalid("The data source is not valid.", errors)
    declared = data.get("columns") or []
    if declared and data["kind"] != "file":
        errors["fields"] = ["只有“上传文件”类数据源可以预先声明列"]
    problems = tabular.check_header([f["name"] for f in declared]) if declared else []
    if problems:
        errors["fields"] = problems
    if errors:
        raise Invalid("The data source is not valid.", errors)
    src = DataSource(code=data["code"], name=data["name"], description=data.get("description", ""),
                     kind=data["kind"], owner_department_id=data.get("owner_department_id", actor.department_id),
                     config={}, secret="", fields=declared, created_by=actor.id)
    _configure(src, data, policy, errors)
    if errors:
        raise Invalid("The data source is not valid.", errors)
    if src.kind != "file":
        _test(src, policy)
        if src.status == "error":
            raise Invalid("The data source does not answer.", {"url": [f"连接测试失败：{src.last_error}"]})
    session.add(src)
    return src


@action("data.manage")
def source_update(session: Session, actor: Actor, source_id: int, data: dict, policy: Policy,
                  if_version: int | None = None) -> DataSource:
    """Change a source; a new URL or password is tested before it is kept."""
    src = _source(session, source_id)
    check_version(src, if_version)
    errors = _check_common(session, data, src)
    for key in ("code", "name", "description", "owner_department_id"):
        if key in data:
            setattr(src, key, data[key])
    _configure(src, data, policy, errors)
    if errors:
        raise Invalid("The data source is not valid.", errors)
    if src.kind != "file" and ({"url", "auth_header", "json_path"} & set(data)):
        _test(src, policy)
        if src.status == "error":
            raise Invalid("The data source does not answer.", {"url": [f"连接测试失败：{src.last_error}"]})
    return src


@action("data.manage")
def source_test(session: Session, actor: Actor, source_id: int, policy: Policy) -> DataSource:
    """Test the source again and record the outcome (a failure is recorded, not raised)."""
    src = _source(session, source_id)
    _test(src, policy)
    return src


@action("data.manage")
def source_delete(session: Session, actor: Actor, source_id: int, if_version: int | None = None) -> None:
    """Delete a source (and the table of an uploaded file)."""
    src = _source(session, source_id)
    check_version(src, if_version)
    from runtime.services.models import DataService

    users = list(session.scalars(select(DataService.code).where(DataService.source_id == src.id)))
    if users:
        raise Conflict(f"数据源被数据服务 {'、'.join(users)} 使用，请先删除这些服务或改用其他数据源")
    if src.kind == "file":
        tabular.table_for(src.file_table, src.fields).drop(session.connection(), checkfirst=True)
    session.delete(src)


@action("data.read")
def source_tables(session: Session, actor: Actor, source_id: int, policy: Policy) -> list[dict]:
    """The tables (and columns) a source offers: a database's tables, a file's or an API's one."""
    src = _source(session, source_id)
    if src.kind == "sql":
        engine = sqlconn.engine_for(src.config["url"], secret_of(src).get("password"))
        try:
            return sqlconn.tables(engine)
        except Exception as exc:  # noqa: BLE001 - any driver error becomes a clear message
            raise Conflict(f"无法读取数据源的表结构：{str(exc).splitlines()[0][:300]}") from exc
        finally:
            engine.dispose()
    name = src.file_table if src.kind == "file" else src.config["dataset"] if src.kind == "builtin" else "records"
    return [{"name": name, "columns": src.fields}] if src.fields else []


@action("data.read")
def source_preview(session: Session, actor: Actor, source_id: int, table_name: str, policy: Policy,
                   limit: int = 20) -> list[dict]:
    """The first rows of one of the source's tables."""
    src = _source(session, source_id)
    limit = max(1, min(limit, 200))
    if src.kind == "sql":
        engine = sqlconn.engine_for(src.config["url"], secret_of(src).get("password"))
        try:
            return sqlconn.preview(engine, table_name, limit)
        except LookupError:
            raise Invalid("No such table.", {"table": [f"数据源中没有表 {table_name}"]}) from None
        finally:
            engine.dispose()
    if src.kind == "builtin":
        if table_name != src.config["dataset"]:
            raise Invalid("No such table.", {"table": [f"数据源中没有表 {table_name}"]})
        sub = builtin.selectable(table_name)
        return [dict(r._mapping) for r in session.execute(sa.select(sub).limit(limit))]
    if src.kind == "http":
        try:
            return _http_rows(src, policy)[:limit]
        except httpjson.FetchError as exc:
            raise Conflict(str(exc)) from exc
    if table_name != src.file_table or not src.fields:
        raise Invalid("No such table.", {"table": [f"数据源中没有表 {table_name}"]})
    t = tabular.table_for(src.file_table, src.fields)
    rows = session.execute(select(*[t.c[f["name"]] for f in src.fields]).order_by(t.c._row).limit(limit))
    return [dict(r._mapping) for r in rows]


@action("data.manage")
def source_load(session: Session, actor: Actor, source_id: int, rows: list[dict], *, append: bool = False) -> DataSource:
    """Load rows that are already typed (a generator's sample data, a drill's readings) into a file
    source's declared columns: replace what is there, or append to it. Unlike an upload there is
    no text to parse, so nothing is coerced; a row with a column the source lacks is refused."""
    src = _source(session, source_id)
    if src.kind != "file" or not src.fields:
        raise Invalid("Only file sources with declared columns take rows.", {"source_id": ["只有已声明列的“上传文件”类数据源可以载入数据"]})
    names = {f["name"] for f in src.fields}
    extra = sorted({k for row in rows[:1000] for k in row} - names)
    if extra:
        raise Invalid("The rows have columns the source lacks.", {"rows": [f"数据源没有这些列：{'、'.join(extra)}"]})
    if append:
        tabular.append(session.connection(), src.file_table, src.fields, rows)
        src.row_count = (src.row_count or 0) + len(rows)
    else:
        tabular.load(session.connection(), src.file_table, src.fields, rows)
        src.row_count = len(rows)
    src.status, src.last_checked_at = "ok", utcnow()
    return src


@action("data.manage")
def source_upload(session: Session, actor: Actor, source_id: int, data: bytes, filename: str) -> DataSource:
    """Load a CSV, XLSX or JSON file into the source's table, replacing what was there.
    All or nothing: a value that does not fit its column's type rejects the file, naming the rows."""
    src = _source(session, source_id)
    if src.kind != "file":
        raise Invalid("Only file sources take uploads.", {"file": ["只有“上传文件”类数据源可以上传文件"]})
    try:
        header, rows = tabular.read(data, filename)
    except (ValueError, UnicodeDecodeError, KeyError) as exc:
        raise Invalid("The file cannot be read.", {"file": [f"无法读取文件：{exc}"]}) from exc
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
        raise Invalid("The file cannot be read.", {"file": [f"无法读取文件：{type(exc).__name__}"]}) from exc
    problems = tabular.check_header(header)
    if problems:
        raise Invalid("The header row is not valid.", {"file": problems})
    if not rows:
        raise Invalid("The file holds no rows.", {"file": ["文件中没有数据行"]})
    if len(rows) > tabular.MAX_ROWS:
        raise Invalid("Too many rows.", {"file": [f"一次最多 {tabular.MAX_ROWS} 行"]})
    if src.fields:  # the columns stay as declared: data services depend on them
        fields = src.fields
        names = [f["name"] for f in fields]
        if sorted(header) != sorted(names):
            raise Invalid("The columns differ from the source's.", {"file": [
                f"文件的列（{'、'.join(header)}）与数据源已有的列（{'、'.join(names)}）不一致"]})
        order = [header.index(n) for n in names]
        rows = [(number, [values[i] if i < len(values) else None for i in order] + values[len(header):])
                for number, values in rows]
    else:
        fields = tabular.infer(header, rows)
    report, clean = [], []
    for number, values in rows:
        if len(values) > len(header):
            report.append({"row": number, "field": "", "message": f"比表头多出 {len(values) - len(header)} 列"})
            continue
        out = {}
        for i, f in enumerate(fields):
            raw = values[i] if i < len(values) else None
            try:
                out[f["name"]] = tabular.coerce(raw, f["type"])
            except (ValueError, TypeError):
                report.append({"row": number, "field": f["name"],
                               "message": f"“{raw}”不是{tabular.TYPE_LABELS[f['type']]}"})
        clean.append(out)
        if len(report) >= 200:
            break
    if report:
        raise ImportRejected(f"{len({r['row'] for r in report})} 行有错误，未导入任何数据。", report)
    tabular.load(session.connection(), src.file_table, fields, clean)
    src.fields, src.row_count, src.status, src.last_checked_at = fields, len(clean), "ok", utcnow()
    src.config = {**src.config, "filename": filename[:255]}
    return src
