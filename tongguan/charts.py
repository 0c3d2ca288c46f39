"""Charts drawn on the server: altair (Vega-Lite) to SVG with vl-convert, in the CJK font,
for pages, reports and PDFs alike. The converter warms up once per process (~0.5 s)."""
from __future__ import annotations

import altair as alt

FONT = "Noto Sans CJK SC"  # left at sans-serif, Chinese falls back to Japanese glyph shapes
PALETTE = ["#1f6feb", "#3ba1ff", "#36cfc9", "#73d13d", "#ffc53d", "#ff7a45", "#f759ab", "#9254de", "#597ef7"]


def _finish(chart: alt.Chart, title: str, width: int, height: int) -> str:
    import vl_convert

    spec = (chart.properties(title=title, width=width, height=height)
            .configure(font=FONT, background="transparent")
            .configure_range(category=PALETTE)
            .configure_view(stroke=None)
            .configure_axis(labelFontSize=11, titleFontSize=12, grid=True, gridColor="#eef0f4")
            .configure_title(fontSize=14, anchor="start"))
    return vl_convert.vegalite_to_svg(spec.to_dict())


def bar(rows: list[dict], x: str, y: str, *, title: str = "", x_title: str = "", y_title: str = "",
        horizontal: bool = True, width: int = 360, height: int = 220) -> str:
    data = alt.Data(values=rows)
    base = alt.Chart(data).mark_bar(cornerRadiusEnd=3, color=PALETTE[0])
    cat = alt.X(f"{x}:N", title=x_title, sort="-y") if not horizontal else alt.Y(f"{x}:N", title=x_title, sort="-x")
    axis = alt.Axis(format="d", tickMinStep=1)  # counts: no 0.5 ticks
    val = alt.Y(f"{y}:Q", title=y_title, axis=axis) if not horizontal else alt.X(f"{y}:Q", title=y_title, axis=axis)
    text = base.mark_text(align="left" if horizontal else "center", dx=3 if horizontal else 0,
                          dy=0 if horizontal else -6, color="#555").encode(text=f"{y}:Q")
    enc = {"y": cat, "x": val} if horizontal else {"x": cat, "y": val}
    return _finish(alt.layer(base.encode(**enc), text.encode(**enc)), title, width, height)


def line(rows: list[dict], x: str, y: str, *, title: str = "", x_title: str = "", y_title: str = "",
         width: int = 360, height: int = 220) -> str:
    chart = alt.Chart(alt.Data(values=rows)).mark_line(point=True, color=PALETTE[0]).encode(
        x=alt.X(f"{x}:O", title=x_title, axis=alt.Axis(labelAngle=-40)),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format="d", tickMinStep=1)))
    return _finish(chart, title, width, height)


def donut(rows: list[dict], category: str, value: str, *, title: str = "", width: int = 260,
          height: int = 220) -> str:
    chart = alt.Chart(alt.Data(values=rows)).mark_arc(innerRadius=50).encode(
        theta=alt.Theta(f"{value}:Q"), color=alt.Color(f"{category}:N", title=None, sort=None),
        order=alt.Order(f"{value}:Q", sort="descending"))
    return _finish(chart, title, width, height)
