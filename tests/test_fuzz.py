"""Bad input anywhere in the API gets a 4xx application/problem+json, never a 500.

A schemathesis fuzz sends a few hundred generated requests (valid and invalid:
wrong types, unknown fields, missing fields, out-of-range values) to every
operation in /api/openapi.json as an administrator and counts server errors;
hand-written tests cover what generation does not: malformed JSON, oversized
bodies, foreign content types.
"""
from __future__ import annotations

import json
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from sqlalchemy import func, select

from builder.api_services.models import ApiService
from builder.composites.models import CompositeComponent
from builder.environments.models import Environment
from builder.models import App, AppPage
from catalog.matters.models import DomainCatalog, DomainItem, Matter
from catalog.resources.models import Directory, Resource
from catalog.tags.models import Tag
from report_engine.models import ReportSchedule, ReportTemplate
from runtime.alerts.models import AlertRule
from runtime.events.models import Event
from runtime.flows.models import Flow
from runtime.indicators.models import Indicator
from runtime.services.models import DataService
from runtime.sources.models import DataSource
from tongguan.accounts import service
from tongguan.accounts.models import Department, User
from tongguan.permissions import Actor

PROBLEM = "application/problem+json"
EXAMPLES_PER_MODE = 12  # per operation and generation mode: ~17 operations x 2 modes x 12 = a few hundred
MIN_REQUESTS = 300
# path parameter -> model (the last one named in a path wins: item_id over catalog_id)
ETAG_DOCUMENTS = {"department_id": Department, "user_id": User, "directory_id": Directory, "resource_id": Resource,
                  "matter_id": Matter, "item_id": DomainItem, "catalog_id": DomainCatalog, "tag_id": Tag,
                  "source_id": DataSource, "service_id": DataService, "indicator_id": Indicator,
                  "rule_id": AlertRule, "app_id": App, "flow_id": Flow, "event_id": Event, "page_id": AppPage,
                  "api_service_id": ApiService, "environment_id": Environment,
                  "composite_id": CompositeComponent, "template_id": ReportTemplate,
                  "schedule_id": ReportSchedule}


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


class Fuzzer:
    """Sends generated cases as an administrator and remembers what went wrong.

    Generated writes may revoke the caller's token, or (through another admin's
    PATCH) take away its rights; a fresh administrator is made whenever the
    current one stops being able to authenticate, so later operations are still
    exercised past the authentication check."""

    def __init__(self, app):
        self.app = app
        self.sent = 0
        self.by_status: dict[int, int] = {}
        self.server_errors: list[str] = []
        self.not_problem: list[str] = []
        self.admins = 0
        self.unsatisfiable: list[str] = []
        self.per_operation: dict[str, int] = {}
        self.writes = 0  # PATCH/DELETE cases on documents with an ETag
        self.aimed = 0  # ... of which sent with the document's current ETag
        self.headers = self.new_admin()

    def new_admin(self) -> dict[str, str]:
        session = self.app.extensions["tongguan.sessionmaker"]()
        try:
            system = Actor.system("fuzz")
            self.admins += 1
            user = service.user_create(session, system, {
                "username": f"fuzz-admin-{self.admins}", "display_name": "fuzz", "roles": ["admin"],
                "password": "correct-horse-battery",
            })
            session.flush()
            _, secret = service.token_create(session, system, {"name": "fuzz"}, user_id=user.id)
            session.commit()
        finally:
            session.close()
        return {"Authorization": f"Bearer {secret}"}

    def aim_at_a_real_document(self, case) -> None:
        """Point a PATCH/DELETE at an existing document with its current ETag, so the
        generated body gets past If-Match (without this nearly every write stops at 412/428)."""
        name = next((n for n in reversed(list(case.path_parameters or {})) if n in ETAG_DOCUMENTS), None)
        if case.method not in ("PATCH", "DELETE") or name is None:
            return
        self.writes += 1
        if self.writes % 2:
            return  # every other write keeps its generated path and If-Match
        session = self.app.extensions["tongguan.sessionmaker"]()
        try:
            ids = list(session.scalars(select(ETAG_DOCUMENTS[name].id).order_by(ETAG_DOCUMENTS[name].id)))
        finally:
            session.close()
        if not ids:
            return
        case.path_parameters[name] = ids[self.writes // 2 % len(ids)]
        res = self.app.test_client().get(case.formatted_path, headers=self.headers)
        if res.status_code == 200:
            case.headers = {**(case.headers or {}), "If-Match": res.headers["ETag"]}
            self.aimed += 1

    def send(self, case) -> None:
        self.per_operation[case.operation.label] = self.per_operation.get(case.operation.label, 0) + 1
        self.aim_at_a_real_document(case)
        label = f"{case.method} {case.formatted_path}"
        try:
            response = case.call(app=self.app, headers=self.headers)
        except Exception as exc:  # the app raised through the WSGI server: as bad as a 500
            self.sent += 1
            self.server_errors.append(f"{label}: raised {type(exc).__name__}: {exc}\n  {self.describe(case)}")
            return
        self.sent += 1
        status = response.status_code
        self.by_status[status] = self.by_status.get(status, 0) + 1
        content_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()  # lower-case keys
        if status >= 500:
            self.server_errors.append(f"{label} -> {status} {response.text[:300]}\n  {self.describe(case)}")
        elif status >= 400 and content_type != PROBLEM:
            self.not_problem.append(f"{label} -> {status} {content_type}\n  {self.describe(case)}")
        if status == 401:
            self.headers = self.new_admin()

    @staticmethod
    def describe(case) -> str:
        try:
            return case.as_curl_command()
        except Exception:  # noqa: BLE001 - only for the failure message
            return repr(case)


def run_fuzz(app, examples: int = EXAMPLES_PER_MODE) -> Fuzzer:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    fuzzer = Fuzzer(app)
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                      print_blob=False)
            @given(case=strategy)
            def fuzz(case):
                fuzzer.send(case)

            try:
                fuzz()
            except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                fuzzer.unsatisfiable.append(f"{mode.value} {operation.label}")
    return fuzzer


def test_generated_bad_requests_never_get_a_server_error(request, app, org, capsys):
    started = time.monotonic()
    fuzzer = run_fuzz(app)
    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\nfuzz: {fuzzer.sent} requests in {elapsed:.1f}s, statuses {dict(sorted(fuzzer.by_status.items()))}, "
              f"{fuzzer.aimed} of {fuzzer.writes} writes sent with a current ETag, "
              f"{fuzzer.admins} admin(s); nothing to negate in {fuzzer.unsatisfiable}")
    assert not fuzzer.server_errors, f"{len(fuzzer.server_errors)} server errors:\n" + "\n".join(fuzzer.server_errors)
    assert not fuzzer.not_problem, (
        f"{len(fuzzer.not_problem)} 4xx answers not {PROBLEM}:\n" + "\n".join(fuzzer.not_problem)
    )
    assert fuzzer.sent >= MIN_REQUESTS
    operations = {result.ok().label for result in schemathesis.openapi.from_wsgi("/api/openapi.json", app).get_all_operations()}
    assert set(fuzzer.per_operation) == operations, operations - set(fuzzer.per_operation)
    assert any(400 <= s < 500 for s in fuzzer.by_status) and any(s < 300 for s in fuzzer.by_status)


# --- hand-written bad requests ---------------------------------------------------------

def assert_problem(res, status: int | None = None):
    assert res.mimetype == PROBLEM, (res.status_code, res.mimetype, res.get_data(as_text=True)[:300])
    if status is None:
        assert 400 <= res.status_code < 500, res.status_code
    else:
        assert res.status_code == status, res.get_data(as_text=True)[:300]
    body = res.json
    assert body["status"] == res.status_code and body["title"] and body["type"]
    return body


DEPARTMENT = {"code": "new-dept", "name": "新部门", "level": "grid"}
MiB = 1024 * 1024


@pytest.mark.parametrize("raw", ['{"code": "x",', "{'code': 'x'}", '{"code": "x"} trailing', b"\xff\xfe{}"],
                         ids=["truncated", "single-quotes", "trailing-garbage", "not-utf8"])
def test_malformed_json_gets_400_problem_naming_the_body(client, session, admin_headers, raw):
    before = count(session, Department)
    res = client.post("/api/v1/departments", headers=admin_headers, data=raw, content_type="application/json")
    body = assert_problem(res, 400)
    assert "json" in body["errors"]
    assert count(session, Department) == before


def test_malformed_json_on_a_patch_gets_400_and_changes_nothing(client, session, admin_headers, org):
    url = f"/api/v1/departments/{org['street'].id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    res = client.patch(url, headers={**admin_headers, "If-Match": etag}, data='{"name": ', content_type="application/json")
    assert "json" in assert_problem(res, 400)["errors"]
    assert client.get(url, headers=admin_headers).headers["ETag"] == etag


def test_an_unknown_field_gets_422_naming_it(client, session, admin_headers):
    before = count(session, Department)
    res = client.post("/api/v1/departments", headers=admin_headers, json={**DEPARTMENT, "colour": "red"})
    body = assert_problem(res, 422)
    assert "colour" in body["errors"]["json"]
    assert count(session, Department) == before


def test_an_unknown_field_in_a_patch_gets_422(client, admin_headers, admin):
    url = f"/api/v1/users/{admin.id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    res = client.patch(url, headers={**admin_headers, "If-Match": etag}, json={"is_admin": True})
    assert "is_admin" in assert_problem(res, 422)["errors"]["json"]


def test_wrong_types_get_422_naming_every_field(client, session, admin_headers):
    before = count(session, Department)
    res = client.post("/api/v1/departments", headers=admin_headers,
                      json={"code": 5, "name": ["n"], "level": "grid", "sort_order": "high", "parent_id": {"id": 1}})
    errors = assert_problem(res, 422)["errors"]["json"]
    assert {"code", "name", "sort_order", "parent_id"} <= set(errors)
    assert count(session, Department) == before


@pytest.mark.parametrize("raw", ["null", "[1, 2]", '"a string"', "42", "true"])
def test_a_json_body_that_is_not_an_object_gets_422(client, session, admin_headers, raw):
    before = count(session, Department)
    res = client.post("/api/v1/departments", headers=admin_headers, data=raw, content_type="application/json")
    assert_problem(res, 422)
    assert count(session, Department) == before


@pytest.mark.parametrize("url", ["/api/v1/departments", "/api/v1/users", "/api/v1/tokens"])
def test_a_body_over_max_content_length_gets_413_problem(app, client, session, admin_headers, url):
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * MiB
    before = count(session, Department), count(session, User)
    padding = "x" * (3 * MiB)
    res = client.post(url, headers=admin_headers, content_type="application/json",
                      data=json.dumps({**DEPARTMENT, "description": padding}))
    assert_problem(res, 413)
    assert (count(session, Department), count(session, User)) == before


@pytest.mark.parametrize("content_type, data", [
    ("text/plain", "code=new-dept"),
    ("application/x-www-form-urlencoded", "code=new-dept&name=x&level=grid"),
    ("application/xml", "<department><code>new-dept</code></department>"),
    (None, json.dumps(DEPARTMENT)),
], ids=["text", "form", "xml", "none"])
def test_a_non_json_content_type_gets_a_4xx_problem(client, session, admin_headers, content_type, data):
    before = count(session, Department)
    kwargs = {"content_type": content_type} if content_type else {}
    res = client.post("/api/v1/departments", headers=admin_headers, data=data, **kwargs)
    assert_problem(res)
    assert count(session, Department) == before


@pytest.mark.parametrize("url, field", [
    ("/api/v1/departments?page=abc", "page"),
    ("/api/v1/departments?per_page=1.5", "per_page"),
    ("/api/v1/departments?per_page=100000", "per_page"),
    ("/api/v1/departments?level=planet", "level"),
    ("/api/v1/users?active=maybe", "active"),
    ("/api/v1/users?department_id=-1", "department_id"),
    ("/api/v1/tokens?include_revoked=2", "include_revoked"),
    ("/api/v1/audit?since=yesterday", "since"),
    ("/api/v1/audit?since=2025-01-01T00:00:00", "since"),  # no offset
])
def test_a_query_string_with_a_wrong_type_gets_422_naming_it(client, admin_headers, url, field):
    res = client.get(url, headers=admin_headers)
    assert field in assert_problem(res, 422)["errors"]["query"]


def test_an_unsupported_method_gets_a_405_problem(client, admin_headers):
    res = client.put("/api/v1/departments", headers=admin_headers, json=DEPARTMENT)
    assert_problem(res, 405)


@pytest.mark.parametrize("url", ["/api/v1/departments/2147483647", "/api/v1/users/2147483647", "/api/v1/departments/0"])
def test_an_unknown_id_gets_404_problem(client, admin_headers, url):
    assert_problem(client.get(url, headers=admin_headers), 404)


# --- known bugs (see the reasons) ------------------------------------------------------

@pytest.mark.parametrize("method, url", [
    ("get", "/api/v1/departments/2147483648"),
    ("get", "/api/v1/users/3563121348"),
    ("delete", "/api/v1/tokens/99999999999"),
])
def test_an_id_beyond_the_integer_column_gets_404_not_500(request, client, admin_headers, method, url):
    assert_problem(getattr(client, method)(url, headers=admin_headers), 404)


@pytest.mark.parametrize("method, url, body", [
    ("get", "/api/v1/departments?q=a%00b", None),
    ("get", "/api/v1/users?q=a%00b", None),
    ("get", "/api/v1/audit?action=a%00b", None),
    ("post", "/api/v1/departments", {**DEPARTMENT, "name": "a\x00b"}),
    ("post", "/api/v1/tokens", {"name": "a\x00b"}),
])
def test_a_nul_byte_in_a_string_never_gets_a_500(request, client, session, admin_headers, method, url, body):
    res = getattr(client, method)(url, headers=admin_headers, **({"json": body} if body is not None else {}))
    assert res.status_code < 500, res.get_data(as_text=True)[:300]
    if res.status_code >= 400:
        assert_problem(res)


@pytest.mark.parametrize("raw", [
    '{"code": "x", "name": "x", "level": "grid", "sort_order": 1' + "0" * 5000 + "}",
    "[" * 100_000 + "]" * 100_000,
], ids=["5000-digit-integer", "nested-100000-deep"])
def test_pathological_json_gets_400_not_500(client, session, admin_headers, raw):
    before = count(session, Department)
    res = client.post("/api/v1/departments", headers=admin_headers, data=raw, content_type="application/json")
    assert_problem(res, 400)
    assert count(session, Department) == before


@pytest.mark.parametrize("query", ["since=9999-12-31T23:59:59-23:59", "until=0001-01-01T00:00:00%2B14:00"])
def test_an_audit_time_beyond_the_calendar_gets_422_not_500(client, admin_headers, query):
    res = client.get(f"/api/v1/audit?{query}", headers=admin_headers)
    assert_problem(res, 422)


def test_an_if_match_naming_another_document_gets_412_and_changes_nothing(client, session, admin_headers, org, admin):
    url = f"/api/v1/departments/{org['street'].id}"
    res = client.patch(url, headers={**admin_headers, "If-Match": f'"user-{admin.id}-v1"'}, json={"name": "被覆盖"})
    assert_problem(res, 412)
    session.expire_all()
    assert session.get(Department, org["street"].id).name == "滨湖街道"
