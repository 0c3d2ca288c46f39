"""Data services: define, version, publish, authorise and call.

A service is a source plus a query: a read-only parameterised SELECT (sql), or a table
with chosen columns, order and limit (table). Every change archives the definition it
replaces; only online services can be called, by data managers, the owner department
and departments granted access.
"""
from __future__ import annotations

import datetime as dt
import decimal
import threading

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from runtime.sources import builtin, httpjson, tabular
from runtime.sources.models import DataSource
from runtime.sources.service import secret_of
from runtime.sources.sqlconn import engine_for
from tongguan.accounts.models import Department
from tongguan.accounts.service import unknown_departments
from tongguan.errors import Conflict, Forbidden, Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from runtime.usages import Dependant, dependants_of, finder, refuse_if_broken

from . import apps, composite, sqlcheck, subscriptions, tablequery
from .models import PARAM_TYPES, STATES, DataService, DataServiceAppGrant, DataServiceGrant, DataServiceRevision

MAX_ROWS = 10_000
TIMEOUT_MS = 15_000
MOVES = {("draft", "online"), ("online", "offline"), ("offline", "online"), ("offline", "draft")}

_engines: dict[tuple, Engine] = {}
_engines_lock = threading.Lock()


def _engine(src: DataSource) -> Engine:
    """One pooled engine per distinct connection (URL and password): a changed source gets a new one."""
    password = secret_of(src).get("password")
    key = (src.config["url"], password)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            if len(_engines) > 50:  # sources come and go; do not keep pools for ever
                for old in list(_engines)[:10]:
                    _engines.pop(old).dispose()
            engine = _engines[key] = engine_for(src.config["url"], password)
        return engine


def _service(session: Session, service_id: int) -> DataService:
    svc = session.get(DataService, service_id)
    if svc is None:
        raise NotFound(f"Data service {service_id} does not exist.")
    return svc


def _by_code(session: Session, code: str) -> DataService:
    svc = session.scalar(select(DataService).where(DataService.code == code))
    if svc is None:
        raise NotFound(f"Data service {code} does not exist.")
    return svc


def _parts(session: Session, svc: DataService) -> list[DataService | None]:
    codes = [p.get("service") for p in svc.definition.get("parts") or []]
    found = {s.code: s for s in session.scalars(select(DataService).where(DataService.code.in_(codes)))}
    return [found.get(c) if c != svc.code else None for c in codes]


def _table_of(session: Session, svc: DataService):
    """(the table a table service reads, {field: DSL type} of its columns)."""
    src = svc.source
    if src.kind == "builtin":
        sub = builtin.selectable(src.config["dataset"])
        return sub, tablequery.fields_of(sub)
    if src.kind == "file":
        table = tabular.table_for(src.file_table, src.fields)
        return table, tablequery.fields_of(table, {f["name"]: f["type"] for f in src.fields})
    if src.kind == "http":  # no table: the fields found when the source was last tested
        return None, {f["name"]: f["type"] for f in src.fields}
    from sqlalchemy import MetaData, Table

    try:
        table = Table(svc.definition["table"], MetaData(), autoload_with=_engine(src))
    except SQLAlchemyError as exc:
        raise Invalid("The table cannot be read.", {"definition.table": [f"无法读取表：{_reason(exc)}"]}) from exc
    return table, tablequery.fields_of(table)


def _snapshot(svc: DataService) -> dict:
    return {"code": svc.code, "name": svc.name, "description": svc.description,
            "source": svc.source.code if svc.source else None,
            "kind": svc.kind, "definition": svc.definition, "params": svc.params, "output": svc.output,
            "state": svc.state, "revision": svc.revision}


# --- checking and running -------------------------------------------------------------


def _check(session: Session, svc: DataService) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    src = svc.source
    if unknown_departments(session, [svc.owner_department_id]):
        return {"owner_department_id": ["部门不存在"]}
    if (src is None) != (svc.kind == "composite"):
        return {"source_id": ["组合服务不指定数据源，其他服务须指定数据源"]}
    names = [p["name"] for p in svc.params]
    if len(set(names)) != len(names):
        errors["params"] = ["参数名重复"]
    for i, p in enumerate(svc.params):
        if p.get("type") not in PARAM_TYPES:
            errors.setdefault(f"params.{i}.type", []).append(f"取值须为 {', '.join(PARAM_TYPES)} 之一")
        elif p.get("default") is not None:
            try:
                tabular.coerce(p["default"], p["type"])
            except (ValueError, TypeError):
                errors.setdefault(f"params.{i}.default", []).append(f"默认值不是{tabular.TYPE_LABELS[p['type']]}")
    if svc.kind == "sql":
        if src.kind != "sql":
            errors["kind"] = ["参数化查询只能用于 SQL 数据库类数据源"]
            return errors
        problems, placeholders = sqlcheck.check(svc.definition.get("sql", ""), src.config["url"].split("+")[0]
                                                .split(":")[0])
        if problems:
            errors["definition.sql"] = problems
        missing = sorted(placeholders - set(names))
        if missing:
            errors.setdefault("params", []).append(f"查询中的参数未声明：{', '.join(missing)}")
        unused = sorted(set(names) - placeholders)
        if unused and not problems:
            errors.setdefault("params", []).append(f"声明的参数未在查询中使用：{', '.join(unused)}")
    elif svc.kind == "table":
        table = svc.definition.get("table")
        if src.kind == "http":  # an inbound API: its records are filtered and projected here
            if table != "records":
                errors["definition.table"] = ["HTTP 接口类数据源的表为 records"]
            elif svc.definition.get("group_by") or svc.definition.get("aggregates"):
                errors["definition.group_by"] = ["HTTP 接口类数据服务只支持筛选和选列，不支持分组聚合"]
        elif src.kind == "file" and table != src.file_table:
            errors["definition.table"] = [f"上传文件类数据源的表为 {src.file_table}"]
        elif src.kind == "builtin" and table != src.config.get("dataset"):
            errors["definition.table"] = [f"内置数据源的表为 {src.config.get('dataset')}"]
        if svc.params:
            errors.setdefault("params", []).append("数据表查询暂不接受参数")
        if not errors:
            table, fields = _table_of(session, svc)
            errors.update(tablequery.check(svc.definition, fields))
            if not errors:
                svc.output = tablequery.output(svc.definition, fields)
    elif svc.kind == "composite":
        output, _, problems = composite.plan(svc.definition, _parts(session, svc), svc.params)
        errors.update(problems)
        if not problems:
            svc.output = output
    else:
        errors["kind"] = ["取值须为 sql 或 table"]
    return errors


def _json(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _type_of(values) -> str:
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            return "boolean"
        if isinstance(v, int):
            return "integer"
        if isinstance(v, float | decimal.Decimal):
            return "number"
        if isinstance(v, dt.datetime):
            return "datetime"
        if isinstance(v, dt.date):
            return "date"
        return "string"
    return "string"


def _bind(svc: DataService, given: dict) -> dict:
    values, errors = {}, {}
    known = {p["name"]: p for p in svc.params}
    for name in given:
        if name not in known:
            errors[name] = [f"未知参数 {name}"]
    for name, p in known.items():
        raw = given.get(name, p.get("default"))
        if raw is None:
            if p.get("required"):
                errors[name] = ["必填参数"]
            values[name] = None
            continue
        try:
            values[name] = tabular.coerce(raw, p["type"])
        except (ValueError, TypeError):
            errors[name] = [f"“{raw}”不是{tabular.TYPE_LABELS[p['type']]}"]
    if errors:
        raise Invalid("The parameters are not valid.", errors)
    return values


def _execute(session: Session, svc: DataService, params: dict, limit: int) -> dict:
    src, limit = svc.source, max(1, min(limit, MAX_ROWS))
    if svc.kind == "composite":
        rows, output = _composite_rows(session, svc, params)
        keys = [f["name"] for f in output]
        return {"columns": output, "rows": [{k: _json(r.get(k)) for k in keys} for r in rows[:limit]],
                "truncated": len(rows) > limit}
    if svc.kind == "table":
        table, fields = _table_of(session, svc)
        problems = tablequery.check(svc.definition, fields)
        if problems:
            raise Invalid("The table query is not valid.", problems)
        if src.kind == "http":
            return _http_records(svc, fields, limit)
        stmt = tablequery.statement(table, svc.definition, fields, order_by_row=src.kind == "file").limit(limit + 1)
        if src.kind in ("file", "builtin"):
            return _collect(session.execute(stmt), limit)
        try:
            with _engine(src).connect() as conn:
                return _collect(conn.execute(stmt), limit)
        except SQLAlchemyError as exc:
            raise Invalid("The query failed.", {"definition": [f"查询执行失败：{_reason(exc)}"]}) from exc
    engine = _engine(src)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":  # belt and braces beside the parse check
                conn.execute(text("SET TRANSACTION READ ONLY"))
                conn.execute(text(f"SET LOCAL statement_timeout = {TIMEOUT_MS}"))
            result = conn.execute(text(svc.definition["sql"]).bindparams(**params))
            out = _collect(result, limit)
            conn.rollback()
            return out
    except SQLAlchemyError as exc:
        raise Invalid("The query failed.", {"definition.sql": [f"查询执行失败：{_reason(exc)}"]}) from exc


def _http_records(svc: DataService, fields: dict[str, str], limit: int) -> dict:
    """An HTTP source's records, typed as its fields, filtered and projected in Python (the
    DSL's Python back end has the SQL back end's semantics). Fetched on every call: the
    source's own timeout and size limit bound the cost."""
    import dsl

    src = svc.source
    auth = secret_of(src).get("auth_header")
    try:
        doc = httpjson.fetch(src.config["url"], headers={"Authorization": auth} if auth else None,
                             timeout=float(src.config.get("timeout_s", 10)),
                             max_bytes=int(src.config.get("max_bytes", 5_000_000)),
                             allowed_hosts=httpjson.ALLOWED_HOSTS)
        records = httpjson.records(doc, src.config.get("json_path", ""))
    except httpjson.FetchError as exc:
        raise Conflict(f"HTTP 接口调用失败：{exc}") from exc
    where = dsl.parse(svc.definition["filter"]) if svc.definition.get("filter") else None
    names = svc.definition.get("columns") or list(fields)
    rows = []
    for record in records:
        row = {}
        for name, kind in fields.items():
            try:
                row[name] = tabular.coerce(record.get(name), kind)
            except (ValueError, TypeError):
                row[name] = None  # as a database column would hold a value it cannot read: nothing
        if where is None or dsl.matches(where, row, fields=fields):
            rows.append({n: _json(row[n]) for n in names})
            if len(rows) > limit:
                break
    return {"columns": [{"name": n, "type": fields[n]} for n in names], "rows": rows[:limit],
            "truncated": len(rows) > limit}


SA_TYPES = {"integer": "Integer", "number": "Float", "string": "Text", "boolean": "Boolean", "date": "Date",
            "datetime": "DateTime"}


def rows_source(session: Session, svc: DataService, params: dict):
    """(a selectable of the service's rows, {field: column}, run) so that aggregates over the rows
    run where the data is: `run(stmt)` executes a statement over it and returns rows as dicts."""
    import sqlalchemy as sa

    src = svc.source
    values = _bind(svc, params)
    if svc.kind == "composite":
        raise ValueError("a composite service has no single place to push down to; use composite_rows()")
    if src.kind == "http":
        raise Invalid("Indicators cannot be computed over an HTTP source yet.", {"service_id": [
            f"数据服务 {svc.code} 读取 HTTP 接口，指标暂不能基于它计算；请改用组合服务或数据库类数据源"]})
    if svc.kind == "table":
        table, fields = _table_of(session, svc)
        sub = tablequery.statement(table, svc.definition, fields).subquery("rows")
        if src.kind in ("file", "builtin"):
            return sub, {c.name: c for c in sub.c}, lambda stmt: [dict(r._mapping) for r in session.execute(stmt)]
    engine = _engine(src)
    if svc.kind == "sql":
        typed = [sa.column(f["name"], getattr(sa, SA_TYPES.get(f["type"], "Text"))()) for f in svc.output]
        sub = text(svc.definition["sql"]).bindparams(**values).columns(*typed).subquery("rows")

    def run(stmt):
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET TRANSACTION READ ONLY"))
                conn.execute(text(f"SET LOCAL statement_timeout = {TIMEOUT_MS}"))
            out = [dict(r._mapping) for r in conn.execute(stmt)]
            conn.rollback()
            return out

    return sub, {c.name: c for c in sub.c}, run


def _typed_rows(svc: DataService, rows: list[dict]) -> list[dict]:
    kinds = {f["name"]: f["type"] for f in svc.output}
    out = []
    for r in rows:
        item = {}
        for k, v in r.items():
            try:
                item[k] = tabular.coerce(v, kinds[k]) if k in kinds else v
            except (ValueError, TypeError):
                item[k] = None
        out.append(item)
    return out


def _composite_rows(session: Session, svc: DataService, values: dict) -> tuple[list[dict], list[dict]]:
    parts = _parts(session, svc)
    output, mapping, problems = composite.plan(svc.definition, parts, svc.params)
    if problems:
        raise Invalid("The composite service is not valid.", problems)

    def fetch(part: DataService, given: dict) -> list[dict]:
        result = _execute(session, part, _bind(part, {k: v for k, v in given.items() if v is not None}), MAX_ROWS)
        if result["truncated"]:
            raise Invalid("A part has too many rows.", {"definition.parts": [
                f"{part.code} 超过 {MAX_ROWS} 行，请在该服务中筛选或分组后再组合"]})
        return _typed_rows(part, result["rows"])

    return composite.combine(svc.definition, parts, mapping, output, values, fetch), output


def freshness_key(session: Session, svc: DataService) -> tuple:
    """Changes whenever the service's definition or its data's source changes (for caches)."""
    if svc.kind == "composite":
        return (svc.id, svc.revision, tuple(freshness_key(session, p) for p in _parts(session, svc) if p is not None))
    return (svc.id, svc.revision, svc.source.version)


def composite_rows(session: Session, svc: DataService, params: dict) -> tuple[list[dict], dict[str, str]]:
    """A composite service's rows (typed) and field types, for aggregates computed here."""
    rows, output = _composite_rows(session, svc, _bind(svc, params))
    return rows, {f["name"]: f["type"] for f in output}


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]


def _collect(result, limit: int) -> dict:
    keys = list(result.keys())
    rows = result.fetchmany(limit + 1)
    truncated = len(rows) > limit
    rows = rows[:limit]
    columns = [{"name": k, "type": _type_of([r[i] for r in rows])} for i, k in enumerate(keys)]
    return {"columns": columns, "rows": [{k: _json(v) for k, v in zip(keys, r)} for r in rows],
            "truncated": truncated}


def _validate_and_probe(session: Session, svc: DataService, declared: list | None = None) -> None:
    """Check the definition and try it with the parameters' defaults. The output's types are
    taken from `declared` (the operator's word: SQLite hands back timestamps as text) or else
    guessed from the first rows."""
    errors = _check(session, svc)
    if errors:
        raise Invalid("The data service is not valid.", errors)
    if svc.kind in ("composite", "table"):
        declared = None  # its output follows from its parts' or its table's types
    defaults = {p["name"]: p.get("default") for p in svc.params if p.get("default") is not None}
    if all(p.get("default") is not None or not p.get("required") for p in svc.params):
        probe = _execute(session, svc, _bind(svc, defaults), 20)
        if svc.kind in ("composite", "table"):
            pass
        elif declared:
            names = [c["name"] for c in probe["columns"]]
            if [d["name"] for d in declared] != names:
                raise Invalid("The declared output differs from the query's.", {"output": [
                    f"声明的输出列须与查询结果的列一致：{', '.join(names)}"]})
            svc.output = [{"name": d["name"], "type": d["type"]} for d in declared]
        else:
            svc.output = probe["columns"]
    elif declared:
        svc.output = [{"name": d["name"], "type": d["type"]} for d in declared]


# --- the actions -------------------------------------------------------------------------


@action("data.read")
def service_list(session: Session, actor: Actor, *, q=None, state=None, source_id=None, page=1, per_page=50) -> Page:
    stmt = select(DataService).order_by(DataService.code)
    if q:
        stmt = stmt.where(DataService.name.ilike(f"%{q}%") | DataService.code.ilike(f"%{q}%"))
    if state:
        stmt = stmt.where(DataService.state == state)
    if source_id:
        stmt = stmt.where(DataService.source_id == source_id)
    return paginate(session, stmt, page, per_page)


@action("data.read")
def service_get(session: Session, actor: Actor, service_id: int) -> DataService:
    return _service(session, service_id)


@action("data.manage")
def service_create(session: Session, actor: Actor, data: dict) -> DataService:
    """A new draft service; its query is checked and tried with the parameters' defaults."""
    errors = {}
    if session.scalar(select(DataService.id).where(DataService.code == data["code"])) is not None:
        errors["code"] = [f"编码 {data['code']} 已被使用"]
    src = session.get(DataSource, data["source_id"]) if data.get("source_id") else None
    if src is None and data["kind"] != "composite":
        errors["source_id"] = ["数据源不存在" if data.get("source_id") else "请选择数据源"]
    elif src is not None and data["kind"] == "composite":
        errors["source_id"] = ["组合服务不指定数据源"]
    if errors:
        raise Invalid("The data service is not valid.", errors)
    svc = DataService(code=data["code"], name=data["name"], description=data.get("description", ""),
                      source_id=src.id if src else None, kind=data["kind"], definition=data.get("definition", {}),
                      params=data.get("params", []), state="draft", revision=1, created_by=actor.id,
                      owner_department_id=data.get("owner_department_id", actor.department_id))
    svc.source = src
    _validate_and_probe(session, svc, data.get("output"))
    session.add(svc)
    return svc


@action("data.manage")
def service_update(session: Session, actor: Actor, service_id: int, data: dict,
                   if_version: int | None = None, confirm_breaking: bool = False) -> DataService:
    """Change a service: the definition it had is archived as a revision first. A change that
    would break an indicator or a composite service built on it is refused with their list,
    unless `confirm_breaking`."""
    svc = _service(session, service_id)
    check_version(svc, if_version)
    session.add(DataServiceRevision(service_id=svc.id, revision=svc.revision, snapshot=_snapshot(svc),
                                    created_by=actor.id))
    for key in ("name", "description", "definition", "params", "owner_department_id"):
        if key in data:
            setattr(svc, key, data[key])
    if "source_id" in data:
        src = session.get(DataSource, data["source_id"])
        if src is None:
            raise Invalid("The data service is not valid.", {"source_id": ["数据源不存在"]})
        svc.source_id, svc.source = src.id, src
    svc.revision += 1
    _validate_and_probe(session, svc, data.get("output"))
    refuse_if_broken(session, "data_service", svc, confirm_breaking)
    subscriptions.definition_changed(session, svc, f"{actor.username} 修改了 {', '.join(sorted(data)) or '定义'}")
    return svc


@action("data.manage")
def service_set_state(session: Session, actor: Actor, service_id: int, state: str,
                      if_version: int | None = None) -> DataService:
    """draft → online → offline → online (or back to draft)."""
    svc = _service(session, service_id)
    check_version(svc, if_version)
    if (svc.state, state) not in MOVES:
        raise Invalid("This state change is not allowed.", {"state": [
            f"不能从“{STATES[svc.state][0]}”变为“{STATES.get(state, (state,))[0]}”"]})
    if state == "online":
        _validate_and_probe(session, svc, svc.output)  # keep the declared types (SQLite's timestamps are text)
    else:
        users = [d for d in dependants_of(session, "data_service", svc) if d.state in ("published", "online")]
        if users:
            raise Conflict(f"数据服务 {svc.code} 仍被使用，不能下线：" + "、".join(f"{u.name}（{u.code}）" for u in users))
    svc.state = state
    subscriptions.definition_changed(session, svc, f"{actor.username} 将状态改为“{STATES[state][0]}”")
    return svc


@finder("data_service")
def _composites_on(session: Session, svc: DataService) -> list[Dependant]:
    out = []
    for other in session.scalars(select(DataService).where(DataService.kind == "composite")):
        if svc.code not in [p.get("service") for p in other.definition.get("parts") or []]:
            continue
        output, _, problems = composite.plan(other.definition, _parts(session, other), other.params)
        problem = "；".join(m for msgs in problems.values() for m in msgs)
        now = {f["name"]: f["type"] for f in output}
        lost = [f"{f['name']}:{f['type']}" for f in other.output if now.get(f["name"]) != f["type"]]
        if not problem and lost:
            problem = "这些输出列将不再存在或改变类型：" + ", ".join(lost)
        out.append(Dependant("data_service", other.id, other.code, other.name, other.state, problem))
    return out


@action("data.read")
def service_usages(session: Session, actor: Actor, service_id: int) -> list[dict]:
    """What is built on this service: indicators, composite services (and, as they come, cards and reports)."""
    return [d.as_dict() for d in dependants_of(session, "data_service", _service(session, service_id))]


@action("data.read")
def service_revisions(session: Session, actor: Actor, service_id: int) -> list[dict]:
    """Archived definitions, newest first (the current one is the service itself)."""
    _service(session, service_id)
    rows = session.scalars(select(DataServiceRevision).where(DataServiceRevision.service_id == service_id)
                           .order_by(DataServiceRevision.revision.desc()))
    return [{"revision": r.revision, "snapshot": r.snapshot, "created_at": r.created_at, "created_by": r.created_by}
            for r in rows]


@action("data.manage")
def service_preview(session: Session, actor: Actor, service_id: int, params: dict, limit: int = 20) -> dict:
    """Run any service, in any state, for its builder's live preview."""
    svc = _service(session, service_id)
    return _execute(session, svc, _bind(svc, params), limit)


def _may_call(session: Session, actor: Actor, svc: DataService, app: str | None = None) -> bool:
    if actor.can("data.manage") or (svc.owner_department_id and svc.owner_department_id == actor.department_id):
        return True
    if app is not None:
        found = apps.find(session, code=app)
        return found is not None and found.live and session.scalar(select(DataServiceAppGrant.id).where(
            DataServiceAppGrant.service_id == svc.id, DataServiceAppGrant.app_id == found.id)) is not None
    if actor.department_id is None:
        return False
    return session.scalar(select(DataServiceGrant.id).where(
        DataServiceGrant.service_id == svc.id, DataServiceGrant.department_id == actor.department_id)) is not None


@action("data.read")
def service_call(session: Session, actor: Actor, code: str, params: dict, limit: int = 1000,
                 app: str | None = None) -> dict:
    """Call an online service by code with its parameters; `app` is the published app whose page
    makes the call (a service granted to the app serves everyone who views it)."""
    svc = _by_code(session, code)
    if svc.state != "online":
        raise Conflict(f"数据服务 {code} 未上线（当前：{STATES[svc.state][0]}）")
    if not (_may_call(session, actor, svc) or (app and _may_call(session, actor, svc, app))):
        raise Forbidden(f"你的部门和该应用均未获授权调用数据服务 {code} "
                        f"(neither your department nor the app is authorised to call data service {code})")
    out = _execute(session, svc, _bind(svc, params), limit)
    return {"service": svc.code, "revision": svc.revision, **out}


@action("data.manage")
def service_grant(session: Session, actor: Actor, service_id: int, department_id: int, allow: bool = True) -> list[int]:
    """Allow (or stop) a department calling the service; returns the departments allowed."""
    svc = _service(session, service_id)
    if session.get(Department, department_id) is None:
        raise Invalid("No such department.", {"department_id": ["部门不存在"]})
    row = session.scalar(select(DataServiceGrant).where(DataServiceGrant.service_id == svc.id,
                                                        DataServiceGrant.department_id == department_id))
    if allow and row is None:
        session.add(DataServiceGrant(service_id=svc.id, department_id=department_id))
    elif not allow and row is not None:
        session.delete(row)
    session.flush()
    return list(session.scalars(select(DataServiceGrant.department_id).where(DataServiceGrant.service_id == svc.id)
                                .order_by(DataServiceGrant.department_id)))


@action("data.manage")
def service_grant_app(session: Session, actor: Actor, service_id: int, app_id: int, allow: bool = True) -> list[int]:
    """Allow (or stop) an app's pages calling the service; returns the apps allowed."""
    svc = _service(session, service_id)
    if apps.find(session, id=app_id) is None:
        raise Invalid("No such app.", {"app_id": ["应用不存在"]})
    row = session.scalar(select(DataServiceAppGrant).where(DataServiceAppGrant.service_id == svc.id,
                                                           DataServiceAppGrant.app_id == app_id))
    if allow and row is None:
        session.add(DataServiceAppGrant(service_id=svc.id, app_id=app_id))
    elif not allow and row is not None:
        session.delete(row)
    session.flush()
    return list(session.scalars(select(DataServiceAppGrant.app_id).where(DataServiceAppGrant.service_id == svc.id)
                                .order_by(DataServiceAppGrant.app_id)))


@action("data.read")
def service_grants(session: Session, actor: Actor, service_id: int) -> dict:
    """The departments and apps allowed to call the service."""
    svc = _service(session, service_id)
    return {"departments": list(session.scalars(select(DataServiceGrant.department_id).where(
                DataServiceGrant.service_id == svc.id).order_by(DataServiceGrant.department_id))),
            "apps": list(session.scalars(select(DataServiceAppGrant.app_id).where(
                DataServiceAppGrant.service_id == svc.id).order_by(DataServiceAppGrant.app_id)))}


@action("data.read")
def service_export(session: Session, actor: Actor, service_id: int) -> dict:
    """A service as a JSON document (`tongguan/data-service@1`), to import elsewhere."""
    svc = _service(session, service_id)
    snap = _snapshot(svc)
    return {"schema": "tongguan/data-service@1", **{k: v for k, v in snap.items() if k not in ("state", "revision")}}


@action("data.manage")
def service_import(session: Session, actor: Actor, doc: dict) -> DataService:
    """Create (or update, by code) a service from an exported document; its source is found by code."""
    if not isinstance(doc, dict) or doc.get("schema") != "tongguan/data-service@1":
        raise Invalid("Not a data service document.", {"schema": ["不是 tongguan/data-service@1 文档"]})
    src = session.scalar(select(DataSource).where(DataSource.code == doc.get("source")))
    if src is None and doc.get("kind") != "composite":
        raise Invalid("Unknown source.", {"source": [f"数据源 {doc.get('source')} 不存在，请先登记"]})
    data = {"code": doc.get("code"), "name": doc.get("name"), "description": doc.get("description", ""),
            "source_id": src.id if src else None, "kind": doc.get("kind"), "definition": doc.get("definition") or {},
            "params": doc.get("params") or []}
    existing = session.scalar(select(DataService).where(DataService.code == data["code"]))
    if existing is not None:
        return service_update(session, actor, existing.id, {k: v for k, v in data.items() if k not in ("code", "kind")})
    return service_create(session, actor, data)
