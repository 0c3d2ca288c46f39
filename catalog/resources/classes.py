"""Class-specific metadata of resources: one JSON Schema per resource class.

The common fields (code, name, owner ...) are columns; what only one class has
(a data resource's fields, a video's stream URL, a service's endpoint) lives in
`Resource.meta` and is validated here.
"""
from __future__ import annotations

from jsonschema import Draft202012Validator, FormatChecker

from .models import RESOURCE_CLASSES

_URL = {"type": "string", "maxLength": 2000, "pattern": r"^(https?|rtsp|rtmp|wss?)://\S+$"}
_TEXT = {"type": "string", "maxLength": 500}
FIELD_TYPES = ["string", "integer", "number", "boolean", "date", "datetime", "geometry", "json"]

SCHEMAS: dict[str, dict] = {
    "data": {
        "type": "object",
        "properties": {
            "fields": {
                "type": "array", "maxItems": 500,
                "items": {
                    "type": "object", "required": ["name", "type"], "additionalProperties": False,
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": 128,
                                 "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"},
                        "type": {"enum": FIELD_TYPES},
                        "title": _TEXT, "description": _TEXT,
                        "nullable": {"type": "boolean"}, "primary_key": {"type": "boolean"},
                    },
                },
            },
            "source_system": _TEXT,
            "format": {"enum": ["table", "api", "file", "stream"]},
            "record_count": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    },
    "application": {
        "type": "object", "additionalProperties": False,
        "properties": {"url": _URL, "platform": {"enum": ["web", "mobile", "desktop", "bigscreen"]},
                       "vendor": _TEXT},
    },
    "platform_service": {
        "type": "object", "required": ["endpoint"], "additionalProperties": False,
        "properties": {"endpoint": _URL, "method": {"enum": ["GET", "POST", "PUT", "DELETE"]},
                       "protocol": {"enum": ["REST", "SOAP", "GraphQL", "WebSocket", "MQTT"]},
                       "auth": {"enum": ["none", "token", "oauth2", "signature"]}, "rate_limit_per_min": {"type": "integer", "minimum": 0}},
    },
    "service_component": {
        "type": "object", "additionalProperties": False,
        "properties": {"component_code": {"type": "string", "maxLength": 64}, "version": {"type": "string", "maxLength": 32},
                       "capability": _TEXT},
    },
    "document": {"type": "object", "additionalProperties": False,
                 "properties": {"doc_number": _TEXT, "issued_by": _TEXT, "issued_on": {"type": "string", "format": "date"}}},
    "image": {"type": "object", "additionalProperties": False,
              "properties": {"taken_on": {"type": "string", "format": "date"}, "location": _TEXT}},
    "audio": {"type": "object", "additionalProperties": False,
              "properties": {"duration_s": {"type": "number", "minimum": 0}, "recorded_on": {"type": "string", "format": "date"}}},
    "video": {
        "type": "object", "additionalProperties": False,
        "properties": {"stream_url": _URL, "camera_code": {"type": "string", "maxLength": 64}, "location": _TEXT,
                       "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                       "latitude": {"type": "number", "minimum": -90, "maximum": 90}},
    },
    "tool": {"type": "object", "additionalProperties": False,
             "properties": {"url": _URL, "version": {"type": "string", "maxLength": 32}}},
}

# Classes whose resources carry an uploaded file, and the kind of file (tongguan.files.kinds).
FILE_KINDS = {"document": "document", "image": "image", "audio": "audio", "video": "video"}

_VALIDATORS = {code: Draft202012Validator(schema, format_checker=FormatChecker()) for code, schema in SCHEMAS.items()}


def meta_errors(resource_class: str, meta) -> dict[str, list[str]]:
    """{"meta.fields.0.type": ["..."]} for every problem, or {} when valid."""
    errors: dict[str, list[str]] = {}
    for err in _VALIDATORS[resource_class].iter_errors(meta):
        where = ".".join(["meta", *(str(p) for p in err.absolute_path)])
        errors.setdefault(where, []).append(f"元数据不符合“{RESOURCE_CLASSES[resource_class][0]}”类的要求: {err.message}")
    return errors


def flatten(meta) -> list[str]:
    """The strings inside metadata, for the search text."""
    if isinstance(meta, dict):
        return [s for v in meta.values() for s in flatten(v)]
    if isinstance(meta, list):
        return [s for v in meta for s in flatten(v)]
    if isinstance(meta, str):
        return [meta]
    return []
