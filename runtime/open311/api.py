"""/open311/v2: GeoReport v2 in XML (the specification's mandatory format) and JSON.

Every route takes its format from the extension (`services.xml`, `services.json`); errors are
`[{"code", "description"}]` (JSON) or `<errors><error>...` (XML) with the matching status.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from flask import Blueprint, Response, current_app, json, request, url_for

from tongguan.db import get_session

from . import service
from .service import Open311Error

blp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMAT = "<any(json, xml):fmt>"
ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,64})\](\[\])?$")


def _xml(root: str, item: str, rows: list[dict]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        _fill(ET.SubElement(top, item), row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8", xml_declaration=False)


def _fill(element: ET.Element, row: dict) -> None:
    for key, value in row.items():
        child = ET.SubElement(element, key)
        if isinstance(value, dict):
            _fill(child, value)
        elif isinstance(value, list):
            singular = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
            for item in value:
                if isinstance(item, dict):
                    _fill(ET.SubElement(child, singular.get(key, "item")), item)
                else:
                    ET.SubElement(child, singular.get(key, "item")).text = str(item)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _answer(fmt: str, root: str, item: str, rows, status: int = 200, single: bool = False) -> Response:
    if fmt == "xml":
        body = _xml(root, item, rows) if not single else _xml_single(root, rows)
        return Response(body, status, mimetype="text/xml")
    return Response(json.dumps(rows, ensure_ascii=False), status, mimetype="application/json")


def _xml_single(root: str, row: dict) -> bytes:
    top = ET.Element(root)
    _fill(top, row)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8", xml_declaration=False)


def _error(fmt: str, status: int, description: str) -> Response:
    return _answer(fmt, "errors", "error", [{"code": status, "description": description}], status)


@blp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    fmt = request.view_args.get("fmt", "json") if request.view_args else "json"
    get_session().rollback()
    return _error(fmt, exc.status, exc.description)


@blp.before_request
def _jurisdiction():
    given = request.values.get("jurisdiction_id")
    if given and given != current_app.config["OPEN311_JURISDICTION"]:
        fmt = (request.view_args or {}).get("fmt", "json")
        return _error(fmt, 404, f"jurisdiction_id {given} not found")
    return None


@blp.get(f"/discovery.{FORMAT}")
def discovery(fmt):
    doc = {"changeset": "2026-11-25T00:00:00Z", "contact": current_app.config["OPEN311_CONTACT"],
           "key_service": "向城运中心申请 API 令牌（tongguan token create）作为 api_key",
           "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2",
                          "url": url_for("open311.discovery", fmt=fmt, _external=True).rsplit("/", 1)[0],
                          "changeset": "2026-11-25T00:00:00Z", "type": "production",
                          "formats": ["text/xml", "application/json"]}]}
    return _answer(fmt, "discovery", "", doc, single=True)


def _service_row(svc) -> dict:
    return {"service_code": svc.service_code, "service_name": svc.service_name, "description": svc.description,
            "metadata": bool(svc.attributes), "type": "realtime", "keywords": svc.keywords, "group": svc.group}


@blp.get(f"/services.{FORMAT}")
def services(fmt):
    return _answer(fmt, "services", "service", [_service_row(s) for s in service.services(get_session())])


@blp.get(f"/services/<string(maxlength=64):code>.{FORMAT}")
def service_definition(code, fmt):
    svc = service.service(get_session(), code)
    attributes = [{"variable": a.get("variable", True), "code": a["code"], "datatype": a["datatype"],
                   "required": bool(a.get("required")), "datatype_description": a.get("datatype_description", ""),
                   "order": a.get("order", i + 1), "description": a.get("description", ""),
                   **({"values": [{"key": v["key"], "name": v["name"]} for v in a.get("values") or []]}
                      if a["datatype"].endswith("valuelist") else {})}
                  for i, a in enumerate(svc.attributes)]
    doc = {"service_code": svc.service_code, "attributes": attributes}
    return _answer(fmt, "service_definition", "", doc, single=True)


@blp.get(f"/requests.{FORMAT}")
def requests_get(fmt):
    db = get_session()
    return _answer(fmt, "service_requests", "request", service.describe(db, service.requests(db, request.args)))


@blp.post(f"/requests.{FORMAT}")
def requests_post(fmt):
    form = {k: v for k, v in request.form.items() if not k.startswith("attribute[")}
    attributes: dict[str, list[str]] = {}
    for key in request.form:
        m = ATTRIBUTE.match(key)
        if m:
            attributes.setdefault(m.group(1), []).extend(request.form.getlist(key))
    db = get_session()
    event = service.post_request(db, form, attributes)
    db.commit()
    row = {"service_request_id": event.number, "token": event.external_id, "service_notice": "",
           "account_id": form.get("account_id", "")}
    return _answer(fmt, "service_requests", "request", [row], 201)


@blp.get(f"/requests/<string(maxlength=40):number>.{FORMAT}")
def request_get(number, fmt):
    db = get_session()
    return _answer(fmt, "service_requests", "request", service.describe(db, [service.request(db, number)]))


@blp.get(f"/tokens/<string(maxlength=64):value>.{FORMAT}")
def token_get(value, fmt):
    event = service.token(get_session(), value)
    return _answer(fmt, "service_requests", "request", [{"service_request_id": event.number, "token": value}])
