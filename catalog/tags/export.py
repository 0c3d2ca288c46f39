"""A tag's values as CSV or XLSX, masked exactly as the API shows them."""
from __future__ import annotations

import csv
import io

from tongguan.db import utcnow

HEADERS = ["主体 (subject)", "主体标识 (key)", "标签编码 (tag code)", "标签名称 (tag name)", "取值 (value)",
           "已脱敏 (masked)", "更新时间 (updated)"]
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _cells(row: dict) -> list:
    updated = row["updated_at"].strftime("%Y-%m-%d %H:%M:%S") if row.get("updated_at") else ""
    return [row["subject_code"], row["subject_key"], row["code"], row["name"], row["value"],
            "是" if row["masked"] else "否", updated]


def _safe(cell):
    """No spreadsheet formula injection: text starting with = + - @ is prefixed with '."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


def render(export, fmt: str) -> tuple[bytes, str, str]:
    """(content, mimetype, filename) of `export` (service.Export) in `fmt` (csv or xlsx)."""
    stamp = utcnow().strftime("%Y%m%d")
    filename = f"tag-{export.tag.code}-values-{stamp}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(HEADERS)
        for row in export.rows:
            writer.writerow([_safe(c) for c in _cells(row)])
        return ("\ufeff" + buf.getvalue()).encode("utf-8"), MIMETYPES["csv"], filename
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="标签取值")
    ws.append(HEADERS)
    for row in export.rows:
        ws.append([_safe(c) for c in _cells(row)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), MIMETYPES["xlsx"], filename
