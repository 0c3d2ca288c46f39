"""Tongguan (统管): the operations tool platform. `create_app` is the only place the
application is assembled; no app exists at import time."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

BLUEPRINTS = [
    "tongguan.health:blp",
    "tongguan.accounts.api:blp",
    "tongguan.audit.api:blp",
    "tongguan.inbox.api:blp",
    "catalog.resources.api:blp",
    "catalog.matters.api:blp",
    "catalog.tags.api:blp",
    "catalog.registry.api:blp",
    "builder.api:blp",
    "builder.run_api:blp",
    "builder.packages.api:blp",
    "builder.component_api:blp",
    "builder.composites.api:blp",
    "builder.environments.api:blp",
    "builder.api_services.api:blp",
    "runtime.sources.api:blp",
    "runtime.services.api:blp",
    "runtime.indicators.api:blp",
    "runtime.alerts.api:blp",
    "runtime.events.api:blp",
    "runtime.flows.api:blp",
    "report_engine.api:blp",
    "templates_lib.api:blp",
]
PLAIN_BLUEPRINTS = ["runtime.open311.api:blp", "builder.api_services.api:open_blp", "builder.component_api:assets_blp"]


def create_app(config: dict | None = None, *, check_db: bool | None = None) -> Flask:
    """Build the app: defaults, environment (`TONGGUAN_*`), then `config`.

    Refuses to start when the database's schema is behind the code's migrations
    (unless `check_db` is False, as for `tongguan db upgrade` itself)."""
    import importlib

    from . import api, auth, config as config_mod, db, errors, i18n, logs, vite
    from .web import views

    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
    )
    config_mod.load(app, config)
    app.json.ensure_ascii = False  # Chinese stays readable in API answers
    logs.setup(app)
    from . import crypto

    crypto.configure(app.config["SECRET_KEY"])
    from runtime.sources import httpjson

    httpjson.configure(app.config["HTTP_SOURCE_ALLOWED_HOSTS"])  # webhooks are sent by jobs, outside requests
    from runtime.events import deadlines

    deadlines.configure(app.config["EVENT_DUE_SOON_SHARE"])
    from builder import packages

    packages.configure(app.instance_path, app.config)  # the signing key's place and the size limits
    db.import_models()
    db.init_app(app)
    if check_db if check_db is not None else app.config["CHECK_MIGRATIONS"]:
        db.check_revision(app.extensions["tongguan.engine"])
    from catalog import registry

    from . import jobs

    jobs.init_app(app)
    from report_engine import jobs as report_jobs

    report_jobs.configure(app)  # report jobs run outside requests: storage, time zone, mail, the back end

    registry.init_app(app)  # built-in components register themselves (skipped before migrations)
    i18n.init_app(app)
    vite.init_app(app)
    auth.init_app(app)
    api.init_app(app)
    for target in BLUEPRINTS:
        module, _, name = target.partition(":")
        api.api.register_blueprint(getattr(importlib.import_module(module), name))
    for target in PLAIN_BLUEPRINTS:  # not /api/v1: their own specifications, outside the OpenAPI document
        module, _, name = target.partition(":")
        app.register_blueprint(getattr(importlib.import_module(module), name))
    views.init_app(app)
    errors.init_app(app)  # last: takes over flask-smorest's JSON error handler
    return app
