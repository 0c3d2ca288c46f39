"""Scenario template packages on disk: `templates_lib/<code>/` holds

    template.json      the manifest (format tongguan/template@1, checked against MANIFEST below)
    pages/<code>.json  page documents, as the builder stores them (tongguan/app@1 pages)
    flows/<code>.json  flow drafts; a department is written "@<department code>" and resolved on use
    reports/<code>.html report template bodies (sandboxed Jinja2, see report_engine)
    generator.py       generate(size, seed, now) -> {source code: [row dict]} and
                       drill(code, seed, now) -> {source code: [row dict]} (deterministic)

Codes inside a package are local: a clone prefixes them with the author's code (see install.py),
so one template can be used many times side by side.
"""
from __future__ import annotations

import functools
import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import jsonschema

ROOT = Path(__file__).resolve().parent
FORMAT = "tongguan/template@1"
CATEGORIES = ("应用模板", "流程模板", "表单模板", "AI场景模板", "动态监测模板", "科学决策模板", "精准治理模板",
              "多跨协同模板", "调度指挥模板")
DOMAINS = ("城市管理", "城市安全", "社会治理", "生态环境")
COLUMN_TYPES = ("integer", "number", "string", "boolean", "date", "datetime")
LEVELS = ("blue", "yellow", "orange", "red")

_CODE = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,30}$"}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
MANIFEST = {
    "type": "object",
    "required": ["format", "code", "name", "name_en", "version", "summary", "categories", "domains", "sources",
                 "services", "indicators", "app"],
    "additionalProperties": False,
    "properties": {
        "format": {"const": FORMAT},
        "code": _CODE, "name": _TEXT, "name_en": _TEXT, "version": {"type": "string"},
        "summary": _TEXT, "description": {"type": "string"}, "cover": {"type": ["string", "null"]},
        "categories": {"type": "array", "minItems": 1, "items": {"enum": list(CATEGORIES)}},
        "domains": {"type": "array", "minItems": 1, "items": {"enum": list(DOMAINS)}},
        "sizes": {"type": "array", "items": {"type": "integer", "minimum": 100, "maximum": 1_000_000}},
        "default_size": {"type": "integer", "minimum": 100, "maximum": 1_000_000},
        "sources": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["code", "name"], "additionalProperties": False,
            "oneOf": [{"required": ["columns"]}, {"required": ["builtin"]}],
            "properties": {"code": _CODE, "name": _TEXT, "description": {"type": "string"},
                           "builtin": {"type": "string"},  # a platform data set (alerts, events): no sample rows
                           "events": {"type": "boolean"},  # the source whose row count is the "size"
                           "columns": {"type": "array", "minItems": 1, "items": {
                               "type": "object", "required": ["name", "type"], "additionalProperties": False,
                               "properties": {"name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,62}$"},
                                              "type": {"enum": list(COLUMN_TYPES)}, "title": {"type": "string"}}}}}}},
        "services": {"type": "array", "items": {
            "type": "object", "required": ["code", "name", "source"], "additionalProperties": False,
            "properties": {"code": _CODE, "name": _TEXT, "source": _CODE, "description": {"type": "string"},
                           # a DSL filter; "{prefix}" stands for the clone's code (to see its own rules' alerts)
                           "filter": {"type": "string"},
                           "columns": {"type": "array", "items": {"type": "string"}},
                           "newest_first": {"type": "string"}}}},
        "indicators": {"type": "array", "items": {
            "type": "object", "required": ["code", "name", "service", "formula"], "additionalProperties": False,
            "properties": {"code": _CODE, "name": _TEXT, "service": _CODE, "formula": {"type": "string"},
                           "time_field": {"type": "string"}, "dimensions": {"type": "array", "items": {"type": "string"}},
                           "default_window": {"type": "string"}, "unit": {"type": "string"},
                           "definition": {"type": "string"}}}},
        "matters": {"type": "array", "items": {
            "type": "object", "required": ["name", "category", "department"], "additionalProperties": False,
            "properties": {"name": _TEXT, "category": {"type": "array", "minItems": 2, "maxItems": 2,
                                                        "items": {"type": "string"}},
                           "department": {"type": "string"}, "time_limit": {"type": "integer", "minimum": 1},
                           "time_unit": {"enum": ["hours", "working_days"]}}}},
        "alert_rules": {"type": "array", "items": {
            "type": "object", "required": ["code", "name", "indicator", "levels"], "additionalProperties": False,
            "properties": {"code": _CODE, "name": _TEXT, "indicator": _CODE, "by": {"type": "string"},
                           "window": {"type": "string"}, "interval_s": {"type": "integer", "minimum": 60},
                           "pending_s": {"type": "integer", "minimum": 0},
                           "levels": {"type": "array", "minItems": 1, "items": {
                               "type": "object", "required": ["level", "condition"], "additionalProperties": False,
                               "properties": {"level": {"enum": list(LEVELS)}, "condition": {"type": "string"}}}},
                           "clear_condition": {"type": "string"}, "report_matter": {"type": "string"},
                           "notify_departments": {"type": "array", "items": {"type": "string"}},
                           "notify_roles": {"type": "array", "items": {"type": "string"}}}}},
        "flows": {"type": "array", "items": {
            "type": "object", "required": ["code", "name", "file"], "additionalProperties": False,
            "properties": {"code": _CODE, "name": _TEXT, "file": {"type": "string"}, "special": {"type": "boolean"},
                           "description": {"type": "string"},
                           "matters": {"type": "array", "items": {"type": "string"}}}}},
        "reports": {"type": "array", "items": {
            "type": "object", "required": ["code", "name", "type", "file"], "additionalProperties": False,
            "properties": {"code": _CODE, "name": _TEXT, "type": {"enum": ["daily", "weekly", "monthly", "special"]},
                           "file": {"type": "string"}, "orientation": {"enum": ["portrait", "landscape"]},
                           "cover": {"type": "object"}, "toc": {"type": "boolean"},
                           "header_text": {"type": "string"}, "footer_text": {"type": "string"},
                           "variables": {"type": "array", "items": {"type": "object"}}}}},
        "app": {"type": "object", "required": ["name", "kind", "pages"], "additionalProperties": False,
                "properties": {"name": _TEXT, "kind": {"enum": ["page", "screen", "mobile"]},
                               "description": {"type": "string"},
                               "pages": {"type": "array", "minItems": 1, "items": {
                                   "type": "object", "required": ["code", "name", "file"], "additionalProperties": False,
                                   "properties": {"code": _CODE, "name": _TEXT, "file": {"type": "string"}}}}}},
        "drills": {"type": "array", "items": {
            "type": "object", "required": ["code", "name"], "additionalProperties": False,
            "properties": {"code": _CODE, "name": _TEXT, "description": {"type": "string"}}}},
    },
}


class PackageError(ValueError):
    """A package on disk that does not hold together (a developer's mistake, caught by the tests)."""


@dataclass
class Package:
    code: str
    manifest: dict
    pages: dict[str, dict] = field(default_factory=dict)  # page code -> document
    flows: dict[str, dict] = field(default_factory=dict)  # flow code -> draft (with @department codes)
    reports: dict[str, str] = field(default_factory=dict)  # report code -> body
    generator: ModuleType | None = None

    @property
    def events_source(self) -> str:
        return next((s["code"] for s in self.manifest["sources"] if s.get("events")), self.manifest["sources"][0]["code"])

    def contents(self) -> dict:
        m = self.manifest
        return {"pages": len(m["app"]["pages"]), "sources": len(m["sources"]), "indicators": len(m["indicators"]),
                "alert_rules": len(m.get("alert_rules", [])), "flows": len(m.get("flows", [])),
                "reports": len(m.get("reports", [])), "matters": len(m.get("matters", []))}


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PackageError(f"{path}: {exc}") from exc


def _check_references(m: dict) -> list[str]:
    problems = []
    sources = {s["code"] for s in m["sources"]}
    services = {s["code"]: s["source"] for s in m["services"]}
    indicators = {i["code"] for i in m["indicators"]}
    matters = {x["name"] for x in m.get("matters", [])}
    for s in m["services"]:
        if s["source"] not in sources:
            problems.append(f"service {s['code']}: no source {s['source']}")
    for i in m["indicators"]:
        if i["service"] not in services:
            problems.append(f"indicator {i['code']}: no service {i['service']}")
    for r in m.get("alert_rules", []):
        if r["indicator"] not in indicators:
            problems.append(f"alert rule {r['code']}: no indicator {r['indicator']}")
        if r.get("report_matter") and r["report_matter"] not in matters:
            problems.append(f"alert rule {r['code']}: matter {r['report_matter']} is not among the matters")
    for f in m.get("flows", []):
        problems += [f"flow {f['code']}: matter {x} is not among the matters" for x in f.get("matters", []) if x not in matters]
    for key in ("sources", "services", "indicators", "alert_rules", "flows", "reports"):
        codes = [x["code"] for x in m.get(key, [])]
        problems += [f"{key}: code {c} is used twice" for c in sorted({c for c in codes if codes.count(c) > 1})]
    return problems


def load(code: str) -> Package:
    """Read and check one package; PackageError names what is wrong."""
    folder = ROOT / code
    manifest = _read_json(folder / "template.json")
    errors = sorted(jsonschema.Draft202012Validator(MANIFEST).iter_errors(manifest), key=lambda e: list(e.path))
    if errors:
        raise PackageError(f"{code}/template.json: " + "; ".join(
            f"{'/'.join(map(str, e.path)) or '(top)'}: {e.message}" for e in errors[:5]))
    if manifest["code"] != code:
        raise PackageError(f"{code}/template.json: code {manifest['code']} differs from its folder")
    problems = _check_references(manifest)
    if problems:
        raise PackageError(f"{code}: " + "; ".join(problems))
    pkg = Package(code, manifest)
    for page in manifest["app"]["pages"]:
        pkg.pages[page["code"]] = _read_json(folder / page["file"])
    for flow in manifest.get("flows", []):
        pkg.flows[flow["code"]] = _read_json(folder / flow["file"])
    for report in manifest.get("reports", []):
        pkg.reports[report["code"]] = (folder / report["file"]).read_text(encoding="utf-8")
    pkg.generator = importlib.import_module(f"templates_lib.{code}.generator")
    return pkg


def codes() -> list[str]:
    """The packages on disk, in the gallery's order (the order of ORDER, then by code)."""
    found = sorted(p.name for p in ROOT.iterdir() if (p / "template.json").is_file())
    return sorted(found, key=lambda c: (ORDER.index(c) if c in ORDER else len(ORDER), c))


ORDER = ("flood", "muck", "hotline", "grid")


@functools.lru_cache(maxsize=None)
def get(code: str) -> Package:
    """A package, loaded once per process (packages change only with the code)."""
    if code not in codes():
        raise KeyError(code)
    return load(code)


def all_packages() -> list[Package]:
    return [get(c) for c in codes()]
