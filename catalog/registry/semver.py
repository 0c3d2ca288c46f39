"""Semantic versions (https://semver.org, 2.0.0): validation and precedence.

Versions are stored as the text the manager typed (`1.10.0-rc.1+build.7`) and sorted by
`key()`, never as strings: 1.10.0 comes after 1.9.0, a pre-release before its release,
and build metadata (`+...`) does not count.
"""
from __future__ import annotations

import re

MAX_LENGTH = 64

_NUM = r"0|[1-9][0-9]*"
_PRE_ID = r"0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*"
PATTERN = re.compile(
    rf"(?P<major>{_NUM})\.(?P<minor>{_NUM})\.(?P<patch>{_NUM})"
    rf"(?:-(?P<pre>(?:{_PRE_ID})(?:\.(?:{_PRE_ID}))*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?",
    re.ASCII,
)

MESSAGE = "版本号须符合语义化版本规范，如 1.0.0 或 2.1.0-beta.1 (must be a semantic version such as 1.0.0)"


def parse(text: str) -> re.Match | None:
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return None
    return PATTERN.fullmatch(text)


def is_valid(text: str) -> bool:
    return parse(text) is not None


def key(text: str) -> tuple:
    """A sort key giving semver precedence; raises ValueError on an invalid version."""
    match = parse(text)
    if match is None:
        raise ValueError(f"not a semantic version: {text!r}")
    pre = match["pre"]
    core = (int(match["major"]), int(match["minor"]), int(match["patch"]))
    if pre is None:
        return (*core, 1, ())
    # Numeric identifiers rank below alphanumeric ones and compare as numbers; a longer
    # list of identifiers ranks above a shorter one it starts with (tuple order does that).
    ids = tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in pre.split("."))
    return (*core, 0, ids)


def sort(versions, *, attr: str | None = None, reverse: bool = False) -> list:
    """Sort version strings (or objects with the string in `attr`) by precedence."""
    get = (lambda v: getattr(v, attr)) if attr else (lambda v: v)
    return sorted(versions, key=lambda v: key(get(v)), reverse=reverse)
