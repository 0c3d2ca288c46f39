"""The XLSX layouts of the matter catalog and of a domain catalog, and a strict reader.

Headers are Chinese (the English name is accepted too); row numbers are the
spreadsheet's own (the header is row 1). `read` turns every cell into a typed value
or a row-by-row problem {"sheet", "row", "field", "message"}; the service decides
what the rows mean and writes only when there is no problem at all.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from tongguan.errors import ImportRejected, Invalid

MAX_ROWS = 20_000
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")

TIER_ZH = {"category": "大类", "subcategory": "小类", "item": "细类"}
LEVEL_ZH = {"city": "市级", "district": "区级"}
UNIT_ZH = {"working_days": "工作日", "hours": "小时"}

# (key, Chinese header, English header, kind, required)
MATTER_SHEET = "标准事项"
MATTER_COLUMNS = [
    ("code", "编码", "code", "code", True),
    ("name", "名称", "name", "name", True),
    ("tier", "层级", "tier", "tier", True),
    ("parent_code", "上级编码", "parent code", "optcode", False),
    ("level", "适用范围", "level", "level", False),
    ("effective_from", "生效日期", "effective from", "date", False),
    ("effective_to", "废止日期", "retired from", "date", False),
    ("department_code", "责任部门编码", "department code", "optcode", False),
    ("department_name", "责任部门", "department", "ignored", False),
    ("time_limit", "办理时限", "time limit", "int", False),
    ("time_unit", "时限单位", "time unit", "unit", False),
    ("legal_basis", "法律依据", "legal basis", "text", False),
    ("rule_from", "权责生效日期", "rule effective from", "date", False),
    ("description", "说明", "description", "text", False),
    ("sort_order", "排序", "sort order", "int0", False),
]
AREA_SHEET = "分区权责"
AREA_COLUMNS = [
    ("matter_code", "事项编码", "matter code", "code", True),
    ("matter_name", "事项名称", "matter name", "ignored", False),
    ("area_code", "区域编码", "area code", "code", True),
    ("area_name", "区域", "area", "ignored", False),
    ("department_code", "责任部门编码", "department code", "code", True),
    ("department_name", "责任部门", "department", "ignored", False),
    ("time_limit", "办理时限", "time limit", "int", True),
    ("time_unit", "时限单位", "time unit", "unit", True),
    ("legal_basis", "法律依据", "legal basis", "text", False),
    ("rule_from", "权责生效日期", "rule effective from", "date", False),
]
ITEM_SHEET = "领域事项"
ITEM_COLUMNS = [
    ("code", "编码", "code", "code", True),
    ("name", "名称", "name", "name", True),
    ("category", "分类", "category", "short", False),
    ("description", "说明", "description", "text", False),
    ("matter_code", "标准事项编码", "matter code", "optcode", False),
    ("matter_name", "标准事项名称", "matter name", "ignored", False),
]


def _clean(value):
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write(sheets: list[tuple[str, list, list[dict]]]) -> bytes:
    """A workbook with one sheet per (title, columns, rows)."""
    book = Workbook()
    book.remove(book.active)
    for title, columns, rows in sheets:
        ws = book.create_sheet(title)
        ws.append([zh for _, zh, *_ in columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for row in rows:
            ws.append([None if row.get(key) in (None, "") else _clean(row.get(key)) for key, *_ in columns])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        for i, (key, zh, _en, kind, _req) in enumerate(columns, start=1):
            width = {"name": 28, "text": 36, "short": 20}.get(kind, 16)
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def open_book(content: bytes):
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError) as exc:
        raise Invalid("The file is not an XLSX workbook.",
                      {"file": ["文件不是有效的 Excel (.xlsx) 工作簿 (not an XLSX workbook)"]}) from exc
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise Invalid("The file is not an XLSX workbook.",
                      {"file": ["文件无法读取，请确认是 Excel (.xlsx) 工作簿 (unreadable workbook)"]}) from exc


def _header_key(text, columns) -> str | None:
    if not isinstance(text, str):
        return None
    t = text.strip().lstrip("*").strip()
    t = re.sub(r"\s*[（(].*[)）]\s*$", "", t)  # "编码 (code)" -> "编码"
    for key, zh, en, *_ in columns:
        if t == zh or t.lower() == en.lower() or t.lower() == key:
            return key
    return None


def read(book, title: str, columns: list, problems: list, *, required: bool) -> list[tuple[int, dict]]:
    """The sheet's non-empty rows as (row number, {key: value}); cell problems go to `problems`.
    A row with problems carries their keys in "_bad"."""
    try:
        return _read(book, title, columns, problems, required=required)
    except (ImportRejected, Invalid):
        raise
    except Exception as exc:  # a damaged sheet inside a valid zip
        raise Invalid("The workbook cannot be read.",
                      {"file": [f"工作表“{title}”无法读取，请确认是 Excel (.xlsx) 工作簿 (unreadable sheet)"]}) from exc


def _read(book, title: str, columns: list, problems: list, *, required: bool) -> list[tuple[int, dict]]:
    if title not in book.sheetnames:
        if required:
            if len(book.sheetnames) == 1 and not any(t in book.sheetnames for t in (MATTER_SHEET, AREA_SHEET, ITEM_SHEET)):
                ws = book[book.sheetnames[0]]  # a renamed single sheet is fine
            else:
                raise ImportRejected(f"缺少工作表“{title}” (sheet missing)",
                                     [{"sheet": title, "row": 1, "field": "工作表", "message": f"缺少工作表“{title}” (sheet missing)"}])
        else:
            return []
    else:
        ws = book[title]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    index: dict[str, int] = {}
    for i, text in enumerate(header):
        key = _header_key(text, columns)
        if key is not None and key not in index:
            index[key] = i
    missing = [zh for key, zh, _en, _kind, req in columns if req and key not in index]
    if missing:
        raise ImportRejected(f"工作表“{title}”缺少列：{'、'.join(missing)} (columns missing)",
                             [{"sheet": title, "row": 1, "field": zh, "message": "缺少此列 (column missing)"} for zh in missing])
    out = []
    for n, values in enumerate(rows, start=2):
        if n > MAX_ROWS + 1:
            problems.append({"sheet": title, "row": n, "field": "", "message": f"最多 {MAX_ROWS} 行 (too many rows)"})
            break
        if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        row: dict = {"_bad": set()}
        for key, zh, _en, kind, req in columns:
            if kind == "ignored" or key not in index:
                continue
            raw = values[index[key]] if index[key] < len(values) else None
            try:
                row[key] = _convert(raw, kind, req)
            except ValueError as exc:
                row["_bad"].add(key)
                problems.append({"sheet": title, "row": n, "field": zh, "message": str(exc)})
        out.append((n, row))
    return out


def _text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    return str(raw).strip()


def _convert(raw, kind: str, required: bool):
    text = _text(raw)
    if "\x00" in text:
        raise ValueError("不能包含 NUL 字符 (must not contain NUL)")
    if not text:
        if required:
            raise ValueError("必填 (required)")
        return None
    if kind in ("code", "optcode"):
        if not CODE_RE.match(text):
            raise ValueError(f"编码“{text[:40]}”无效：只能包含字母、数字、下划线、点和连字符，最长 64 位 "
                             "(letters, digits, _ . -)")
        return text
    if kind == "name":
        if len(text) > 200:
            raise ValueError("不能超过 200 个字符 (at most 200 characters)")
        return text
    if kind == "short":
        if len(text) > 200:
            raise ValueError("不能超过 200 个字符 (at most 200 characters)")
        return text
    if kind == "text":
        if len(text) > 4000:
            raise ValueError("不能超过 4000 个字符 (at most 4000 characters)")
        return text
    if kind == "tier":
        for key, zh in TIER_ZH.items():
            if text in (zh, key):
                return key
        raise ValueError(f"层级“{text[:20]}”无效，须为大类、小类或细类 (category, subcategory or item)")
    if kind == "level":
        for key, zh in LEVEL_ZH.items():
            if text in (zh, key, zh[0]):
                return key
        raise ValueError(f"适用范围“{text[:20]}”无效，须为市级或区级 (city or district)")
    if kind == "unit":
        for key, zh in UNIT_ZH.items():
            if text in (zh, key, "天" if key == "working_days" else "时"):
                return key
        raise ValueError(f"时限单位“{text[:20]}”无效，须为工作日或小时 (working_days or hours)")
    if kind in ("int", "int0"):
        if isinstance(raw, bool):
            raise ValueError("须为整数 (a whole number)")
        try:
            value = int(raw) if isinstance(raw, int) else int(float(text)) if float(text).is_integer() else None
        except (ValueError, OverflowError):
            value = None
        low = 1 if kind == "int" else -10_000
        if value is None or not low <= value <= 10_000:
            raise ValueError(f"须为 {low} 至 10000 的整数 (a whole number from {low} to 10000)")
        return value
    if kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        m = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", text)
        try:
            if not m:
                raise ValueError
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"日期“{text[:20]}”无效，格式为 YYYY-MM-DD (a date like 2026-01-31)") from None
    raise AssertionError(kind)
