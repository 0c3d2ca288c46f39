"""Indicators: define, publish, retire, compute, and say where each is used.

A base indicator is an aggregate in the DSL over a data service's rows
(`100 * count(where 状态 = '办结' and 办结时间 <= 时限) / count(where 状态 = '办结')`); a derived one is
a row expression over other indicators' values (`closed_on_time / closed`). Computing pushes the
work down: the base indicators that share a service, a window and a dimension become ONE SELECT
run where the data is; derived ones are then evaluated per group. Results are cached per
parameters, and the key carries every revision involved, so a changed definition is never served stale.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

import dsl
from runtime.services.models import DataService
from runtime.services.service import composite_rows, freshness_key, rows_source
from runtime.usages import Dependant, dependants_of, finder, refuse_if_broken
from tongguan.accounts.service import unknown_departments
from tongguan.errors import Conflict, Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from .models import CYCLES, GRAINS, STATES, Indicator

CACHE_SECONDS = 60
MAX_GROUPS = 5000
_DURATION = re.compile(r"^(\d{1,4})(m|h|d|w)$")
_cache: dict[tuple, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


def parse_window(text: str | None) -> dt.timedelta | None:
    if not text:
        return None
    m = _DURATION.match(text.strip())
    if not m:
        raise Invalid("Bad window.", {"window": ["时间窗口须形如 24h、7d、30d、4w"]})
    n, unit = int(m.group(1)), m.group(2)
    return dt.timedelta(**{{"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[unit]: n})


def _indicator(session: Session, indicator_id: int) -> Indicator:
    ind = session.get(Indicator, indicator_id)
    if ind is None:
        raise NotFound(f"Indicator {indicator_id} does not exist.")
    return ind


def _fields_of(svc: DataService) -> dict[str, str]:
    return {f["name"]: f["type"] for f in svc.output}


def _dsl_error(field: str, exc: dsl.DslError) -> Invalid:
    return Invalid("The formula is not valid.", {field: [exc.render("zh-CN")]})


def _check(session: Session, ind: Indicator) -> None:
    """Type-check the formula against what it runs over; fill `depends_on` for derived ones."""
    errors: dict[str, list[str]] = {}
    if unknown_departments(session, [ind.owner_department_id]):
        errors["owner_department_id"] = ["部门不存在"]
    for key, allowed in (("grain", GRAINS), ("update_cycle", CYCLES)):
        if getattr(ind, key) not in allowed:
            errors[key] = [f"取值须为 {', '.join(allowed)} 之一"]
    try:
        expr = dsl.parse(ind.formula)
    except dsl.DslError as exc:
        raise _dsl_error("formula", exc) from None
    if ind.kind == "base":
        svc = session.get(DataService, ind.service_id) if ind.service_id else None
        if svc is None:
            raise Invalid("The indicator is not valid.", {"service_id": ["请选择数据服务"], **errors})
        fields = _fields_of(svc)
        try:
            kind = dsl.check(expr, fields)
        except dsl.DslError as exc:
            raise _dsl_error("formula", exc) from None
        inner = expr.expr if isinstance(expr, dsl.Query) else expr
        if not inner.is_aggregate:
            errors["formula"] = ["基础指标的公式须为聚合表达式，如 count(where ...)、sum(x)"]
        elif isinstance(expr, dsl.Query) and (expr.window is not None or expr.group_by):
            errors["formula"] = ["时间窗口和分组在取数时指定，公式中不要写 over / by"]
        if kind not in ("integer", "number"):
            errors.setdefault("formula", []).append(f"指标的值须为数值，而公式的结果是 {kind}")
        unknown = [d for d in ind.dimensions if d not in fields]
        if unknown:
            errors["dimensions"] = [f"数据服务没有这些字段：{', '.join(unknown)}"]
        if ind.time_field and fields.get(ind.time_field) not in ("date", "datetime"):
            errors["time_field"] = [f"时间字段须为日期或日期时间字段（数据服务的字段：{', '.join(fields)}）"]
        ind.depends_on = []
    else:
        names = sorted({n.name for n in _walk(expr) if isinstance(n, dsl.Field)})
        others = {i.code: i for i in session.scalars(select(Indicator).where(Indicator.code.in_(names)))}
        missing = [n for n in names if n not in others]
        if missing:
            errors["formula"] = [f"公式引用的指标不存在：{', '.join(missing)}"]
        elif ind.code in names or any(ind.code in _closure(session, o) for o in others.values()):
            errors["formula"] = ["派生指标不能直接或间接引用自身"]
        else:
            try:
                kind = dsl.check(expr, {n: "number" for n in names})
                if kind not in ("integer", "number"):
                    errors["formula"] = [f"指标的值须为数值，而公式的结果是 {kind}"]
            except dsl.DslError as exc:
                raise _dsl_error("formula", exc) from None
        ind.depends_on = names
        ind.service_id = None
    if errors:
        raise Invalid("The indicator is not valid.", errors)


def _walk(expr):
    yield expr
    for child in expr.children():
        yield from _walk(child)


def _closure(session: Session, ind: Indicator, seen: set | None = None) -> set[str]:
    seen = seen if seen is not None else set()
    for code in ind.depends_on or []:
        if code not in seen:
            seen.add(code)
            dep = session.scalar(select(Indicator).where(Indicator.code == code))
            if dep is not None:
                _closure(session, dep, seen)
    return seen


@action("data.read")
def indicator_list(session: Session, actor: Actor, *, q=None, state=None, service_id=None, page=1,
                   per_page=50) -> Page:
    stmt = select(Indicator).order_by(Indicator.code)
    if q:
        stmt = stmt.where(Indicator.name.ilike(f"%{q}%") | Indicator.code.ilike(f"%{q}%"))
    if state:
        stmt = stmt.where(Indicator.state == state)
    if service_id:
        stmt = stmt.where(Indicator.service_id == service_id)
    return paginate(session, stmt, page, per_page)


@action("data.read")
def indicator_get(session: Session, actor: Actor, indicator_id: int) -> Indicator:
    return _indicator(session, indicator_id)


@action("data.manage")
def indicator_create(session: Session, actor: Actor, data: dict) -> Indicator:
    """A draft indicator; its formula is type-checked against the service's fields (or the indicators it uses)."""
    if session.scalar(select(Indicator.id).where(Indicator.code == data["code"])) is not None:
        raise Invalid("The indicator is not valid.", {"code": [f"编码 {data['code']} 已被使用"]})
    defaults = {"owner_department_id": actor.department_id, "dimensions": [], "grain": "day", "kind": "base",
                "update_cycle": "daily", "default_window": "30d", "unit": "", "time_field": "", "definition_text": ""}
    ind = Indicator(**{**defaults, **data}, state="draft",
                    revision=1, created_by=actor.id)
    _check(session, ind)
    session.add(ind)
    return ind


@action("data.manage")
def indicator_update(session: Session, actor: Actor, indicator_id: int, data: dict,
                     if_version: int | None = None, confirm_breaking: bool = False) -> Indicator:
    """Change an indicator. A change that would break a dependant (an alert rule evaluated by a
    dimension that is gone, say) is refused with the list of them, unless `confirm_breaking`."""
    ind = _indicator(session, indicator_id)
    check_version(ind, if_version)
    for key, value in data.items():
        setattr(ind, key, value)
    _check(session, ind)
    if {"formula", "service_id", "kind"} & set(data):
        ind.revision += 1
    refuse_if_broken(session, "indicator", ind, confirm_breaking)
    return ind


def _users(session: Session, code: str) -> list[Indicator]:
    return [i for i in session.scalars(select(Indicator).where(Indicator.kind == "derived"))
            if code in (i.depends_on or [])]


@finder("indicator")
def _derived_on(session: Session, ind: Indicator) -> list[Dependant]:
    return [Dependant("indicator", i.id, i.code, i.name, i.state) for i in _users(session, ind.code)]


@finder("data_service")
def _indicators_on(session: Session, svc: DataService) -> list[Dependant]:
    out = []
    for ind in session.scalars(select(Indicator).where(Indicator.service_id == svc.id)):
        problem = ""
        with session.no_autoflush:
            try:
                _check(session, ind)
            except Invalid as exc:
                problem = "；".join(m for msgs in exc.errors.values() for m in msgs)
        out.append(Dependant("indicator", ind.id, ind.code, ind.name, ind.state, problem))
    return out


IN_USE = {"published", "online", "enabled"}  # states of dependants that still run


@action("data.read")
def indicator_usages(session: Session, actor: Actor, indicator_id: int) -> list[dict]:
    """What depends on this indicator: derived indicators, alert rules, and (as they come) cards,
    reports and flows — each domain registers its own finder in runtime.usages."""
    ind = _indicator(session, indicator_id)
    return [d.as_dict() for d in dependants_of(session, "indicator", ind)]


@action("data.manage")
def indicator_set_state(session: Session, actor: Actor, indicator_id: int, state: str,
                        if_version: int | None = None) -> Indicator:
    """draft → published → retired. Retiring one that is still used is refused, naming the users."""
    ind = _indicator(session, indicator_id)
    check_version(ind, if_version)
    allowed = {("draft", "published"), ("published", "retired"), ("retired", "published")}
    if (ind.state, state) not in allowed:
        raise Invalid("This state change is not allowed.", {"state": [
            f"不能从“{STATES[ind.state][0]}”变为“{STATES.get(state, (state,))[0]}”"]})
    if state == "retired":
        users = [d for d in dependants_of(session, "indicator", ind) if d.state in IN_USE]
        if users:
            raise Conflict(f"指标 {ind.code} 仍被使用，不能停用：" + "、".join(f"{u.name}（{u.code}）" for u in users))
    if state == "published":
        for code in ind.depends_on or []:
            dep = session.scalar(select(Indicator).where(Indicator.code == code))
            if dep is None or dep.state != "published":
                raise Invalid("A used indicator is not published.", {"state": [f"引用的指标 {code} 尚未发布"]})
    ind.state = state
    return ind


# --- computing --------------------------------------------------------------------------


def _key_of(row: dict, by: tuple[str, ...]):
    return tuple(row.get(b) for b in by)


class _Known:
    """Indicators and data services read once for several computations (the cards of a page):
    each computation's cache key needs every indicator it depends on and its services' freshness."""

    def __init__(self, session: Session):
        self.session = session
        self.indicators: dict[str, Indicator | None] = {}
        self.freshness: dict[int, tuple] = {}

    def _load(self, codes) -> None:
        missing = [c for c in codes if c not in self.indicators]
        if missing:
            found = {i.code: i for i in self.session.scalars(select(Indicator).where(Indicator.code.in_(missing)))}
            self.indicators.update({c: found.get(c) for c in missing})

    def closure(self, codes: list[str]) -> tuple[dict[str, Indicator], dict[str, Indicator]]:
        """(the indicators asked for, those and everything they depend on); unknown codes refused."""
        self._load(codes)
        unknown = [c for c in codes if self.indicators[c] is None]
        if unknown:
            raise Invalid("Unknown indicators.", {"codes": [f"指标不存在：{', '.join(unknown)}"]})
        wanted = {c: self.indicators[c] for c in codes}
        everything, frontier = dict(wanted), list(wanted.values())
        while frontier:  # one query per level of derivation
            deps = [d for i in frontier for d in (i.depends_on or []) if d not in everything]
            self._load(deps)
            frontier = [self.indicators[d] for d in dict.fromkeys(deps) if self.indicators[d] is not None]
            everything.update({i.code: i for i in frontier})
        return wanted, everything

    def freshness_of(self, service_ids: set[int]) -> tuple:
        missing = [i for i in service_ids if i not in self.freshness]
        if missing:
            for svc in self.session.scalars(select(DataService).where(DataService.id.in_(missing))):
                self.freshness[svc.id] = freshness_key(self.session, svc)
        return tuple(sorted(self.freshness[i] for i in service_ids if i in self.freshness))


@action("data.read")
def indicator_values_many(session: Session, actor: Actor, requests: list[dict], *, use_cache: bool = True) -> list:
    """Several `indicator_values` computations at once (a page's cards): the indicators and services
    are read once for all. Each request is a dict of `indicator_values`' arguments (`codes`, `by`,
    `window`, `params`, `now`, `where`); each answer is its result, or the error it raised
    (`Invalid`, `NotFound`, `dsl.DslError`), so one bad request does not fail the others."""
    known = _Known(session)
    answers: list = []
    for request in requests:
        try:
            answers.append(_values(session, known, use_cache=use_cache, **request))
        except (Invalid, NotFound, dsl.DslError) as exc:
            answers.append(exc)
    return answers


@action("data.read")
def indicator_values(session: Session, actor: Actor, codes: list[str], *, by: list[str] | None = None,
                     window: str | None = None, params: dict | None = None, now: dt.datetime | None = None,
                     where: dict | None = None, use_cache: bool = True) -> dict:
    """The values of several indicators, grouped by `by` (a declared dimension of each base indicator),
    over the last `window` (default: each indicator's own). One SQL statement per (service, window):
    {"by": [...], "rows": [{dimension: v, code: value, ...}], "indicators": {code: {name, unit, window}}}.

    `where` ({dimension: value}) keeps only the rows with those values, for the base indicators that
    declare the dimension; the others ignore it (a page's linkage filters the cards that share it)."""
    return _values(session, _Known(session), codes=codes, by=by, window=window, params=params, now=now, where=where,
                   use_cache=use_cache)


def _values(session: Session, known: _Known, *, codes: list[str], by: list[str] | None = None,
            window: str | None = None, params: dict | None = None, now: dt.datetime | None = None,
            where: dict | None = None, use_cache: bool = True) -> dict:
    by = tuple(by or ())
    params = params or {}
    where = {k: v for k, v in (where or {}).items() if isinstance(k, str)}
    wanted, everything = known.closure(list(dict.fromkeys(codes)))
    base = [i for i in everything.values() if i.kind == "base"]
    for ind in base:
        missing = [b for b in by if b not in ind.dimensions]
        if missing:
            raise Invalid("Not a dimension of the indicator.", {"by": [
                f"指标 {ind.code} 不能按 {', '.join(missing)} 分组（可用维度：{', '.join(ind.dimensions) or '无'}）"]})
    now = now or dt.datetime.now(dt.timezone.utc)
    # the database too: one process may serve two (the tests run every case on SQLite, then PostgreSQL)
    key = (str(session.get_bind().url), id(session.get_bind()), tuple(sorted(codes)), by, window, tuple(sorted(params.items())), now.replace(second=0, microsecond=0),
           tuple(sorted((k, str(v)) for k, v in where.items())),
           tuple(sorted((i.code, i.revision, i.version) for i in everything.values())),
           tuple(sorted({(i.service_id,) for i in base})),
           known.freshness_of({i.service_id for i in base}))
    if use_cache:
        with _cache_lock:
            hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]

    groups: dict[tuple, list[Indicator]] = {}
    for ind in base:
        # An indicator without a time field is a snapshot: a window does not apply to it.
        win = parse_window(window or ind.default_window) if ind.time_field else None
        # the filters an indicator applies are part of its group: only indicators sharing them share a query
        applied = tuple(sorted((k, v) for k, v in where.items() if k in ind.dimensions))
        groups.setdefault((ind.service_id, win, ind.time_field if win else "", applied), []).append(ind)
    table: dict[tuple, dict] = {}
    for (service_id, win, time_field, applied), inds in groups.items():
        svc = session.get(DataService, service_id)
        svc_params = {k: v for k, v in params.items() if k in {p["name"] for p in svc.params}}
        if svc.kind == "composite":
            _in_python(session, svc, svc_params, inds, by, win, time_field, now, table, dict(applied))
            continue
        selectable, columns, run = rows_source(session, svc, svc_params)
        try:
            stmt = dsl.aggregate_select_many({i.code: dsl.parse(i.formula) for i in inds}, selectable, columns,
                                             group_by=by, window=win, time_column=time_field or None, now=now,
                                             max_rows=MAX_GROUPS, fields=_fields_of(svc))
        except dsl.DslError as exc:
            raise _dsl_error("formula", exc) from None
        for name, value in applied:
            stmt = stmt.where(columns[name] == value) if name in columns else stmt
        for row in run(stmt):
            table.setdefault(_key_of(row, by), {b: row[b] for b in by}).update({i.code: row[i.code] for i in inds})
    if not by and not table:
        table[()] = {}
    derived = [i for i in everything.values() if i.kind == "derived"]
    ordered = _topological(derived)
    for row in table.values():
        for ind in ordered:
            values = {c: row.get(c) for c in ind.depends_on}
            row[ind.code] = dsl.evaluate(dsl.parse(ind.formula), values, fields={c: "number" for c in ind.depends_on})
    rows = [{**{b: r.get(b) for b in by}, **{c: r.get(c) for c in wanted}} for r in table.values()]
    result = {"by": list(by), "rows": rows, "computed_at": now.isoformat(),
              "indicators": {c: {"name": i.name, "unit": i.unit, "window": window or i.default_window}
                             for c, i in wanted.items()}}
    with _cache_lock:
        if len(_cache) > 1000:
            _cache.clear()
        _cache[key] = (time.monotonic(), result)
    return result


def _in_python(session: Session, svc: DataService, params: dict, inds: list[Indicator], by: tuple, win,
               time_field: str, now: dt.datetime, table: dict, where: dict | None = None) -> None:
    """A composite service's rows are combined here, so its indicators are computed here too."""
    rows, fields = composite_rows(session, svc, params)
    if where:
        rows = [r for r in rows if all(r.get(k) == v for k, v in where.items())]
    if win is not None:
        start, end = now.replace(tzinfo=None) - win, now.replace(tzinfo=None)
        rows = [r for r in rows if r.get(time_field) is not None
                and start <= _naive(r[time_field]) <= end]
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault(_key_of(r, by), []).append(r)
    if not by:
        groups.setdefault((), [])
    for key in sorted(groups, key=lambda k: tuple((v is None, str(v)) for v in k))[:MAX_GROUPS]:
        out = table.setdefault(key, dict(zip(by, key)))
        for ind in inds:
            try:
                out[ind.code] = dsl.aggregate(dsl.parse(ind.formula), groups[key], fields=fields)[0]["value"]
            except dsl.DslError as exc:
                raise _dsl_error("formula", exc) from None


def _naive(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    return dt.datetime.combine(value, dt.time())


def _topological(derived: list[Indicator]) -> list[Indicator]:
    done, out = set(), []
    by_code = {i.code: i for i in derived}

    def visit(ind):
        if ind.code in done:
            return
        done.add(ind.code)
        for dep in ind.depends_on:
            if dep in by_code:
                visit(by_code[dep])
        out.append(ind)

    for ind in derived:
        visit(ind)
    return out
