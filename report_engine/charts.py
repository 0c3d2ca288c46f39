"""What report templates draw with: `chart(...)`, `table(...)` and `district_map(...)`, each
returning inline markup (SVG or an HTML table) marked safe.

Charts are the builder's own Vega-Lite specs (`components.vega.spec`, light theme), so a report
and a page draw the same chart the same way; vl-convert turns them into SVG in the CJK font.
The map is the viewer's GeoJSON (static/geo/linjiang.geojson) drawn straight to SVG.
"""
from __future__ import annotations

import functools
import json
import math
import secrets
from pathlib import Path

from markupsafe import Markup, escape

from components.vega import FONT, spec

from . import drawing
from .sandbox import number, percent

GEOJSON = Path(__file__).resolve().parent.parent / "static" / "geo" / "linjiang.geojson"
KINDS = {"bar": "chart.bar@1", "line": "chart.line@1", "area": "chart.area@1", "pie": "chart.pie@1",
         "ranking": "list.ranking@1"}
MAX_ROWS = 500  # points in one chart or rows in one table
# a light-to-dark blue ramp for the map's values (sequential, readable in print)
RAMP = ["#e6f0ff", "#bcd6ff", "#8dbaff", "#5b9bff", "#2f7af0", "#1f5fc4"]


class Counter:
    """What a render drew: how many charts and tables (the benchmark and the archive report them),
    and the charts still being drawn, each standing in the HTML as a placeholder until `finish`."""

    def __init__(self):
        self.charts = 0
        self.tables = 0
        self.nonce = secrets.token_hex(8)  # an operator's text cannot forge a placeholder
        self.pending: list[tuple[str, object, dict]] = []

    def placeholder(self, future, vega_lite: dict) -> str:
        mark = f"<!--tg-chart:{self.nonce}:{len(self.pending)}-->"
        self.pending.append((mark, future, vega_lite))
        return mark

    def finish(self, html: str) -> str:
        """`html` with every chart's SVG in place of its placeholder (waiting for those still drawn)."""
        for mark, future, vega_lite in self.pending:
            html = html.replace(mark, drawing.result(future, vega_lite), 1)
        self.pending.clear()
        return html


def _rows(rows) -> list[dict]:
    if isinstance(rows, dict) and isinstance(rows.get("rows"), list):
        rows = rows["rows"]
    return [dict(r) for r in (rows or [])[:MAX_ROWS] if isinstance(r, dict)]


def to_svg(vega_lite: dict) -> str:
    import vl_convert  # loaded on first use: the converter costs ~0.5 s to warm

    return vl_convert.vegalite_to_svg(vega_lite)


def warm() -> None:
    """Draw one tiny chart so the converter is warm before the first report of a long-lived process."""
    to_svg(spec(KINDS["bar"], {"title": "预热"}, [{"k": "a", "v": 1}], width=60, height=40))


def make_chart(counter: Counter):
    def chart(kind: str, rows, x: str | None = None, y=None, title: str = "", unit: str = "",
              labels: dict | None = None, width: int = 600, height: int = 260, **props) -> Markup:
        """{{ chart('bar', rows, x='district', y='events', title='各区事件') }}: an inline SVG chart.
        `y` is one measure or a list; `labels` names them; other keywords are the chart type's props."""
        if kind not in KINDS:
            raise ValueError(f"未知的图表类型 {kind}，可用：{', '.join(KINDS)} (unknown chart kind)")
        measures = [y] if isinstance(y, str) else list(y) if y else None
        props = {"title": title, **({"unit": unit} if unit else {}), **props}
        # the spec is built here, so that bad props fail at the template's line; the pool draws it
        vl = spec(KINDS[kind], props, _rows(rows), width=max(80, min(int(width), 1400)),
                  height=max(60, min(int(height), 1400)), theme="light", dimension=x, measures=measures, labels=labels)
        # A printed chart shows its labels whole. Cutting them at a width (Vega's default, 160-180 px)
        # has Vega measure every label's text, 40 % of drawing a chart.
        vl["config"]["axis"]["labelLimit"] = vl["config"]["legend"]["labelLimit"] = 0
        counter.charts += 1
        return Markup(f'<figure class="chart">{counter.placeholder(drawing.submit(vl), vl)}</figure>')

    return chart


def _cell(value, decimals: int, fmt: str = "") -> str:
    if fmt == "percent":
        return percent(value, decimals)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value, decimals if isinstance(value, float) else 0)
    return str(escape("" if value is None else value))


def make_table(counter: Counter):
    def table(rows, columns=None, totals=True, total_label: str = "合计", decimals: int = 1,
              title: str = "", formats: dict | None = None) -> Markup:
        """{{ table(rows, columns={'district': '区', 'events': '事件数'}) }}: zebra rows and a totals
        row. `columns` is {key: heading} or [key, ...] (default every key); `totals` True sums every
        numeric column, a list sums those only (a rate does not add up), False has no totals row;
        `formats` {key: 'percent'} shows a ratio as a percentage."""
        formats = dict(formats or {})
        data = _rows(rows)
        if isinstance(columns, dict):
            cols = list(columns.items())
        elif columns:
            cols = [(c, c) for c in columns]
        else:
            cols = [(k, k) for k in dict.fromkeys(k for r in data for k in r)]
        numeric = {k for k, _ in cols if data and all(isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool)
                                                      or r.get(k) is None for r in data)
                   and any(r.get(k) is not None for r in data)}
        head = "".join(f'<th class="{"num" if k in numeric else ""}">{escape(h)}</th>' for k, h in cols)
        body = []
        for r in data:
            body.append("<tr>" + "".join(f'<td class="{"num" if k in numeric else ""}">{_cell(r.get(k), decimals, formats.get(k, ""))}</td>'
                                         for k, _ in cols) + "</tr>")
        foot = ""
        summed = numeric if totals is True else numeric & set(totals or ())
        if data and summed:
            cells = []
            for i, (k, _) in enumerate(cols):
                if k in summed:
                    cells.append(f'<td class="num">{_cell(sum(r.get(k) or 0 for r in data), decimals)}</td>')
                else:
                    cells.append(f"<td>{escape(total_label) if i == 0 else ''}</td>")
            foot = f'<tfoot><tr class="totals">{"".join(cells)}</tr></tfoot>'
        caption = f"<caption>{escape(title)}</caption>" if title else ""
        counter.tables += 1
        return Markup(f'<table class="report-table">{caption}<thead><tr>{head}</tr></thead>'
                      f'<tbody>{"".join(body)}</tbody>{foot}</table>')

    return table


@functools.lru_cache(maxsize=1)
def _districts() -> list[dict]:
    with open(GEOJSON, encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    return [f for f in features if f["properties"].get("level") == "district"]


def _rings(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    return [ring for polygon in geometry["coordinates"] for ring in polygon]  # MultiPolygon


def make_map(counter: Counter):
    def district_map(rows, key: str = "district", value: str | None = None, title: str = "", unit: str = "",
                     width: int = 520, height: int = 360) -> Markup:
        """{{ district_map(rows, key='district', value='events', title='各区事件分布') }}: the city's
        districts coloured by `value` (matched by district name or code), with labels and a legend."""
        data = _rows(rows)
        if value is None:
            value = next((k for r in data for k, v in r.items() if k != key and isinstance(v, (int, float))), None)
        values = {str(r.get(key)): r.get(value) for r in data if isinstance(r.get(value), (int, float))}
        features = _districts()
        points = [pt for f in features for ring in _rings(f["geometry"]) for pt in ring]
        lon0, lon1 = min(p[0] for p in points), max(p[0] for p in points)
        lat0, lat1 = min(p[1] for p in points), max(p[1] for p in points)
        kx = math.cos(math.radians((lat0 + lat1) / 2))  # equirectangular: degrees of longitude are shorter
        top, legend_h, pad = (28 if title else 8), 28, 8
        scale = min((width - 2 * pad) / ((lon1 - lon0) * kx), (height - top - legend_h - pad) / (lat1 - lat0))
        ox = (width - (lon1 - lon0) * kx * scale) / 2

        def xy(pt):
            return ox + (pt[0] - lon0) * kx * scale, top + (lat1 - pt[1]) * scale

        high = max(values.values(), default=0) or 1
        parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                 f'viewBox="0 0 {width} {height}" font-family="{FONT}">']
        if title:
            parts.append(f'<text x="{pad}" y="18" font-size="14" fill="#333">{escape(title)}</text>')
        labels = []
        for f in features:
            name, code = f["properties"]["name"], f["properties"]["code"]
            v = values.get(name, values.get(code))
            fill = "#f2f3f5" if v is None else RAMP[min(len(RAMP) - 1, int(v / high * (len(RAMP) - 1) + 0.5))]
            d = " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, ring)) + " Z"
                         for ring in _rings(f["geometry"]))
            parts.append(f'<path d="{d}" fill="{fill}" stroke="#ffffff" stroke-width="1.2"/>')
            ring = _rings(f["geometry"])[0]
            cx = sum(xy(p)[0] for p in ring) / len(ring)
            cy = sum(xy(p)[1] for p in ring) / len(ring)
            dark = v is not None and v / high > 0.6
            text = f"{name} {number(v)}{unit}" if v is not None else name
            labels.append(f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="11" text-anchor="middle" '
                          f'fill="{"#ffffff" if dark else "#333"}">{escape(text)}</text>')
        parts.extend(labels)  # on top of every district
        y0 = height - legend_h + 8
        for i, color in enumerate(RAMP):
            parts.append(f'<rect x="{pad + i * 22}" y="{y0}" width="22" height="10" fill="{color}"/>')
        parts.append(f'<text x="{pad}" y="{y0 + 22}" font-size="10" fill="#666">0</text>')
        parts.append(f'<text x="{pad + len(RAMP) * 22}" y="{y0 + 22}" font-size="10" fill="#666" '
                     f'text-anchor="end">{escape(number(high))}{escape(unit)}</text>')
        parts.append("</svg>")
        counter.charts += 1
        return Markup(f'<figure class="map">{"".join(parts)}</figure>')

    return district_map


def helpers(counter: Counter) -> dict:
    """The functions a report template may call."""
    return {"chart": make_chart(counter), "table": make_table(counter), "district_map": make_map(counter)}
