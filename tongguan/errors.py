"""The shared domain errors, and the one place they become `application/problem+json`.

Services raise only these. The web layer maps them (and every HTTP error,
including webargs' validation errors) to RFC 9457 problem documents::

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422,
     "detail": "...", "errors": {"json": {"username": ["..."]}}, "request_id": "..."}
"""
from __future__ import annotations

from flask import g, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

PROBLEM = "application/problem+json"


class DomainError(Exception):
    status = 400
    title = "Bad Request"

    def __init__(self, detail: str = "", errors: dict | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors or {}


class Invalid(DomainError):
    """Validation failed; `errors` maps field paths to lists of messages."""

    status = 422
    title = "Unprocessable Content"


class ImportRejected(Invalid):
    """An import with bad rows: nothing was written. `rows` is the row-by-row report,
    each {"row": n (1-based, as the spreadsheet shows it), "field": name, "message": zh-CN text}."""

    def __init__(self, detail: str, rows: list[dict]):
        fields: dict[str, list[str]] = {}
        for r in rows:
            fields.setdefault("file", []).append(f"第 {r['row']} 行 {r.get('field') or ''}: {r['message']}".replace(" :", ":"))
        super().__init__(detail, fields)
        self.rows = rows


class NotFound(DomainError):
    status = 404
    title = "Not Found"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    title = "Unauthorized"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class BreaksDependants(Conflict):
    """A change that would break what depends on it: nothing was saved. `dependants` lists each
    {kind, id, code, name, problem}; the client shows them and may resend with confirm_breaking."""

    def __init__(self, detail: str, dependants: list[dict]):
        super().__init__(detail)
        self.dependants = dependants


class PreconditionFailed(DomainError):
    """An `If-Match` that no longer matches: someone else saved first."""

    status = 412
    title = "Precondition Failed"


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition Required"


class TooManyRequests(DomainError):
    status = 429
    title = "Too Many Requests"

    def __init__(self, detail: str = "", retry_after: int = 60):
        super().__init__(detail)
        self.retry_after = retry_after


def problem(status: int, title: str, detail: str = "", errors: dict | None = None, headers=None, extra=None):
    body = {"type": "about:blank", "title": title, "status": status, **(extra or {})}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body["instance"] = request.path
    rid = g.get("request_id")
    if rid:
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _wants_problem() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best in ("application/json", PROBLEM)


def init_app(app) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        if not _wants_problem():
            if isinstance(exc, Unauthorized):
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            return render_template("error.html", code=exc.status, detail=exc.detail), exc.status
        headers = {}
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="tongguan"'
        extra = ({"rows": exc.rows} if isinstance(exc, ImportRejected)
                 else {"dependants": exc.dependants} if isinstance(exc, BreaksDependants) else None)
        return problem(exc.status, exc.title, exc.detail, exc.errors, headers, extra)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if not _wants_problem():
            if exc.code in (400, 403, 404, 405, 413, 429):
                return render_template("error.html", code=exc.code, detail=""), exc.code
            return exc
        errors = None
        data = getattr(exc, "data", None) or {}
        if isinstance(data, dict) and "messages" in data:  # webargs/flask-smorest validation
            errors = data["messages"]
        detail = exc.description if isinstance(exc.description, str) else ""
        return problem(exc.code or 500, exc.name, detail, errors)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        app.logger.exception("unhandled error")
        if not _wants_problem():
            raise exc
        return problem(500, "Internal Server Error", "An unexpected error occurred; see the server log.")
