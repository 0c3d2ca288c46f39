"""API conventions shared by every blueprint: the flask-smorest `Api`, bearer and
cookie security schemes, the current actor, and ETag / If-Match helpers."""
from __future__ import annotations

import functools
import re

import flask_smorest
from flask import g, request
from webargs.flaskparser import FlaskParser

from .errors import PreconditionFailed, PreconditionRequired, Unauthorized
from .permissions import ANONYMOUS, Actor

class Parser(FlaskParser):
    """webargs, but a JSON body that Python's parser chokes on (a 5000-digit number,
    100,000 nested arrays) is a 400 like any other malformed JSON, not a 500."""

    def load_json(self, req, schema):
        try:
            return super().load_json(req, schema)
        except (ValueError, RecursionError) as exc:
            return self._handle_invalid_json_error(exc, req)


class Api(flask_smorest.Api):
    DEFAULT_ERROR_RESPONSE_NAME = "Problem"  # every error is problem+json, documented once

    # Callables returning {path: path item} added to the document at each request: routes whose
    # list lives in the database (each online data service is its own operation).
    dynamic_paths: list = []

    def _openapi_json(self):
        import copy

        import flask

        doc = self.spec.to_dict()
        if self.dynamic_paths:
            doc = copy.deepcopy(doc)
            for provider in self.dynamic_paths:
                doc["paths"].update(provider())
        return flask.current_app.response_class(flask.json.dumps(doc, indent=2, sort_keys=False),
                                                mimetype="application/json")


api = Api(
    spec_kwargs={
        "info": {
            "description": "Tongguan (统管) operations tool platform. Authenticate with "
            "`Authorization: Bearer <token>` (create one under 管理 > API 令牌 or with "
            "`tongguan token create`) or with the browser session cookie plus an `X-CSRFToken` header. "
            "Errors are `application/problem+json`."
        },
        "servers": [{"url": "/"}],
    }
)

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status"],
}


class Blueprint(flask_smorest.Blueprint):
    """A smorest blueprint whose operations are documented with their problem responses."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args, public: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.public = public

    def arguments(self, schema, *args, **kwargs):
        # one schema object per operation: given the class, the parser would build one (copying
        # every field) on each request
        return super().arguments(schema() if isinstance(schema, type) else schema, *args, **kwargs)

    def route(self, rule, *, parameters=None, **options):
        wrapper = super().route(rule, parameters=parameters, **options)

        def decorator(view):
            codes = ["400", "413", "422"] if self.public else ["400", "401", "403", "404", "413", "422"]
            for method in ("get", "post", "put", "patch", "delete"):
                fn = getattr(view, method, None)
                if fn is None:
                    continue
                doc = getattr(fn, "_apidoc", {})
                responses = doc.setdefault("manual_doc", {}).setdefault("responses", {})
                for code in codes:
                    responses.setdefault(code, {"$ref": "#/components/responses/Problem"})
                if not self.public:
                    doc["manual_doc"].setdefault("security", [{"bearerAuth": []}, {"cookieAuth": []}])
                fn._apidoc = doc
            return wrapper(view)

        return decorator


def init_app(app) -> None:
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme(
        "cookieAuth", {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]}
    )
    api.spec.components.schema("Problem", PROBLEM_SCHEMA)
    api.spec.components.response(
        "Problem",
        {"description": "An error (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
    )


def current_actor() -> Actor:
    return g.get("actor", ANONYMOUS)


def require_actor() -> Actor:
    actor = current_actor()
    if not actor.is_authenticated:
        raise Unauthorized("Authentication required.")
    return actor


# --- ETag / If-Match -----------------------------------------------------------------

_ETAG = re.compile(r'^(?:W/)?"([a-z_]+)-(\d+)-v(\d+)"$')


def etag(obj) -> str:
    """A document's entity tag: its table, id and version."""
    return f'"{obj.__tablename__}-{obj.id}-v{obj.version}"'


def with_etag(obj, status: int = 200):
    return obj, status, {"ETag": etag(obj)}


def if_match(model, id_arg: str):
    """Require `If-Match` on a write to a `model` document and pass its version as `if_version`.

    A missing header gets 428; an ETag of another document, or a stale one, gets 412
    (the second is decided by the service, which reads the current version)."""

    def decorate(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            header = request.headers.get("If-Match")
            if not header:
                raise PreconditionRequired("Send the document's ETag in If-Match to change it (GET it first).")
            match = _ETAG.match(header.strip())
            if not match or match.group(1) != model.__tablename__ or int(match.group(2)) != kwargs.get(id_arg):
                raise PreconditionFailed("If-Match does not name a version of this document.")
            kwargs["if_version"] = int(match.group(3))
            return view(*args, **kwargs)

        doc = getattr(view, "_apidoc", {})
        manual = doc.setdefault("manual_doc", {})
        manual.setdefault("parameters", []).append(
            {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
             "description": "The ETag from the last GET; a stale one gets 412"}
        )
        responses = manual.setdefault("responses", {})
        responses["412"] = {"$ref": "#/components/responses/Problem"}
        responses["428"] = {"$ref": "#/components/responses/Problem"}
        inner._apidoc = doc
        return inner

    return decorate
