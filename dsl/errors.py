"""The one error type of the expression language: a position plus a zh-CN and an English text."""
from __future__ import annotations

import unicodedata

TYPE_NAMES = {
    "integer": ("整数", "an integer"),
    "number": ("数值", "a number"),
    "string": ("字符串", "a string"),
    "boolean": ("布尔值", "a boolean"),
    "date": ("日期", "a date"),
    "datetime": ("日期时间", "a datetime"),
    "duration": ("时长", "a duration"),
    "null": ("空值", "null"),
}


def type_zh(name: str) -> str:
    return TYPE_NAMES.get(name, (name, name))[0]


def type_en(name: str) -> str:
    return TYPE_NAMES.get(name, (name, name))[1]


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class DslError(Exception):
    """Anything wrong with an expression: syntax, unknown field, type, arity, limits.

    `line` and `column` are 1-based; `message_zh` / `message_en` say what went wrong;
    `render(lang)` adds the source line with a caret under the column.
    """

    def __init__(self, message_zh: str, message_en: str, line: int = 1, column: int = 1,
                 source: str | None = None, code: str = "invalid"):
        self.message_zh = message_zh
        self.message_en = message_en
        self.line = line
        self.column = column
        self.source = source
        self.code = code
        super().__init__(self.message("en"))

    def with_source(self, source: str) -> "DslError":
        if self.source is None:
            self.source = source
        return self

    def message(self, lang: str = "zh-CN") -> str:
        if lang.lower().startswith("zh"):
            return f"第 {self.line} 行第 {self.column} 列：{self.message_zh}"
        return f"line {self.line}, column {self.column}: {self.message_en}"

    def render(self, lang: str = "zh-CN") -> str:
        """The message, then the offending source line (indented two spaces) and a caret under the column.
        Wide (CJK) characters count as two columns so the caret lines up in a terminal."""
        head = self.message(lang)
        if self.source is None:
            return head
        lines = self.source.splitlines() or [""]
        text = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        col = max(1, self.column)
        start = 0
        if len(text) > 100:  # show a window around the column
            start = max(0, col - 1 - 50)
            snippet = text[start:start + 100]
            prefix = "…" if start else ""
            suffix = "…" if start + 100 < len(text) else ""
        else:
            snippet, prefix, suffix = text, "", ""
        before = snippet[: col - 1 - start]
        pad = sum(_width(c) for c in prefix + before)
        return f"{head}\n  {prefix}{snippet}{suffix}\n  {' ' * pad}^"

    def __str__(self) -> str:
        return self.message("zh-CN") + " (" + self.message("en") + ")"

    def to_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message_zh": self.message_zh,
                "message_en": self.message_en, "code": self.code}
