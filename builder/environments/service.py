"""Environments and deployments: register other instances (their API token kept encrypted),
check them, deploy an app's release to several at once, roll one back, and read the history.

Deploying exports the release once as a signed package (`builder.transfer.app_export`), sends
it to each environment concurrently (import as a new version, then activate the release there:
see `deploy`), and records one `Deployment` per environment: one that fails does not undo the
others, and each says what happened. Nothing is written before the environments have answered,
so no database lock is held while waiting on the network (an instance may deploy to itself)."""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongguan import crypto
from tongguan.accounts.models import User
from tongguan.db import utcnow
from tongguan.errors import Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from .. import service as apps, transfer
from ..packages import signing
from . import deploy as remote
from .models import Deployment, Environment

MAX_PARALLEL = 8


def _environment(session: Session, environment_id: int) -> Environment:
    env = session.get(Environment, environment_id)
    if env is None:
        raise NotFound(f"Environment {environment_id} does not exist.")
    return env


def token_of(env: Environment) -> str:
    """The environment's API token, decrypted: for calling it, never for showing."""
    try:
        return crypto.decrypt(env.secret).get("token", "")
    except crypto.SecretUnreadable as exc:
        raise Invalid(str(exc), {"token": ["已保存的令牌无法解密（系统密钥已更换），请重新填写 (the stored token "
                                           "cannot be decrypted: the secret key changed; enter it again)"]}) from exc


def _who(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.id) if actor.id is not None else None
    return (user.display_name or user.username) if user is not None else actor.username


def _fields(data: dict, errors: dict) -> dict:
    """The writable fields of `data`, the URL normalised (no trailing slash) and checked."""
    out = {k: data[k] for k in ("name", "note") if k in data}
    if "url" in data:
        url = (data["url"] or "").strip().rstrip("/")
        problem = remote.url_problem(url)
        if problem:
            errors["url"] = [problem]
        out["url"] = url
    return out


# --- environments ----------------------------------------------------------------------------------

@action("environment.manage")
def environment_list(session: Session, actor: Actor, *, q=None, page=1, per_page=50) -> Page:
    stmt = select(Environment).order_by(Environment.code)
    if q:
        stmt = stmt.where(Environment.name.ilike(f"%{q}%") | Environment.code.ilike(f"%{q}%"))
    return paginate(session, stmt, page, per_page)


@action("environment.manage")
def environment_get(session: Session, actor: Actor, environment_id: int) -> Environment:
    return _environment(session, environment_id)


@action("environment.manage")
def environment_create(session: Session, actor: Actor, data: dict) -> Environment:
    """Register an environment: code, name, url (http or https), token (an API token of a user
    with app.manage there), note."""
    errors: dict = {}
    fields = _fields(data, errors)
    if session.scalar(select(Environment.id).where(Environment.code == data["code"])):
        errors["code"] = [f"编码 {data['code']} 已被使用 (code already in use)"]
    if not (data.get("token") or "").strip():
        errors["token"] = ["请填写对方平台的 API 令牌 (give an API token of the environment)"]
    if errors:
        raise Invalid("The environment is not valid.", errors)
    env = Environment(code=data["code"], **fields, secret=crypto.encrypt({"token": data["token"].strip()}),
                      created_by=actor.id)
    try:
        with session.begin_nested():  # someone registering the same code at the same moment
            session.add(env)
    except IntegrityError:
        raise Invalid("The environment is not valid.", {"code": ["编码刚被他人使用 (code taken meanwhile)"]}) from None
    return env


@action("environment.manage")
def environment_update(session: Session, actor: Actor, environment_id: int, data: dict,
                       if_version: int | None = None) -> Environment:
    """Change name, url, note or the token (a new token replaces the old; none keeps it)."""
    env = _environment(session, environment_id)
    check_version(env, if_version)
    errors: dict = {}
    fields = _fields(data, errors)
    if errors:
        raise Invalid("The environment is not valid.", errors)
    for key, value in fields.items():
        setattr(env, key, value)
    if (data.get("token") or "").strip():
        env.secret = crypto.encrypt({"token": data["token"].strip()})
    session.flush()
    return env


@action("environment.manage")
def environment_delete(session: Session, actor: Actor, environment_id: int, if_version: int | None = None) -> None:
    """Forget an environment and its deployment history (the audit log keeps both)."""
    env = _environment(session, environment_id)
    check_version(env, if_version)
    session.delete(env)
    session.flush()


@action("environment.manage")
def environment_check(session: Session, actor: Actor, environment_id: int) -> dict:
    """Ask the environment: reachable and ready, its schema revision, the token's user and whether
    it may deploy, whether it trusts this platform's signing key; `ok` when all hold."""
    env = _environment(session, environment_id)
    found = remote.check(env.url, token_of(env), signing.platform_key().fingerprint)
    found["ok"] = found["ready"] and found["can_deploy"] and bool(found["trusts_us"]) and not found["problems"]
    return found


# --- deployments -----------------------------------------------------------------------------------

def _push(env_url: str, token: str, package: bytes) -> tuple[dict | None, str]:
    try:
        return remote.push(env_url, token, package), ""
    except remote.RemoteError as exc:
        return None, exc.message


@action("environment.manage")
def deploy(session: Session, actor: Actor, app_id: int, number: int, environment_ids: list[int]) -> list[Deployment]:
    """Deploy release `number` of the app to each environment: the signed package is imported there
    (as a new version when the app exists) and the resulting release activated. One Deployment per
    environment, succeeded or failed with the reason; a failure elsewhere changes nothing here."""
    ids = list(dict.fromkeys(environment_ids))
    if not ids:
        raise Invalid("No environment chosen.", {"environment_ids": ["请至少选择一个环境 (choose an environment)"]})
    envs = {i: session.get(Environment, i) for i in ids}
    missing = [i for i, env in envs.items() if env is None]
    if missing:
        raise Invalid("Unknown environments.", {"environment_ids": [f"环境 {', '.join(map(str, missing))} 不存在 "
                                                                    f"(no such environment)"]})
    app = apps._app(session, app_id)  # noqa: SLF001
    package = transfer.app_export(session, actor, app_id, number)
    digest = hashlib.sha256(package).hexdigest()
    targets = [(env, token_of(env)) for env in envs.values()]
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(targets))) as pool:
        results = list(pool.map(lambda t: _push(t[0].url, t[1], package), targets))
    who, now = _who(session, actor), utcnow()
    made = []
    for (env, _), (answer, message) in zip(targets, results):
        made.append(Deployment(
            environment_id=env.id, app_id=app.id, app_code=app.code, release_number=number, package_sha256=digest,
            state="succeeded" if answer else "failed",
            message=message or (f"已部署为对方的第 {answer['release']} 版并激活 (deployed as release "
                                f"{answer['release']} there and activated)"),
            remote_app_id=answer["app_id"] if answer else None, remote_release=answer["release"] if answer else None,
            created_by=actor.id, created_by_name=who, created_at=now, finished_at=utcnow()))
    session.add_all(made)
    session.flush()
    return made


@action("environment.manage")
def rollback(session: Session, actor: Actor, deployment_id: int) -> Deployment:
    """Undo a succeeded deployment: activate there again the release of the app's previous
    succeeded deployment to that environment. Recorded as a new Deployment (rolled_back_from)."""
    done = session.get(Deployment, deployment_id)
    if done is None:
        raise NotFound(f"Deployment {deployment_id} does not exist.")
    if done.state != "succeeded":
        raise Invalid("Only a succeeded deployment can be rolled back.",
                      {"deployment": ["只有成功的部署才能回滚 (only a succeeded deployment can be rolled back)"]})
    before = session.scalar(
        select(Deployment).where(Deployment.environment_id == done.environment_id, Deployment.app_id == done.app_id,
                                 Deployment.state == "succeeded", Deployment.remote_release.is_not(None),
                                 Deployment.id < done.id)
        .order_by(Deployment.id.desc()).limit(1))
    if before is None:
        raise Invalid("Nothing to roll back to.", {"deployment": [
            "该环境上此前没有成功部署过这个应用，无可回滚 (no earlier succeeded deployment of this app there)"]})
    env = _environment(session, done.environment_id)
    try:
        remote.activate(env.url, token_of(env), before.remote_app_id, before.remote_release)
        state, message = "succeeded", (f"已回滚：重新激活对方的第 {before.remote_release} 版 (rolled back: release "
                                       f"{before.remote_release} is active there again)")
    except remote.RemoteError as exc:
        state, message = "failed", exc.message
    back = Deployment(environment_id=env.id, app_id=done.app_id, app_code=done.app_code,
                      release_number=before.release_number, package_sha256=before.package_sha256, state=state,
                      message=message, remote_app_id=before.remote_app_id, remote_release=before.remote_release,
                      rolled_back_from=done.id, created_by=actor.id, created_by_name=_who(session, actor),
                      created_at=utcnow(), finished_at=utcnow())
    session.add(back)
    session.flush()
    return back


@action("environment.manage")
def deployment_list(session: Session, actor: Actor, environment_id: int, *, page=1, per_page=50) -> Page:
    """Deployments to the environment, newest first."""
    _environment(session, environment_id)
    stmt = select(Deployment).where(Deployment.environment_id == environment_id).order_by(Deployment.id.desc())
    return paginate(session, stmt, page, per_page)


@action("app.read")
def app_deployment_list(session: Session, actor: Actor, app_id: int, *, page=1, per_page=50) -> Page:
    """Where the app's releases were deployed, newest first."""
    apps._app(session, app_id)  # noqa: SLF001
    stmt = select(Deployment).where(Deployment.app_id == app_id).order_by(Deployment.id.desc())
    return paginate(session, stmt, page, per_page)
