"""Who is calling: a bearer API token (machines) or the session cookie (browsers).

Browser writes are CSRF-checked; bearer calls are not (they carry no ambient
credential). Sets `g.actor` for every request.
"""
from __future__ import annotations

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect

from .accounts.models import User
from .accounts.service import actor_for_token
from .db import get_session
from .errors import Unauthorized
from .permissions import ANONYMOUS, Actor

csrf = CSRFProtect()

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# Blueprints whose writes carry their own credential in the body (Open311's api_key), never
# the session cookie: a forged cross-site form gains nothing, so no CSRF token is asked for.
OWN_CREDENTIALS = {"open311"}
# Blueprints that read `Authorization: Bearer` themselves: an API service's scoped token is no
# account's token (builder.api_services). Their routes are GETs, so no CSRF token is asked for.
OWN_BEARER = {"api_open"}


def login_user(user: User) -> None:
    session.clear()
    session["uid"] = user.id
    session.permanent = True


def logout_user() -> None:
    session.clear()


def _load_actor() -> None:
    g.actor = ANONYMOUS
    db = get_session()
    db.info["request_id"] = g.get("request_id", "")
    db.info["ip"] = request.remote_addr or ""
    if request.blueprint in OWN_BEARER:
        return
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.")
        actor = actor_for_token(db, secret.strip())
        if actor is None:
            db.rollback()
            raise Unauthorized("The API token is unknown, revoked or expired.")
        if db.info.pop("token_touched", False):
            db.commit()  # kept even when the request itself fails and rolls back
        g.actor = actor
        return
    uid = session.get("uid")
    if uid is not None and request.blueprint not in OWN_CREDENTIALS:
        user = db.get(User, uid)
        if user is None or not user.is_active:
            session.clear()
        else:
            g.actor = Actor.for_user(user, via="session")
    if request.method not in SAFE_METHODS and request.blueprint not in OWN_CREDENTIALS:
        if request.mimetype == "multipart/form-data":
            # csrf.protect() reads the form, so an upload's larger limit must be set before it;
            # each upload view still checks its own kind's limit on the stored bytes.
            request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]
        csrf.protect()


def init_app(app) -> None:
    csrf.init_app(app)
    app.before_request(_load_actor)

    @app.context_processor
    def _actor():
        return {"actor": g.get("actor", ANONYMOUS)}
