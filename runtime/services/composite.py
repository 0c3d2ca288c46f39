"""Composite services: atomic services joined on keys or stacked (union), plus derived columns in the DSL.

    {"parts": [{"service": "events_by_district"},
               {"service": "district_population", "params": {"year": ":year"}}],
     "combine": "join", "join": {"how": "left", "on": ["district"]},
     "derived": [{"name": "per_10k", "expr": "round(events * 10000 / population, 2)"}]}

A part's parameter is a literal, or ":name" for the composite's own parameter `name`. Parts
run where their data is; the combination runs here over at most MAX_ROWS rows a part (more is
refused rather than silently cut: a join over a truncated part would be wrong).
A column that two joined parts share and that is not a key keeps the first part's name; the
later one is renamed `<name>_<service code>`.
"""
from __future__ import annotations

from collections.abc import Callable

import dsl

from runtime.sources import tabular

HOWS = ("inner", "left")
MAX_PARTS = 8


class CompositeError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _part_params(part: dict, values: dict) -> dict:
    out = {}
    for name, raw in (part.get("params") or {}).items():
        out[name] = values.get(raw[1:]) if isinstance(raw, str) and raw.startswith(":") else raw
    return out


def plan(definition: dict, parts: list, own_params: list[dict]) -> tuple[list[dict], list[tuple], dict]:
    """Check the definition against its parts (DataService objects, or None where the code is
    unknown) and work out the output: ([{name, type}], [(part index, source column, output name)],
    errors). Raises nothing: the caller decides what to do with errors."""
    errors: dict[str, list[str]] = {}
    specs = definition.get("parts") or []
    own = {p["name"] for p in own_params}
    if not 1 <= len(specs) <= MAX_PARTS:
        errors["definition.parts"] = [f"组合服务由 1 到 {MAX_PARTS} 个数据服务组成"]
        return [], [], errors
    for i, (spec, svc) in enumerate(zip(specs, parts)):
        if svc is None:
            errors[f"definition.parts.{i}.service"] = [f"数据服务 {spec.get('service')} 不存在"]
            continue
        if svc.kind == "composite":
            errors[f"definition.parts.{i}.service"] = ["组合服务只能由原子服务（参数化查询、数据表查询）组成"]
            continue
        declared = {p["name"]: p for p in svc.params}
        given = spec.get("params") or {}
        for name, raw in given.items():
            if name not in declared:
                errors.setdefault(f"definition.parts.{i}.params", []).append(f"{svc.code} 没有参数 {name}")
            elif isinstance(raw, str) and raw.startswith(":") and raw[1:] not in own:
                errors.setdefault(f"definition.parts.{i}.params", []).append(f"引用了未声明的参数 {raw[1:]}")
        for name, p in declared.items():
            if p.get("required") and p.get("default") is None and name not in given:
                errors.setdefault(f"definition.parts.{i}.params", []).append(f"{svc.code} 的必填参数 {name} 未给出")
        if not svc.output:
            errors[f"definition.parts.{i}.service"] = [f"{svc.code} 还没有输出列（请先预览或声明输出）"]
    if errors:
        return [], [], errors
    combine = definition.get("combine", "join")
    output: list[dict] = []
    mapping: list[tuple] = []
    if combine == "union":
        first = [(f["name"], f["type"]) for f in parts[0].output]
        for i, svc in enumerate(parts[1:], start=1):
            these = [(f["name"], f["type"]) for f in svc.output]
            if sorted(these) != sorted(first):
                errors[f"definition.parts.{i}.service"] = [
                    f"合并（union）的各服务须有相同的列和类型：{svc.code} 为 "
                    f"{', '.join(n + ':' + t for n, t in these)}，而第一个为 {', '.join(n + ':' + t for n, t in first)}"]
        output = [{"name": n, "type": t} for n, t in first]
        mapping = [(None, n, n) for n, _ in first]
    elif combine == "join":
        join = definition.get("join") or {}
        keys = join.get("on") or []
        if join.get("how", "inner") not in HOWS:
            errors["definition.join.how"] = ["取值须为 inner 或 left"]
        if len(parts) > 1 and not keys:
            errors["definition.join.on"] = ["请指定关联字段"]
        for i, svc in enumerate(parts):
            types = {f["name"]: f["type"] for f in svc.output}
            missing = [k for k in keys if k not in types]
            if missing:
                errors.setdefault("definition.join.on", []).append(f"{svc.code} 没有关联字段 {', '.join(missing)}")
        if not errors:
            key_types = {k: {f["name"]: f["type"] for f in parts[0].output}[k] for k in keys}
            for svc in parts[1:]:
                for k in keys:
                    other = {f["name"]: f["type"] for f in svc.output}[k]
                    if other != key_types[k]:
                        errors.setdefault("definition.join.on", []).append(
                            f"关联字段 {k} 的类型不一致：{key_types[k]} 与 {svc.code} 的 {other}")
            taken: set[str] = set()
            for i, svc in enumerate(parts):
                for f in svc.output:
                    if f["name"] in keys:
                        if i == 0:
                            output.append(dict(f))
                            mapping.append((0, f["name"], f["name"]))
                            taken.add(f["name"])
                        continue
                    name = f["name"] if f["name"] not in taken else f"{f['name']}_{svc.code}"
                    taken.add(name)
                    output.append({"name": name, "type": f["type"]})
                    mapping.append((i, f["name"], name))
    else:
        errors["definition.combine"] = ["取值须为 join（按键关联）或 union（合并）"]
    if errors:
        return [], [], errors
    fields = {f["name"]: f["type"] for f in output}
    for i, d in enumerate(definition.get("derived") or []):
        name = d.get("name") or ""
        if not name or name in fields:
            errors[f"definition.derived.{i}.name"] = ["派生列须有名称，且不与已有列同名"]
            continue
        try:
            kind = dsl.check(dsl.parse(d.get("expr") or ""), fields)
        except dsl.DslError as exc:
            errors[f"definition.derived.{i}.expr"] = [exc.render("zh-CN")]
            continue
        if kind not in tabular.TYPE_LABELS:
            errors[f"definition.derived.{i}.expr"] = [f"结果类型 {kind} 不能作为输出列"]
            continue
        fields[name] = kind
        output.append({"name": name, "type": kind})
    return output, mapping, errors


def combine(definition: dict, parts: list, mapping: list[tuple], output: list[dict], values: dict,
            fetch: Callable) -> list[dict]:
    """The composite's rows. `fetch(service, params)` returns a part's rows as dicts of typed values."""
    specs = definition["parts"]
    results = [fetch(svc, _part_params(spec, values)) for spec, svc in zip(specs, parts)]
    if definition.get("combine") == "union":
        names = [name for _, name, _ in mapping]
        rows = [{n: r.get(n) for n in names} for result in results for r in result]
    else:
        keys = (definition.get("join") or {}).get("on") or []
        how = (definition.get("join") or {}).get("how", "inner")
        by_part: dict[int, list[tuple]] = {}
        for i, src, out in mapping:
            by_part.setdefault(i, []).append((src, out))
        rows = [{out: r.get(src) for src, out in by_part.get(0, [])} for r in results[0]]
        for i in range(1, len(parts)):
            index: dict[tuple, list[dict]] = {}
            for r in results[i]:
                key = tuple(r.get(k) for k in keys)
                if None not in key:  # as in SQL, a null key matches nothing
                    index.setdefault(key, []).append(r)
            joined = []
            blank = {out: None for _, out in by_part.get(i, [])}
            for row in rows:
                matches = index.get(tuple(row.get(k) for k in keys), [])
                for m in matches:
                    joined.append({**row, **{out: m.get(src) for src, out in by_part.get(i, [])}})
                if not matches and how == "left":
                    joined.append({**row, **blank})
            rows = joined
    derived = definition.get("derived") or []
    if derived:
        fields = {f["name"]: f["type"] for f in output}
        compiled = [(d["name"], dsl.parse(d["expr"])) for d in derived]
        for row in rows:
            for name, expr in compiled:
                row[name] = dsl.evaluate(expr, row, fields=fields)
    return rows
