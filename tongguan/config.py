"""Configuration: defaults, then `TONGGUAN_*` environment variables, then a test mapping.

Every key below can be set from the environment with the `TONGGUAN_` prefix
(`TONGGUAN_DATABASE_URL=...`). Values are parsed as JSON when they parse
(`TONGGUAN_LOGIN_MAX_FAILURES=5` is an int), else taken as strings. The README's
configuration table is generated from `DOCUMENTED`.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_PREFIX = "TONGGUAN"

# key -> (default, description); a default of None is computed from the instance path.
DOCUMENTED: dict[str, tuple[object, str]] = {
    "DATABASE_URL": (None, "SQLAlchemy URL; default a SQLite file `instance/tongguan.db`. "
                           "Production: `postgresql+psycopg://user@host/db`"),
    "SECRET_KEY": (None, "Session signing key; default generated once into `instance/secret_key`"),
    "STORAGE_PATH": (None, "Where uploaded and generated files live; default `instance/storage`"),
    "JOB_BACKEND": ("inprocess", "`inprocess` (one machine) or `celery` (several machines)"),
    "CELERY_BROKER_URL": ("redis://127.0.0.1:6379/0", "Broker for the `celery` job back end"),
    "BABEL_DEFAULT_LOCALE": ("zh_CN", "Default UI language (`zh_CN` or `en`)"),
    "TIMEZONE": ("Asia/Shanghai", "The city's time zone, for display, schedules and deadlines"),
    "MAX_CONTENT_LENGTH": (2 * 1024 * 1024, "Largest accepted request body in bytes (413 above)"),
    "UPLOAD_MAX_BYTES": (200 * 1024 * 1024, "Largest uploaded file (video, documents) in bytes; "
                                            "per-kind limits in `tongguan/files/kinds.py` are lower"),
    "DATA_SOURCE_SQLITE_DIRS": ([], "Directories whose SQLite files may be registered as data sources "
                                   "(JSON list; none by default: a SQLite source could read any file)"),
    "HTTP_SOURCE_ALLOWED_HOSTS": ([], "Hosts on internal addresses that HTTP JSON sources may call (JSON list)"),
    "EVENT_DUE_SOON_SHARE": (0.8, "Share of an event's time limit after which its department is told it is due soon"),
    "OPEN311_JURISDICTION": ("linjiang", "The jurisdiction_id Open311 clients may send (others get 404)"),
    "OPEN311_CONTACT": ("临江市城市运行管理中心 12345", "The contact in Open311 discovery"),
    "LOGIN_MAX_FAILURES": (5, "Bad passwords before a login is throttled"),
    "LOGIN_LOCKOUT_SECONDS": (900, "How long a throttled login stays locked"),
    "LOG_FORMAT": ("json", "`json` (one object per line) or `text`"),
    "LOG_LEVEL": ("INFO", "Python logging level"),
    "SESSION_COOKIE_SECURE": (False, "Send the session cookie over HTTPS only (set true behind TLS)"),
    "ORG_NAME": ("临江市城市运行管理中心", "Organisation name shown in the UI and reports"),
    "PACKAGE_SIGNING_KEY": (None, "The platform's Ed25519 package-signing key (PKCS8 PEM text); default generated "
                                  "once into `instance/keys/package_signing.pem`. Set the same key on every machine"),
    "PACKAGE_MAX_BYTES": (50 * 1024 * 1024, "Largest resource package accepted, in bytes"),
    "PACKAGE_MAX_UNPACKED_BYTES": (200 * 1024 * 1024, "Largest total unpacked size of a package (zip bombs are refused)"),
    "PACKAGE_MAX_ENTRIES": (10_000, "Most files in one package"),
    "COMPONENT_PACKAGES_ALLOW_UNSIGNED": (False, "Accept third-party component packages without a trusted signature "
                                                 "when the upload asks for it (development only)"),
    "SMTP_HOST": ("", "Mail server for scheduled reports (the PDF to each address of a schedule); empty: no mail"),
    "SMTP_PORT": (25, "Port of `SMTP_HOST`"),
    "SMTP_FROM": ("", "Sender of report mails; default `tongguan@` followed by `SMTP_HOST`"),
    "SMTP_USER": ("", "User name on `SMTP_HOST` (empty: no login)"),
    "SMTP_PASSWORD": ("", "Password on `SMTP_HOST`"),
    "SMTP_STARTTLS": (False, "Switch to TLS with STARTTLS before logging in"),
    "REPORT_CHART_PROCESSES": (2, "Worker processes drawing a report's charts side by side (each started on first "
                                  "use, about 150 MB); 0 draws them in the rendering process"),
}


def load(app, test_config: dict | None = None) -> None:
    """Fill `app.config`; create the instance folder and the secret key on first run."""
    instance = Path(os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH", app.instance_path))
    app.instance_path = str(instance)
    instance.mkdir(parents=True, exist_ok=True)

    for key, (default, _) in DOCUMENTED.items():
        if default is not None:
            app.config[key] = default
    app.config.update(
        DATABASE_URL=f"sqlite:///{instance / 'tongguan.db'}",
        STORAGE_PATH=str(instance / "storage"),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="tongguan_session",
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in auth.before_request: bearer calls are exempt
        WTF_CSRF_TIME_LIMIT=None,
        CHECK_MIGRATIONS=True,
        API_TITLE="Tongguan API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/static/vendor/swagger-ui/",
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None},  # no badge fetched from swagger.io
    )
    app.config.from_prefixed_env(ENV_PREFIX)
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    Path(app.config["STORAGE_PATH"]).mkdir(parents=True, exist_ok=True)


def _instance_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
