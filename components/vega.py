"""Vega-Lite specs of the chart types, built with altair and handed over as plain dicts.

`spec("chart.bar@1", props, rows)` turns a card's props and its bound rows into a spec the
browser draws with vega-embed (or the server with vl-convert). Data goes inline. Rows are
"wide": one dict per dimension value, one key per measure::

    [{"district": "东城区", "waterlogging": 12, "closed": 9}, ...]

The dimension is the first key whose values are not numbers, the measures every numeric key,
unless `dimension=` and `measures=` say otherwise; `labels=` names them for legends and tooltips.
Big screens use `theme="dark"` (light text); both themes have a transparent background.
"""
from __future__ import annotations

import math
from numbers import Number

import altair as alt

from .types import ComponentType, lookup
from .validation import with_defaults

# The same as tongguan.charts (a test keeps them equal; this package may not import tongguan).
FONT = "Noto Sans CJK SC"  # left at sans-serif, Chinese falls back to Japanese glyph shapes
PALETTE = ["#1f6feb", "#3ba1ff", "#36cfc9", "#73d13d", "#ffc53d", "#ff7a45", "#f759ab", "#9254de", "#597ef7"]

THEMES = {
    "light": {"text": "#333333", "muted": "#666666", "grid": "#eef0f4", "domain": "#c9cdd4"},
    "dark": {"text": "#e6f1ff", "muted": "#9fb3c8", "grid": "rgba(255,255,255,0.12)",
             "domain": "rgba(255,255,255,0.35)"},
}
OTHERS = "其他"  # the pie's slice gathering what is over max_slices


def _is_number(value) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool) and math.isfinite(value)


def _label(value, unit: str = "", precision: int | None = None) -> str:
    if precision is not None:
        text = f"{value:,.{precision}f}"
    elif float(value).is_integer():
        text = f"{int(value):,}"
    else:
        text = f"{round(value, 2):,}"
    return text + (unit or "")


class Series:
    """Wide rows as long ones: {"category", "series", "value", "label"} per (row, measure)."""

    def __init__(self, rows, dimension=None, measures=None, labels=None, unit: str = ""):
        rows = [r for r in (rows or []) if isinstance(r, dict)]
        keys = list(dict.fromkeys(k for r in rows for k in r))
        numeric = [k for k in keys if any(_is_number(r.get(k)) for r in rows)
                   and all(r.get(k) is None or _is_number(r.get(k)) for r in rows)]
        self.dimension = dimension or next((k for k in keys if k not in numeric), None)
        self.measures = list(measures or [k for k in numeric if k != self.dimension])
        labels = labels or {}
        self.dimension_title = labels.get(self.dimension) if self.dimension else None
        self.names = [str(labels.get(m, m)) for m in self.measures]
        self.categories = list(dict.fromkeys(str(r.get(self.dimension, "")) if self.dimension else str(i + 1)
                                             for i, r in enumerate(rows)))
        self.long = []
        for i, r in enumerate(rows):
            category = str(r.get(self.dimension, "")) if self.dimension else str(i + 1)
            for m, name in zip(self.measures, self.names):
                if _is_number(r.get(m)):
                    self.long.append({"category": category, "series": name, "value": r[m],
                                      "label": _label(r[m], unit)})

    @property
    def multi(self) -> bool:
        return len(self.measures) > 1

    def totals(self) -> dict[str, float]:
        sums: dict[str, float] = {c: 0 for c in self.categories}
        for r in self.long:
            sums[r["category"]] += r["value"]
        return sums

    def pick(self, order: str, limit: int | None) -> list[str]:
        """The categories to draw: sorted by their total (`asc`, `desc`) or as given, at most `limit`."""
        cats = list(self.categories)
        if order in ("asc", "desc"):
            totals = self.totals()
            cats.sort(key=lambda c: totals[c], reverse=order == "desc")
        return cats[:limit] if limit else cats

    def only(self, cats: list[str]) -> list[dict]:
        keep = set(cats)
        return [r for r in self.long if r["category"] in keep]


def _tooltip(s: Series, unit: str) -> list:
    tips = [alt.Tooltip("category:N", title=s.dimension_title or "类别")]
    if s.multi:
        tips.append(alt.Tooltip("series:N", title="指标"))
    return tips + [alt.Tooltip("label:N", title="数值" + (f"（{unit}）" if unit else ""))]


def _color(p: dict, s: Series):
    if not s.multi:
        return alt.value(p.get("color") or PALETTE[0])
    legend = alt.Legend(orient="top", title=None, symbolOpacity=1) if p.get("show_legend", True) else None
    return alt.Color("series:N", sort=s.names, legend=legend)


# --- the chart types -------------------------------------------------------------------------------


def _bars(p: dict, s: Series, t: dict, *, horizontal: bool, stacked: bool, order: str, limit: int | None,
          show_values: bool) -> alt.TopLevelMixin:
    cats = s.pick(order, limit)
    data = alt.Data(values=s.only(cats))
    unit = p.get("unit") or ""
    cat = {"field": "category", "type": "nominal", "sort": cats, "title": s.dimension_title}
    val = {"field": "value", "type": "quantitative", "title": unit or None, "stack": "zero" if stacked else None}
    cat_channel, val_channel = (alt.Y, alt.X) if horizontal else (alt.X, alt.Y)
    cat_axis = alt.Undefined if horizontal else alt.Axis(labelAngle=0)
    encoding = {"y" if horizontal else "x": cat_channel(**cat, axis=cat_axis),
                "x" if horizontal else "y": val_channel(**val), "color": _color(p, s), "tooltip": _tooltip(s, unit)}
    if s.multi and not stacked:
        encoding["yOffset" if horizontal else "xOffset"] = alt.YOffset("series:N", sort=s.names) if horizontal \
            else alt.XOffset("series:N", sort=s.names)
    bars = alt.Chart(data).mark_bar(**({} if stacked and s.multi else {"cornerRadiusEnd": 3})).encode(**encoding)
    if not show_values or (stacked and s.multi):
        return bars
    text = bars.mark_text(align="left" if horizontal else "center", baseline="middle" if horizontal else "bottom",
                          dx=4 if horizontal else 0, dy=0 if horizontal else -4, color=t["text"]).encode(
        text="label:N", color=alt.value(t["text"]))
    return alt.layer(bars, text)


def bar(p: dict, s: Series, t: dict):
    return _bars(p, s, t, horizontal=p["orientation"] == "horizontal", stacked=p["stacked"], order=p["sort"],
                 limit=p["max_bars"], show_values=p["show_values"])


def ranking(p: dict, s: Series, t: dict):
    """The ranking list as horizontal bars, best first."""
    return _bars({**p, "show_legend": False}, s, t, horizontal=True, stacked=False, order=p["order"],
                 limit=p["top_n"], show_values=True)


def _x_along(s: Series):
    return alt.X("category:N", sort=s.categories, title=s.dimension_title, axis=alt.Axis(labelAngle=0))


def line(p: dict, s: Series, t: dict):
    unit = p.get("unit") or ""
    interpolate = "monotone" if p["smooth"] else "linear"
    encoding = {"x": _x_along(s), "y": alt.Y("value:Q", title=unit or None), "color": _color(p, s),
                "tooltip": _tooltip(s, unit)}
    base = alt.Chart(alt.Data(values=s.long))
    lines = base.mark_line(interpolate=interpolate, point=bool(p["show_points"]), strokeWidth=2).encode(**encoding)
    if not p["area"]:
        return lines
    fill = base.mark_area(interpolate=interpolate, opacity=0.2).encode(
        **{**encoding, "y": alt.Y("value:Q", stack=None)})
    return alt.layer(fill, lines)


def area(p: dict, s: Series, t: dict):
    unit = p.get("unit") or ""
    stacked = p["stacked"] and s.multi
    mark = {"interpolate": "monotone" if p["smooth"] else "linear", "opacity": p["opacity"]}
    if p["show_line"]:
        mark["line"] = True
    return alt.Chart(alt.Data(values=s.long)).mark_area(**mark).encode(
        x=_x_along(s), y=alt.Y("value:Q", title=unit or None, stack="zero" if stacked else None),
        color=_color(p, s), tooltip=_tooltip(s, unit))


def pie(p: dict, s: Series, t: dict):
    """One measure; the slices over `max_slices` are gathered into 其他."""
    measure = s.names[0] if s.names else None
    slices = [r for r in s.long if r["series"] == measure and r["value"] > 0]
    slices.sort(key=lambda r: r["value"], reverse=True)
    if len(slices) > p["max_slices"]:
        rest = sum(r["value"] for r in slices[p["max_slices"] - 1:])
        slices = slices[:p["max_slices"] - 1] + [{"category": OTHERS, "series": measure, "value": rest,
                                                  "label": _label(rest)}]
    total = sum(r["value"] for r in slices) or 1
    values = [{**r, "order": i, "percent": f"{r['value'] / total:.0%}"} for i, r in enumerate(slices)]
    cats = [r["category"] for r in values]
    ratio = p["inner_radius"] if p["donut"] else 0
    legend = alt.Legend(title=None, orient="right") if p["show_legend"] else None
    base = alt.Chart(alt.Data(values=values)).encode(
        theta=alt.Theta("value:Q", stack=True), order=alt.Order("order:Q"),
        color=alt.Color("category:N", sort=cats, legend=legend),
        tooltip=[alt.Tooltip("category:N", title=s.dimension_title or "类别"),
                 alt.Tooltip("label:N", title="数值"), alt.Tooltip("percent:N", title="占比")])
    outer = "min(width, height) / 2"
    arc = {"outerRadius": alt.expr(outer)}
    if p["donut"]:
        arc["innerRadius"] = alt.expr(f"{outer} * {ratio}")
    arcs = base.mark_arc(stroke="transparent", **arc)
    if not p["show_percent"]:
        return arcs
    labels = base.mark_text(radius=alt.expr(f"{outer} * {(1 + ratio) / 2 if ratio else 0.65}"), color="#ffffff",
                            fontWeight="bold").encode(text="percent:N", color=alt.value("#ffffff"))
    return alt.layer(arcs, labels)


def gauge(p: dict, s: Series, t: dict, rows: list[dict] | None = None):
    """A 270° arc from `min` to `max`: the value's share drawn over a track, a tick at the target."""
    first = (rows or [{}])[0] if rows else {}
    value = next((r["value"] for r in s.long), None)
    target = first.get("target") if isinstance(first, dict) and _is_number(first.get("target")) else None
    low, high = p["min"], p["max"]
    span = (high - low) or 1
    start, sweep = -0.75 * math.pi, 1.5 * math.pi
    angle = lambda v: start + sweep * min(1.0, max(0.0, (v - low) / span))  # noqa: E731
    color = p["color"]
    for band in sorted(p.get("thresholds") or [], key=lambda b: b["value"]):
        if value is not None and value >= band["value"]:
            color = band["color"]
    arcs = [{"part": "track", "t0": start, "t1": start + sweep, "fill": p["track_color"]}]
    if value is not None:
        arcs.append({"part": "value", "t0": start, "t1": angle(value), "fill": color})
    if target is not None and p["show_target"]:
        arcs.append({"part": "target", "t0": angle(target) - 0.015, "t1": angle(target) + 0.015, "fill": t["text"]})
    outer = "min(width, height) / 2"
    ring = alt.Chart(alt.Data(values=arcs)).mark_arc(
        outerRadius=alt.expr(outer), innerRadius=alt.expr(f"{outer} * 0.78"), cornerRadius=2).encode(
        theta=alt.Theta("t0:Q", scale=None), theta2="t1:Q", color=alt.Color("fill:N", scale=None, legend=None))
    unit = p.get("unit") or ""
    text = [{"text": _label(value, unit, p["precision"]) if value is not None else "—", "dy": 0, "size": 28}]
    if target is not None and p["show_target"]:
        text.append({"text": f"目标 {_label(target, unit, p['precision'])}", "dy": 26, "size": 12})
    labels = alt.Chart(alt.Data(values=text)).mark_text(baseline="middle", fontWeight="bold", color=t["text"]).encode(
        text="text:N", size=alt.Size("size:Q", scale=None, legend=None), yOffset=alt.YOffset("dy:Q", scale=None))
    return alt.layer(ring, labels)


# (code, major) -> builder; a new major of a type gets its own builder.
BUILDERS = {
    ("chart.bar", 1): bar,
    ("chart.line", 1): line,
    ("chart.area", 1): area,
    ("chart.pie", 1): pie,
    ("chart.gauge", 1): gauge,
    ("list.ranking", 1): ranking,
}


def has_spec(code_or_ref) -> bool:
    found = lookup(code_or_ref)
    return found is not None and (found.code, found.major) in BUILDERS


def _finish(chart, title: str, width, height, theme: dict) -> dict:
    sized = chart.properties(width=width or "container", height=height or "container")
    if title:
        sized = sized.properties(title=title)
    if not (width and height):
        sized = sized.properties(autosize=alt.AutoSizeParams(type="fit", contains="padding"))
    # the configuration is added to the plain dict: each of altair's configure_* calls deep-copies the
    # whole chart, which cost a layered chart 15 ms of its 23
    out = sized.to_dict(validate=False)
    given = out.get("config", {})  # altair's defaults (the view's continuous size)
    out["config"] = {
        **given, "font": FONT, "background": "transparent", "range": {"category": PALETTE},
        "view": {**given.get("view", {}), "stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelColor": theme["muted"], "titleColor": theme["muted"],
                 "grid": True, "gridColor": theme["grid"], "domainColor": theme["domain"], "tickColor": theme["domain"]},
        "legend": {"labelColor": theme["text"], "titleColor": theme["text"], "labelFontSize": 11},
        "title": {"fontSize": 14, "anchor": "start", "color": theme["text"]}}
    return out


def spec(code_or_ref, props: dict | None, rows: list[dict] | None, *, width: int | None = None,
         height: int | None = None, theme: str = "light", dimension: str | None = None,
         measures: list[str] | None = None, labels: dict | None = None) -> dict:
    """The Vega-Lite spec (a plain dict) of a chart card.

    :param code_or_ref: `chart.bar`, `chart.bar@1`, `chart.bar@1.0.0` or a `ComponentType`
    :param props: the card's props; defaults are filled in, and props that do not fit the
        type's schema raise `components.validation.InvalidProps` (a ValueError)
    :param rows: the bound data, wide rows (see the module's docstring)
    :param width: pixels; None fills the container (vega-embed), as does `height`
    :param theme: `light` (pages) or `dark` (big screens)
    :param dimension: the rows' dimension key; default: the first non-numeric key
    :param measures: the measure keys to draw; default: every numeric key
    :param labels: display names of the dimension and measures (`{"closed": "办结量"}`)
    """
    found: ComponentType | None = lookup(code_or_ref)
    if found is None:
        raise LookupError(f"unknown component type {code_or_ref!r}")
    build = BUILDERS.get((found.code, found.major))
    if build is None:
        raise ValueError(f"{found.ref} is not drawn as a Vega-Lite chart")
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}: use one of {', '.join(THEMES)}")
    p = with_defaults(found, props)
    s = Series(rows, dimension, measures, labels, unit=p.get("unit") or "")
    chart = build(p, s, THEMES[theme], rows) if build is gauge else build(p, s, THEMES[theme])
    # the charts are built by our own code from checked props, and a test validates every type's spec
    # against the Vega-Lite schema: validating again on every page request would cost half its time
    return _finish(chart, p.get("title") or "", width, height, THEMES[theme])
