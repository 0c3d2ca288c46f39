"""The `tongguan` command: serve, db upgrade/backup/restore, demo seed, user and token creation."""
from __future__ import annotations

import getpass
import os
import sys

import click

from .permissions import Actor


def _app(check_db: bool = True):
    from . import create_app

    return create_app(check_db=check_db)


def _session(app):
    return app.extensions["tongguan.sessionmaker"]()


@click.group()
def main():
    """Tongguan (统管) operations tool platform."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=int(os.environ.get("TONGGUAN_WORKERS", 2)), show_default=True, type=int,
              help="gunicorn worker processes")
@click.option("--threads", default=int(os.environ.get("TONGGUAN_THREADS", 4)), show_default=True, type=int,
              help="threads per worker (a slow request does not hold a whole worker)")
def serve(host, port, workers, threads):
    """Serve the platform with gunicorn (refuses to start if migrations are behind)."""
    from gunicorn.app.base import BaseApplication

    from .db import MigrationsBehind, describe_url

    try:
        app = _app()
    except MigrationsBehind as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"Tongguan serving on http://{host}:{port}  ·  database {describe_url(app.config['DATABASE_URL'])}"
        f"  ·  jobs {app.config['JOB_BACKEND']}  ·  workers {workers} × {threads} threads"
    )

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("threads", threads)
            self.cfg.set("accesslog", None)
            self.cfg.set("timeout", 120)

        def load(self):
            application = _app()
            application.extensions["tongguan.jobs"].start_scheduler()  # periodic jobs; each tick runs once
            return application

    del app
    Server().run()


@main.group()
def jobs():
    """Background jobs (in-process, or Celery workers over Redis)."""


@jobs.command("worker")
@click.option("--beat/--no-beat", default=False, help="also run the schedule of periodic jobs (one per cluster)")
@click.option("--concurrency", default=2, show_default=True, type=int)
@click.option("--queue", default=os.environ.get("TONGGUAN_CELERY_QUEUE", "tongguan"), show_default=True)
def jobs_worker(beat, concurrency, queue):
    """Run a Celery worker for JOB_BACKEND=celery (broker: CELERY_BROKER_URL)."""
    app = _app()
    from .jobs.worker import make_celery

    celery = make_celery(app.config["CELERY_BROKER_URL"])
    argv = ["worker", f"--concurrency={concurrency}", f"--queues={queue}", "--loglevel=INFO"]
    if beat:
        argv.append("--beat")
    celery.worker_main(argv)


@jobs.command("run")
@click.argument("name")
@click.option("--tick", default=None, help="the tick to run for (default: a new manual one)")
def jobs_run(name, tick):
    """Run one job now, in this process (a tick that already ran is skipped)."""
    import uuid

    from .jobs import JOBS, run

    app = _app()  # registers every job
    if name not in JOBS:
        raise click.ClickException(f"no job named {name}; known: {', '.join(sorted(JOBS))}")
    outcome = run(app.extensions["tongguan.sessionmaker"], name, tick or f"manual-{uuid.uuid4().hex[:12]}")
    click.echo(f"{name}: {outcome.state} (attempt {outcome.attempts}) {outcome.result or ''}")


@jobs.command("selftest")
@click.option("--timeout", default=30, show_default=True, type=int)
def jobs_selftest(timeout):
    """Send a self-test job through the configured back end and wait for it."""
    import uuid

    from .jobs import submit

    app = _app()
    handle = submit(app, "jobs.selftest", f"selftest-{uuid.uuid4().hex[:12]}")
    result = handle.result(timeout=timeout) if hasattr(handle, "done") else handle.get(timeout=timeout)
    click.echo(f"{app.config['JOB_BACKEND']}: {result}")


@main.group()
def db():
    """Database schema and backups."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision):
    """Bring the database to the newest schema (safe to run again)."""
    from .db import current_revision, describe_url, upgrade

    app = _app(check_db=False)
    engine = app.extensions["tongguan.engine"]
    before = current_revision(engine)
    upgrade(engine, revision)
    click.echo(f"{describe_url(str(engine.url))}: {before or 'empty'} -> {current_revision(engine)}")


@db.command("current")
def db_current():
    """Print the database's revision and the code's head."""
    from .db import current_revision, head_revision

    app = _app(check_db=False)
    click.echo(f"database: {current_revision(app.extensions['tongguan.engine'])}  head: {head_revision()}")


@db.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message):
    """(developers) Autogenerate a migration from the models."""
    from alembic import command

    from .db import alembic_config

    app = _app(check_db=False)
    command.revision(alembic_config(app.extensions["tongguan.engine"]), message=message, autogenerate=True)


@db.command("backup")
@click.argument("archive", type=click.Path(dir_okay=False, writable=True))
def db_backup(archive):
    """Write every table and stored file into a portable zip archive."""
    from .backup import backup

    app = _app()
    summary = backup(app.extensions["tongguan.engine"], app.config["STORAGE_PATH"], archive)
    click.echo(f"wrote {archive}: {summary['rows']} rows in {summary['tables']} tables, {summary['files']} files")


@db.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def db_restore(archive):
    """Restore an archive into an empty database (of either engine)."""
    from .backup import RestoreError, restore

    app = _app(check_db=False)
    try:
        summary = restore(app.extensions["tongguan.engine"], app.config["STORAGE_PATH"], archive)
    except RestoreError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {summary['rows']} rows in {summary['tables']} tables, {summary['files']} files")


@main.group()
def demo():
    """The demo organisation."""


@demo.command("seed")
def demo_seed():
    """Create the demo departments and one user per role (idempotent)."""
    from .demo import DEMO_PASSWORD, USERS, seed

    app = _app()
    with app.app_context():
        session = _session(app)
        added = seed(session)
        session.commit()
        from .db import refresh_statistics

        refresh_statistics(session.connection())
        session.commit()
    click.echo(f"demo seed: +{added['departments']} departments, +{added['users']} users, +{added.get('resources', 0)} catalog resources")
    click.echo("demo logins (password " + DEMO_PASSWORD + "): " + ", ".join(f"{u[0]} ({u[3][0]})" for u in USERS))


@main.group()
def user():
    """Users."""


@user.command("create")
@click.argument("username")
@click.option("--display-name", default=None)
@click.option("--department", "department_code", default=None, help="department code")
@click.option("--role", "roles", multiple=True, help="role code; repeat for several")
@click.option("--password", default=None, help="prompted for when omitted")
def user_create(username, display_name, department_code, roles, password):
    """Create a user."""
    from sqlalchemy import select

    from .accounts import service
    from .accounts.models import Department
    from .errors import DomainError

    app = _app()
    if password is None:
        password = getpass.getpass("Password: ")
    with app.app_context():
        session = _session(app)
        dept_id = None
        if department_code:
            dept_id = session.scalar(select(Department.id).where(Department.code == department_code))
            if dept_id is None:
                raise click.ClickException(f"no department with code {department_code}")
        try:
            created = service.user_create(session, Actor.system("cli"), {
                "username": username, "display_name": display_name or username, "department_id": dept_id,
                "roles": list(roles), "password": password, "email": "", "phone": "", "is_active": True, "locale": "",
            })
        except DomainError as exc:
            raise click.ClickException(f"{exc.detail} {exc.errors}") from None
        session.commit()
        click.echo(f"created user {created.username} (id {created.id})")


@main.group()
def token():
    """API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
@click.option("--days", default=None, type=int, help="expires after this many days; never by default")
def token_create(username, name, days):
    """Create an API token for USERNAME and print its secret (shown once)."""
    from sqlalchemy import select

    from .accounts import service
    from .accounts.models import User

    app = _app()
    with app.app_context():
        session = _session(app)
        owner = session.scalar(select(User).where(User.username == username))
        if owner is None:
            raise click.ClickException(f"no user {username}")
        _, secret = service.token_create(session, Actor.system("cli"), {"name": name, "expires_in_days": days},
                                         user_id=owner.id)
        session.commit()
    click.echo(secret)


@main.group()
def report():
    """Reports (报告)."""


@report.command("render")
@click.argument("code")
@click.option("--date", "day", required=True, help="the report's date, YYYY-MM-DD")
@click.option("--area", default="", help="an area (district) the template's variables filter by")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True), help="the PDF to write")
def report_render(code, day, area, out):
    """Generate report CODE for --date, archive it and write its PDF to --out."""
    import datetime as dt
    import shutil
    from zoneinfo import ZoneInfo

    from report_engine import service

    from .errors import DomainError

    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise click.BadParameter("expected YYYY-MM-DD", param_hint="--date") from None
    app = _app()
    try:
        with app.app_context(), _session(app) as session:
            actor = Actor.system("cli")
            try:
                run = service.report_render(session, actor, code, {"date": date, "area": area},
                                            storage_path=app.config["STORAGE_PATH"],
                                            tz=ZoneInfo(app.config["TIMEZONE"]))
            except DomainError as exc:
                raise click.ClickException(f"{exc.detail} {exc.errors or ''}".strip()) from None
            session.commit()
            if run.state != "succeeded":
                raise click.ClickException(f"report {run.id} failed:\n{run.message}")
            _, path = service.report_run_pdf(session, actor, run.id, storage_path=app.config["STORAGE_PATH"])
            shutil.copyfile(path, out)
    finally:  # the report jobs keep a reference to the last app made in a process: its connections go now
        app.extensions["tongguan.engine"].dispose()
    click.echo(f"report {run.id}: {run.pages} pages, digest {run.digest[:12]}, written to {out}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
