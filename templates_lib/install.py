"""Cloning a scenario package into the workspace: every object it holds is created through the
owning domain's own actions (so each is checked exactly as if an operator had made it by hand),
under the author's code as a prefix, and left editable.

Order matters: matters and sources first, then what reads them (services, indicators), then what
reads those (alert rules, flows, report templates, pages). The caller's transaction holds it all:
one refused object and nothing is kept.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from builder import pages as app_pages, service as apps
from catalog.matters import service as matters
from components.bindings import each_binding
from catalog.matters.models import CITY_TZ, Matter, city_today
from report_engine import service as reports
from runtime.alerts import service as alerts
from runtime.flows import service as flows
from runtime.indicators import service as indicators
from runtime.services import service as services
from runtime.sources import service as sources
from runtime.sources.models import DataSource
from tongguan.accounts.models import Department
from tongguan.errors import Invalid
from tongguan.permissions import Actor

from .package import Package

# A clone creates data sources, indicators, rules and matters, which an author may not make by
# hand: the package is code-reviewed, so its objects are made with these permissions added to the
# author's own (and recorded under the author's name).
INSTALL_PERMISSIONS = frozenset({"data.manage", "matter.manage", "flow.manage", "report.manage", "app.manage"})
PARTS = ("data", "rules", "flows", "reports", "app")
PREFIX_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


@dataclass
class Choice:
    mode: str = "sample"  # sample | own
    source_id: int | None = None


def installer(actor: Actor) -> Actor:
    return replace(actor, permissions=actor.permissions | INSTALL_PERMISSIONS)


def check_choices(session: Session, pkg: Package, choices: dict[str, Choice]) -> None:
    """An own source must exist and carry the template's columns with their types."""
    errors: dict[str, list[str]] = {}
    declared = {s["code"]: s for s in pkg.manifest["sources"]}
    for code in sorted(set(choices) - set(declared)):
        errors[f"sources.{code}"] = [f"模板中没有数据源 {code}"]
    for code, choice in choices.items():
        if code not in declared or choice.mode != "own":
            continue
        src = session.get(DataSource, choice.source_id) if choice.source_id else None
        if src is None:
            errors[f"sources.{code}.source_id"] = ["请选择已有的数据源" if not choice.source_id else "数据源不存在"]
            continue
        if src.kind != "file":
            errors[f"sources.{code}.source_id"] = ["目前只能绑定“上传文件”类数据源（其他类型请先建数据服务后改绑）"]
            continue
        have = {f["name"]: f["type"] for f in src.fields or []}
        missing = [f"{c['name']}（{c['type']}）" for c in declared[code]["columns"] if have.get(c["name"]) != c["type"]]
        if missing:
            errors[f"sources.{code}.source_id"] = [f"数据源 {src.name} 缺少列或类型不符：{'、'.join(missing)}"]
    if errors:
        raise Invalid("The data bindings are not valid.", errors)


class _Names:
    def __init__(self, prefix: str):
        self.prefix = prefix
        self.codes: dict[str, str] = {}

    def __call__(self, local: str) -> str:
        return self.codes.setdefault(local, f"{self.prefix}_{local}")


def _rewrite_document(document: dict, names: _Names) -> dict:
    """A page document with its bindings' indicator and service codes moved to the clone's codes."""
    doc = copy.deepcopy(document)
    for card in doc.get("cards") or []:
        for binding in each_binding(card.get("binding")):
            named = binding.get("indicator")
            if isinstance(named, str):
                binding["indicator"] = names(named)
            elif isinstance(named, list):
                binding["indicator"] = [names(c) for c in named]
            if isinstance(binding.get("service"), str):
                binding["service"] = names(binding["service"])
    return doc


def _resolve_departments(value, ids: dict[str, int]):
    """"@lj-water" -> that department's id, anywhere in a flow draft."""
    if isinstance(value, str) and value.startswith("@"):
        if value[1:] not in ids:
            raise Invalid("The template needs a department this instance lacks.",
                          {"departments": [f"缺少部门 {value[1:]}（请先在组织机构中建立）"]})
        return ids[value[1:]]
    if isinstance(value, list):
        return [_resolve_departments(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _resolve_departments(v, ids) for k, v in value.items()}
    return value


def _department(ids: dict[str, int], code: str) -> int:
    return _resolve_departments("@" + code, ids)


def ensure_matter(session: Session, actor: Actor, spec: dict, ids: dict[str, int], now: dt.datetime,
                  code_stem: str) -> str:
    """The matter the template names, as the city's catalog has it; created (with its category
    and subcategory, and a city-wide responsibility rule) when the catalog lacks it, in force from
    the day of the clone's `now` (its sample data's present)."""
    start = min(now.astimezone(CITY_TZ).date(), city_today())
    found = session.scalar(select(Matter.code).where(Matter.name == spec["name"], Matter.tier == "item"))
    if found:
        return found
    parent_id = None
    for tier, name in zip(("category", "subcategory"), spec["category"]):
        node = session.scalar(select(Matter).where(Matter.name == name, Matter.tier == tier,
                                                   Matter.parent_id.is_(parent_id) if parent_id is None
                                                   else Matter.parent_id == parent_id))
        if node is None:
            node = matters.matter_create(session, actor, {
                "code": _free_code(session, f"{code_stem}-{tier[0].upper()}"), "name": name, "tier": tier,
                "parent_id": parent_id, "effective_from": start})
        parent_id = node.id
    item = matters.matter_create(session, actor, {
        "code": _free_code(session, code_stem), "name": spec["name"], "tier": "item", "parent_id": parent_id,
        "effective_from": start, "note": "场景模板所需事项", "rules": [{"area_department_id": None, "department_id": _department(ids, spec["department"]),
                                       "time_limit": spec.get("time_limit", 4), "time_unit": spec.get("time_unit", "hours")}]})
    return item.code


def _definition(spec: dict, src: DataSource, prefix: str) -> dict:
    out = {"table": src.config["dataset"] if src.kind == "builtin" else src.file_table}
    if spec.get("filter"):
        out["filter"] = spec["filter"].replace("{prefix}", prefix)
    for key in ("columns", "newest_first"):
        if spec.get(key):
            out[key] = spec[key]
    return out


def _free_code(session: Session, stem: str) -> str:
    """The first of STEM-01, STEM-02, ... the catalog does not use (matter codes are the catalog's own)."""
    taken = set(session.scalars(select(Matter.code).where(Matter.code.like(f"{stem}-%"))))
    return next(f"{stem}-{n:02d}" for n in range(1, 1000) if f"{stem}-{n:02d}" not in taken)


def install(session: Session, actor: Actor, pkg: Package, *, code: str, name: str, size: int, seed: int,
            now: dt.datetime, choices: dict[str, Choice], parts: tuple[str, ...] = PARTS, tell=None) -> dict:
    """Create the package's objects under `code`; the answer lists them by kind ({id, code, name, local}).
    `parts` leaves some out: the try-it preview takes only the data and the app. `tell(step)` hears
    each step as it starts (generate, load, data, rules, app), for a progress bar."""
    tell = tell or (lambda step: None)
    act = installer(actor)
    m = pkg.manifest
    names = _Names(code)
    made: dict[str, list[dict]] = {k: [] for k in ("sources", "services", "indicators", "alert_rules", "flows",
                                                   "reports", "pages")}
    ids = {d.code: d.id for d in session.scalars(select(Department))}
    wants_matters = "rules" in parts or "flows" in parts
    matter_codes = {spec["name"]: ensure_matter(session, act, spec, ids, now, f"TPL-{pkg.code.upper()}") for spec in m.get("matters", [])
                    if wants_matters}

    sample = [s["code"] for s in m["sources"]
              if not s.get("builtin") and choices.get(s["code"], Choice()).mode == "sample"]
    tell("generate")
    rows = pkg.generator.generate(size=size, seed=seed, now=now) if sample else {}
    tell("load")
    tables: dict[str, DataSource] = {}
    for spec in m["sources"]:
        choice = choices.get(spec["code"], Choice())
        if spec.get("builtin"):
            choice = Choice("builtin")
            src = sources.source_create(session, act, {
                "code": names(spec["code"]), "name": f"{name}·{spec['name']}", "kind": "builtin",
                "dataset": spec["builtin"], "description": spec.get("description", "")}, sources.Policy())
            session.flush()
        elif choice.mode == "own":
            src = session.get(DataSource, choice.source_id)
        else:
            src = sources.source_create(session, act, {
                "code": names(spec["code"]), "name": f"{name}·{spec['name']}", "kind": "file",
                "description": spec.get("description", "") or f"场景模板「{m['name']}」的示例数据（种子 {seed}）",
                "columns": [{"name": c["name"], "type": c["type"]} for c in spec["columns"]]}, sources.Policy())
            session.flush()
            sources.source_load(session, act, src.id, rows.get(spec["code"], []))
        tables[spec["code"]] = src
        made["sources"].append({"id": src.id, "code": src.code, "name": src.name, "local": spec["code"],
                                "mode": choice.mode, "rows": src.row_count or 0})

    tell("data")
    service_ids = {}
    for spec in m["services"]:
        src = tables[spec["source"]]
        svc = services.service_create(session, act, {
            "code": names(spec["code"]), "name": f"{name}·{spec['name']}", "source_id": src.id, "kind": "table",
            "description": spec.get("description", ""), "definition": _definition(spec, src, code)})
        session.flush()
        services.service_set_state(session, act, svc.id, "online")
        service_ids[spec["code"]] = svc.id
        made["services"].append({"id": svc.id, "code": svc.code, "name": svc.name, "local": spec["code"]})

    indicator_ids = {}
    for spec in m["indicators"]:
        ind = indicators.indicator_create(session, act, {
            "code": names(spec["code"]), "name": spec["name"], "service_id": service_ids[spec["service"]],
            "formula": spec["formula"], "time_field": spec.get("time_field", ""),
            "dimensions": spec.get("dimensions", []), "default_window": spec.get("default_window", "30d"),
            "unit": spec.get("unit", ""), "definition_text": spec.get("definition", "")})
        session.flush()
        indicators.indicator_set_state(session, act, ind.id, "published")
        indicator_ids[spec["code"]] = ind.id
        made["indicators"].append({"id": ind.id, "code": ind.code, "name": ind.name, "local": spec["code"]})

    tell("rules")
    for spec in m.get("alert_rules", []) if "rules" in parts else []:
        rule = alerts.rule_create(session, act, {
            "code": names(spec["code"]), "name": spec["name"], "indicator_id": indicator_ids[spec["indicator"]],
            "by": spec.get("by", ""), "window": spec.get("window", ""), "interval_s": spec.get("interval_s", 300),
            "pending_s": spec.get("pending_s", 0), "levels": spec["levels"],
            "clear_condition": spec.get("clear_condition", ""),
            "report_matter": matter_codes.get(spec.get("report_matter", ""), ""),
            "notify_departments": [_department(ids, d) for d in spec.get("notify_departments", [])],
            "notify_roles": spec.get("notify_roles", [])})
        session.flush()
        made["alert_rules"].append({"id": rule.id, "code": rule.code, "name": rule.name, "local": spec["code"]})

    for spec in m.get("flows", []) if "flows" in parts else []:
        flow = flows.flow_create(session, act, {
            "code": names(spec["code"]), "name": f"{spec['name']}（{name}）", "special": spec.get("special", False),
            "description": spec.get("description", ""),
            "draft": _resolve_departments(pkg.flows[spec["code"]], ids)})
        flows.flow_publish(session, act, flow.id, f"由场景模板「{m['name']}」创建")
        for matter_name in spec.get("matters", []):
            flows.flow_bind_matter(session, act, flow.id, matter_codes[matter_name])
        made["flows"].append({"id": flow.id, "code": flow.code, "name": flow.name, "local": spec["code"]})

    for spec in m.get("reports", []) if "reports" in parts else []:
        # rows name their value `value`, not the indicator's code, which the clone prefixes
        variables = [{**v, "code": names(v["code"]), **({"key": v.get("key", "value")} if v.get("by") else {})}
                     for v in copy.deepcopy(spec.get("variables", []))]
        template = reports.report_template_create(session, act, {
            "code": names(spec["code"]), "name": f"{spec['name']}（{name}）", "type": spec["type"],
            "orientation": spec.get("orientation", "portrait"), "cover": spec.get("cover") or {},
            "toc": spec.get("toc", False), "header_text": spec.get("header_text", ""),
            "footer_text": spec.get("footer_text", ""), "organisation": "临江市城市运行管理中心",
            "body": pkg.reports[spec["code"]], "variables": variables})
        session.flush()
        reports.report_template_update(session, act, template.id, {"state": "published"})
        made["reports"].append({"id": template.id, "code": template.code, "name": template.name, "local": spec["code"]})

    tell("app")
    app = apps.app_create(session, act, {"code": code, "name": name, "kind": m["app"]["kind"],
                                         "description": m["app"].get("description", "") or m["summary"]})
    session.flush()
    for page in m["app"]["pages"]:
        made_page = app_pages.app_page_create(session, act, app.id, {
            "code": page["code"], "name": page["name"], "document": _rewrite_document(pkg.pages[page["code"]], names)})
        made["pages"].append({"id": made_page.id, "code": page["code"], "name": page["name"], "local": page["code"]})
    return {"app": app, "objects": made}
