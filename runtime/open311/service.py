"""GeoReport v2 semantics over the event core (http://wiki.open311.org/GeoReport_v2).

Reading services and requests is public, as the specification has it; it shows nothing
personal. Posting needs an `api_key`: an API token of a user allowed to report events.
Errors are `Open311Error(status, description)`; the web layer renders them in the
specification's shape.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.matters.models import Matter
from runtime.events import service as events
from runtime.events.lifecycle import OPEN
from runtime.events.models import Event, EventAction
from tongguan.accounts.models import Department
from tongguan.accounts.service import actor_for_token
from tongguan.errors import Invalid
from tongguan.permissions import Actor, action

from .models import DATATYPES, Open311Service

MAX_REQUESTS = 1000  # the specification's default cap on a request listing
DEFAULT_DAYS = 90  # "requests" without dates covers the last 90 days


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


# --- services -----------------------------------------------------------------------------------


def services(session: Session) -> list[Open311Service]:
    return list(session.scalars(select(Open311Service).where(Open311Service.enabled.is_(True))
                                .order_by(Open311Service.sort_order, Open311Service.service_code)))


def service(session: Session, code: str) -> Open311Service:
    svc = session.scalar(select(Open311Service).where(Open311Service.service_code == code,
                                                      Open311Service.enabled.is_(True)))
    if svc is None:
        raise Open311Error(404, f"service_code {code} not found")
    return svc


def _check_attributes(attributes: list, errors: dict) -> None:
    codes = set()
    for i, a in enumerate(attributes):
        if not isinstance(a, dict) or not a.get("code") or a.get("datatype") not in DATATYPES:
            errors[f"attributes.{i}"] = [f"每个属性须有 code，datatype 取 {', '.join(DATATYPES)} 之一"]
            continue
        if a["code"] in codes:
            errors[f"attributes.{i}.code"] = ["属性编码重复"]
        codes.add(a["code"])
        if a["datatype"].endswith("valuelist") and not a.get("values"):
            errors[f"attributes.{i}.values"] = ["列表类属性须给出可选值"]


@action("matter.manage")
def open311_service_save(session: Session, actor: Actor, data: dict) -> Open311Service:
    """Offer a matter as an Open311 service (or change the offer), by service code."""
    errors: dict[str, list[str]] = {}
    matter = session.scalar(select(Matter).where(Matter.code == data.get("matter_code")))
    if matter is None or matter.tier != "item":
        errors["matter_code"] = ["请选择事项目录中的具体事项（细类）"]
    _check_attributes(data.get("attributes") or [], errors)
    if errors:
        raise Invalid("The Open311 service is not valid.", errors)
    svc = session.scalar(select(Open311Service).where(Open311Service.service_code == data["service_code"]))
    if svc is None:
        svc = Open311Service(service_code=data["service_code"])
        session.add(svc)
    svc.matter_id = matter.id
    svc.service_name = data.get("service_name") or matter.name
    for key in ("description", "group", "keywords", "attributes", "enabled", "sort_order"):
        if key in data:
            setattr(svc, key, data[key])
    session.flush()
    return svc


@action("matter.read")
def open311_service_list(session: Session, actor: Actor) -> list[Open311Service]:
    """Every Open311 service, enabled or not (for the catalog pages)."""
    return list(session.scalars(select(Open311Service).order_by(Open311Service.sort_order,
                                                                Open311Service.service_code)))


# --- requests -----------------------------------------------------------------------------------


def _actor_for(session: Session, api_key: str | None) -> Actor:
    actor = actor_for_token(session, api_key) if api_key else None
    if actor is None:
        raise Open311Error(403, "api_key is missing or not valid")
    if not actor.can("event.report"):
        raise Open311Error(403, "this api_key may not submit requests")
    return actor


def _attribute_values(svc: Open311Service, given: dict[str, list[str]]) -> dict:
    out = {}
    for a in sorted(svc.attributes, key=lambda a: a.get("order", 0)):
        if not a.get("variable", True):
            continue
        values = [v for v in given.get(a["code"], []) if v != ""]
        if not values:
            if a.get("required"):
                raise Open311Error(400, f"attribute[{a['code']}] is required")
            continue
        keys = {str(v["key"]) for v in a.get("values") or []}
        if a["datatype"] == "singlevaluelist":
            if len(values) != 1 or values[0] not in keys:
                raise Open311Error(400, f"attribute[{a['code']}] must be one of {', '.join(sorted(keys))}")
            out[a["code"]] = values[0]
        elif a["datatype"] == "multivaluelist":
            if any(v not in keys for v in values):
                raise Open311Error(400, f"attribute[{a['code']}] values must be among {', '.join(sorted(keys))}")
            out[a["code"]] = values
        elif a["datatype"] == "number":
            try:
                out[a["code"]] = float(values[0])
            except ValueError:
                raise Open311Error(400, f"attribute[{a['code']}] must be a number") from None
        elif a["datatype"] == "datetime":
            try:
                out[a["code"]] = dt.datetime.fromisoformat(values[0].replace("Z", "+00:00")).isoformat()
            except ValueError:
                raise Open311Error(400, f"attribute[{a['code']}] must be an ISO 8601 datetime") from None
        else:
            out[a["code"]] = values[0][:4000]
    return out


def _number(value: str | None, name: str, low: float, high: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None
    if not low <= number <= high:
        raise Open311Error(400, f"{name} must be between {low} and {high}")
    return number


def post_request(session: Session, form: dict[str, str], attributes: dict[str, list[str]]) -> Event:
    """POST requests: make an event from a GeoReport request."""
    actor = _actor_for(session, form.get("api_key"))
    code = form.get("service_code")
    if not code:
        raise Open311Error(400, "service_code is required")
    svc = service(session, code)
    lat, lon = _number(form.get("lat"), "lat", -90, 90), _number(form.get("long"), "long", -180, 180)
    address = (form.get("address_string") or "").strip()
    if (lat is None or lon is None) and not address and not form.get("address_id"):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    values = _attribute_values(svc, attributes)
    matter = session.get(Matter, svc.matter_id)
    name = " ".join(p for p in (form.get("last_name", ""), form.get("first_name", "")) if p).strip()
    description = (form.get("description") or "")[:4000]
    token = uuid.uuid4().hex
    area = _area(session, form.get("address_id"))
    try:
        event, _ = events.event_report(session, actor, {
            "title": f"{svc.service_name}：{description[:60]}" if description else svc.service_name,
            "description": description, "channel": "app", "matter_code": matter.code,
            "address": address or form.get("address_id", ""), "latitude": lat, "longitude": lon,
            "area_department_id": area, "reporter_name": name[:64], "reporter_phone": (form.get("phone") or "")[:32],
            "source": "open311", "external_id": token,
            "details": {"open311": {"service_code": svc.service_code, "attributes": values,
                                    "email": form.get("email", ""), "device_id": form.get("device_id", ""),
                                    "account_id": form.get("account_id", ""), "media_url": form.get("media_url", "")}}})
    except Invalid as exc:
        raise Open311Error(400, "; ".join(m for ms in exc.errors.values() for m in ms) or exc.detail) from None
    return event


def _area(session: Session, address_id: str | None) -> int | None:
    """An address_id may name a grid, street or district by its department code."""
    if not address_id:
        return None
    return session.scalar(select(Department.id).where(Department.code == address_id,
                                                      Department.level.in_(("district", "street", "grid"))))


def token(session: Session, value: str) -> Event:
    event = session.scalar(select(Event).where(Event.external_source == "open311", Event.external_id == value))
    if event is None:
        raise Open311Error(404, f"token {value} not found")
    return event


def request(session: Session, number: str) -> Event:
    event = session.scalar(select(Event).where(Event.number == number))
    if event is None:
        raise Open311Error(404, f"service_request_id {number} not found")
    while event.merged_into_id is not None:  # a duplicate answers with the event it joined
        event = session.get(Event, event.merged_into_id)
    return event


def _when(value: str | None, name: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a w3c (ISO 8601) datetime") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def requests(session: Session, args: dict[str, str], now: dt.datetime | None = None) -> list[Event]:
    """GET requests: by ids, or filtered by service, status and dates (default: the last 90 days)."""
    if args.get("service_request_id"):
        found = []
        for number in [n.strip() for n in args["service_request_id"].split(",") if n.strip()][:MAX_REQUESTS]:
            try:
                found.append(request(session, number))
            except Open311Error:
                continue
        return found
    now = now or dt.datetime.now(dt.timezone.utc)
    end = _when(args.get("end_date"), "end_date") or now
    start = _when(args.get("start_date"), "start_date") or end - dt.timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise Open311Error(400, "start_date must not be after end_date")
    stmt = select(Event).where(Event.reported_at >= start, Event.reported_at <= end, Event.merged_into_id.is_(None))
    if args.get("service_code"):
        codes = [c.strip() for c in args["service_code"].split(",") if c.strip()]
        matters = select(Open311Service.matter_id).where(Open311Service.service_code.in_(codes))
        stmt = stmt.where(Event.matter_id.in_(matters))
    else:
        stmt = stmt.where(Event.matter_id.in_(select(Open311Service.matter_id)))
    status = args.get("status")
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if wanted == {"open"}:
            stmt = stmt.where(Event.status.in_(OPEN))
        elif wanted == {"closed"}:
            stmt = stmt.where(Event.status.not_in(OPEN))
    return list(session.scalars(stmt.order_by(Event.reported_at.desc()).limit(MAX_REQUESTS)))


def describe(session: Session, events_: list[Event]) -> list[dict]:
    """The GeoReport fields of each event, in one pass over services, departments and notes."""
    if not events_:
        return []
    by_matter = {s.matter_id: s for s in session.scalars(select(Open311Service))}
    depts = {d.id: d.name for d in session.scalars(select(Department).where(
        Department.id.in_({e.department_id for e in events_ if e.department_id})))}
    notes: dict[int, str] = {}
    for event_id, comment in session.execute(
            select(EventAction.event_id, EventAction.comment).where(
                EventAction.event_id.in_([e.id for e in events_]), EventAction.comment != "")
            .order_by(EventAction.event_id, EventAction.at, EventAction.id)):
        notes[event_id] = comment
    out = []
    for e in events_:
        svc = by_matter.get(e.matter_id)
        media = ((e.details or {}).get("open311") or {}).get("media_url", "")
        out.append({
            "service_request_id": e.number, "status": "open" if e.status in OPEN else "closed",
            "status_notes": notes.get(e.id, "")[:500], "service_name": svc.service_name if svc else "",
            "service_code": svc.service_code if svc else "", "description": e.description,
            "agency_responsible": depts.get(e.department_id, ""), "service_notice": "",
            "requested_datetime": _w3c(e.reported_at), "updated_datetime": _w3c(e.updated_at),
            "expected_datetime": _w3c(e.deadline_at), "address": e.address, "address_id": "", "zipcode": "",
            "lat": e.latitude, "long": e.longitude, "media_url": media})
    return out


def _w3c(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
