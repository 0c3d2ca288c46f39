"""An app's own settings: the welcome page shown when a viewer first opens it, and the background
its pages fall back to. Stored on `App.settings`; the runtime viewer (/run) reads them::

    {"welcome": {"enabled": true, "title": "欢迎", "text": "...", "image": "/static/x.png", "duration_s": 5},
     "background": {"color": "#061634", "image": "https://..."}}
"""
from __future__ import annotations

from components.types import JSON_SCHEMA_DIALECT
from components.validation import COLOR_PATTERN, IMAGE_SRC_PATTERN, check

IMAGE = {"type": "string", "title": "图片", "maxLength": 2000, "pattern": IMAGE_SRC_PATTERN}

SETTINGS_SCHEMA: dict = {
    "$schema": JSON_SCHEMA_DIALECT,
    "title": "应用设置",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "welcome": {"type": "object", "title": "欢迎页", "additionalProperties": False, "properties": {
            "enabled": {"type": "boolean", "title": "启用欢迎页"},
            "title": {"type": "string", "title": "欢迎标题", "maxLength": 200},
            "text": {"type": "string", "title": "欢迎语", "maxLength": 2000},
            "image": {**IMAGE, "title": "欢迎图片"},
            "duration_s": {"type": "integer", "title": "显示时长（秒）", "minimum": 0, "maximum": 600},
        }},
        "background": {"type": "object", "title": "背景", "additionalProperties": False, "properties": {
            "color": {"type": "string", "title": "背景色", "pattern": COLOR_PATTERN},
            "image": {**IMAGE, "title": "背景图"},
        }},
    },
}


def problems(settings) -> dict[str, list[str]]:
    """Everything wrong with an app's settings, as {`settings.welcome.image`: [messages]}."""
    errors: dict[str, list[str]] = {}
    for path, message in check(SETTINGS_SCHEMA, settings):
        key = "settings" + (path[1:] if path.startswith("$") else f".{path}")
        errors.setdefault(key, []).append(message)
    return errors
