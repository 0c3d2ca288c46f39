"""/api/openapi.json is a valid OpenAPI 3 document describing every route, and
/api/docs shows it with the Swagger UI served from our own static files."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

PROBLEM = "application/problem+json"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Documents that carry an ETag: changing or deleting them needs If-Match.
ETAG_DOCUMENTS = ("/api/v1/departments/{department_id}", "/api/v1/users/{user_id}",
                  "/api/v1/directories/{directory_id}", "/api/v1/resources/{resource_id}",
                  "/api/v1/matters/{matter_id}", "/api/v1/domain-catalogs/{catalog_id}",
                  "/api/v1/domain-catalogs/{catalog_id}/items/{item_id}", "/api/v1/tags/{tag_id}",
                  "/api/v1/components/{code}", "/api/v1/data-sources/{source_id}",
                  "/api/v1/data-services/{service_id}", "/api/v1/indicators/{indicator_id}",
                  "/api/v1/alert-rules/{rule_id}", "/api/v1/apps/{app_id}", "/api/v1/flows/{flow_id}",
                  "/api/v1/apps/{app_id}/pages/{page_id}", "/api/v1/apps/{app_id}/pages/{page_id}/document",
                  "/api/v1/apps/{app_id}/api-services/{api_service_id}",
                  "/api/v1/environments/{environment_id}", "/api/v1/composites/{composite_id}",
                  "/api/v1/report-templates/{template_id}", "/api/v1/report-schedules/{schedule_id}")


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: `/users/<int:user_id>` -> `/users/{user_id}`."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def documented_rules(app):
    """(OpenAPI path, lower-case method) for every route the document must describe."""
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/v1") or rule.rule in ("/healthz", "/readyz")):
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield openapi_path(rule.rule), method.lower()


def api_operations(spec):
    """(path, method, operation) for every operation under /api/v1."""
    for path, item in spec["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method in ("get", "put", "post", "patch", "delete"):
            if method in item:
                yield path, method, item[method]


def resolve(spec, obj):
    """Follow a local `$ref` (chains included)."""
    while isinstance(obj, dict) and "$ref" in obj:
        node = spec
        for part in obj["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def parameters(spec, path, operation):
    """The operation's parameters, path-level ones included."""
    item = spec["paths"][path]
    return [resolve(spec, p) for p in item.get("parameters", []) + operation.get("parameters", [])]


@pytest.fixture
def spec(client):
    res = client.get("/api/openapi.json")
    assert res.status_code == 200
    return res.json


def test_the_openapi_document_is_public_and_valid_openapi_3(client):
    res = client.get("/api/openapi.json")  # no Authorization header, no session
    assert res.status_code == 200
    assert res.mimetype == "application/json"
    document = res.json
    assert document["openapi"].startswith("3.")
    validate(document)  # raises on any violation of the OpenAPI 3.x schema


def test_openapi_path_converts_flask_rules():
    assert openapi_path("/api/v1/users/<int:user_id>") == "/api/v1/users/{user_id}"
    assert openapi_path("/api/v1/a/<name>/b/<path:rest>") == "/api/v1/a/{name}/b/{rest}"


def test_every_api_route_is_in_the_openapi_document(app, spec):
    expected = set(documented_rules(app))
    assert ("/healthz", "get") in expected and ("/readyz", "get") in expected
    assert any(path.startswith("/api/v1/") for path, _ in expected)
    missing = sorted(
        f"{method.upper()} {path}" for path, method in expected
        if method not in spec["paths"].get(path, {})
    )
    assert not missing, f"routes missing from /api/openapi.json: {missing}"


def test_the_openapi_document_describes_no_route_that_does_not_exist(app, spec):
    routes = set(documented_rules(app))
    extra = sorted(
        f"{method.upper()} {path}" for path, item in spec["paths"].items()
        for method in ("get", "put", "post", "patch", "delete") if method in item
        if (path, method) not in routes
    )
    assert not extra, f"documented but not routed: {extra}"


def test_every_api_operation_documents_a_problem_json_error_response(spec):
    missing = []
    for path, method, operation in api_operations(spec):
        errors = {
            code: resolve(spec, response) for code, response in operation["responses"].items()
            if code.startswith(("4", "5"))
        }
        if not any(PROBLEM in r.get("content", {}) for code, r in errors.items() if code in ("400", "422")):
            missing.append(f"{method.upper()} {path}")
    assert not missing, f"operations without a 400/422 application/problem+json response: {missing}"


def test_the_problem_schema_describes_rfc_9457_documents(spec):
    problem = resolve(spec, spec["components"]["responses"]["Problem"])
    schema = resolve(spec, problem["content"][PROBLEM]["schema"])
    assert set(schema["required"]) >= {"type", "title", "status"}
    assert {"detail", "instance", "errors"} <= set(schema["properties"])


def test_every_documented_error_response_is_problem_json(spec):
    wrong = []
    for path, method, operation in api_operations(spec):
        for code, response in operation["responses"].items():
            if code.startswith(("4", "5")) or code == "default":
                content = resolve(spec, response).get("content", {})
                if set(content) != {PROBLEM}:
                    wrong.append(f"{method.upper()} {path} {code}: {sorted(content)}")
    assert not wrong, "error responses not documented as application/problem+json:\n" + "\n".join(wrong)


def test_every_api_operation_requires_authentication(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["cookieAuth"]["in"] == "cookie"
    missing = []
    for path, method, operation in api_operations(spec):
        security = operation.get("security", spec.get("security"))
        if not security or not all(set(requirement) <= set(schemes) for requirement in security):
            missing.append(f"{method.upper()} {path}")
        elif {"bearerAuth"} not in [set(requirement) for requirement in security]:
            missing.append(f"{method.upper()} {path} (no bearerAuth)")
    assert not missing, f"operations without a security requirement: {missing}"


def test_health_checks_are_documented_as_public(spec):
    for path in ("/healthz", "/readyz"):
        assert not spec["paths"][path]["get"].get("security", spec.get("security"))


def test_writes_to_documents_with_an_etag_document_the_if_match_header(spec):
    missing = []
    for path in ETAG_DOCUMENTS:
        item = spec["paths"][path]
        writes = [m for m in ("put", "patch", "delete") if m in item]
        assert writes, f"{path} has no write operation"
        for method in writes:
            headers = {p["name"].lower(): p for p in parameters(spec, path, item[method]) if p["in"] == "header"}
            if_match = headers.get("if-match")
            if not if_match or not if_match.get("required"):
                missing.append(f"{method.upper()} {path}")
                continue
            codes = set(item[method]["responses"])
            if not {"412", "428"} <= codes:
                missing.append(f"{method.upper()} {path} (412/428 not documented)")
    assert not missing, f"writes without a required If-Match header: {missing}"


def test_every_path_parameter_is_declared(spec):
    problems = []
    for path, method, operation in api_operations(spec):
        declared = {p["name"] for p in parameters(spec, path, operation) if p["in"] == "path"}
        used = set(re.findall(r"{([^}]+)}", path))
        if declared != used:
            problems.append(f"{method.upper()} {path}: declared {sorted(declared)}, in path {sorted(used)}")
    assert not problems, problems


def test_swagger_ui_uses_only_local_assets(client):
    res = client.get("/api/docs")
    assert res.status_code == 200
    assert res.mimetype == "text/html"
    html = res.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/" in html
    assert "/api/openapi.json" in html
    remote = re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>]*", html)
    assert not remote, f"Swagger UI page loads from other hosts: {remote}"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    for asset in assets:
        assert asset.startswith("/static/vendor/swagger-ui/"), asset
        served = client.get(asset)
        assert served.status_code == 200, f"{asset} is not served"
        served.close()
