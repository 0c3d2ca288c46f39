"""Organisation and accounts: plain functions taking a session and an actor.

Each is declared with `@action(permission)`; they validate everything before
writing, raise only `NotFound`, `Forbidden`, `Invalid`, `Conflict`,
`PreconditionFailed`, and never commit: the caller does.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized
from ..pagination import Page, check_version, paginate
from ..permissions import ROLE_PERMISSIONS, ROLES, Actor, action
from .models import DEPARTMENT_LEVELS, ApiToken, Department, LoginFailure, Role, User, user_role
from .passwords import hash_password, new_token, token_digest, verify_password

# --- departments -------------------------------------------------------------------


def _department(session: Session, department_id: int) -> Department:
    dept = session.get(Department, department_id)
    if dept is None:
        raise NotFound(f"Department {department_id} does not exist.")
    return dept


def unknown_departments(session: Session, ids) -> list[int]:
    """Which of these department ids do not exist (other domains check references with it)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return []
    if any(not isinstance(i, int) or isinstance(i, bool) or not 0 < i < 2**31 for i in wanted):
        return sorted(wanted, key=str)
    found = set(session.scalars(select(Department.id).where(Department.id.in_(wanted))))
    return sorted(wanted - found)


def _check_department(session: Session, data: dict, dept: Department | None = None) -> None:
    """Collect every problem with a department's fields, then raise once."""
    errors: dict[str, list[str]] = {}
    code = data.get("code")
    if code is not None:
        clash = session.scalar(select(Department.id).where(Department.code == code))
        if clash is not None and (dept is None or clash != dept.id):
            errors.setdefault("code", []).append(f"编码 {code} 已被使用 (code already in use)")
    level = data.get("level", dept.level if dept else None)
    parent_id = data["parent_id"] if "parent_id" in data else (dept.parent_id if dept else None)
    if parent_id is not None:
        parent = session.get(Department, parent_id)
        if parent is None:
            errors.setdefault("parent_id", []).append("上级部门不存在 (parent does not exist)")
        else:
            if level and DEPARTMENT_LEVELS.index(level) < DEPARTMENT_LEVELS.index(parent.level):
                errors.setdefault("level", []).append(
                    f"层级 {level} 不能高于上级的 {parent.level} (a department cannot rank above its parent)"
                )
            if dept is not None:
                node = parent
                while node is not None:
                    if node.id == dept.id:
                        errors.setdefault("parent_id", []).append("不能移动到自己的下级 (would create a cycle)")
                        break
                    node = node.parent
    if errors:
        raise Invalid("The department is not valid.", errors)


@action("org.read")
def department_list(session: Session, actor: Actor, *, parent_id=None, level=None, q=None, page=1, per_page=50) -> Page:
    """List departments, ordered by parent and sort order.

    :param parent_id: only the children of this department; 0 for the roots
    :param level: city, district, street or grid
    :param q: substring of the code or the name
    """
    stmt = select(Department).order_by(Department.parent_id.nulls_first(), Department.sort_order, Department.id)
    if parent_id == 0:
        stmt = stmt.where(Department.parent_id.is_(None))
    elif parent_id is not None:
        stmt = stmt.where(Department.parent_id == parent_id)
    if level:
        stmt = stmt.where(Department.level == level)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Department.code.ilike(like), Department.name.ilike(like)))
    return paginate(session, stmt, page, per_page)


@action("org.read")
def department_get(session: Session, actor: Actor, department_id: int) -> Department:
    return _department(session, department_id)


@action("org.manage")
def department_create(session: Session, actor: Actor, data: dict) -> Department:
    """Create a department under `parent_id` (none for the city's root)."""
    _check_department(session, data)
    dept = Department(**data)
    session.add(dept)
    return dept


@action("org.manage")
def department_update(session: Session, actor: Actor, department_id: int, data: dict, if_version: int | None = None) -> Department:
    """Change a department's fields; moving it under one of its own descendants is refused."""
    dept = _department(session, department_id)
    check_version(dept, if_version)
    _check_department(session, data, dept)
    for key, value in data.items():
        setattr(dept, key, value)
    return dept


@action("org.manage")
def department_delete(session: Session, actor: Actor, department_id: int, if_version: int | None = None) -> None:
    """Delete an empty department (no sub-departments, no users)."""
    dept = _department(session, department_id)
    check_version(dept, if_version)
    errors = {}
    if session.scalar(select(func.count()).where(Department.parent_id == dept.id)):
        errors["children"] = ["部门下还有下级部门 (it still has sub-departments)"]
    if session.scalar(select(func.count()).where(User.department_id == dept.id)):
        errors["users"] = ["部门下还有用户 (it still has users)"]
    if errors:
        raise Invalid("Only an empty department can be deleted.", errors)
    session.delete(dept)


# --- roles -------------------------------------------------------------------------


@action("org.read")
def role_list(session: Session, actor: Actor) -> list[dict]:
    roles = session.scalars(select(Role).order_by(Role.code)).all()
    return [
        {"code": r.code, "name": r.name, "name_en": r.name_en, "permissions": sorted(ROLE_PERMISSIONS.get(r.code, ()))}
        for r in roles
    ]


def ensure_roles(session: Session) -> None:
    """Make the role table match `permissions.ROLES` (run by migrations and the seed)."""
    existing = {r.code: r for r in session.scalars(select(Role))}
    for code, (zh, en) in ROLES.items():
        role = existing.get(code)
        if role is None:
            session.add(Role(code=code, name=zh, name_en=en))
        else:
            role.name, role.name_en = zh, en


# --- users -------------------------------------------------------------------------


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} does not exist.")
    return user


def _check_user(session: Session, data: dict, user: User | None = None) -> list[Role] | None:
    errors: dict[str, list[str]] = {}
    username = data.get("username")
    if username is not None:
        clash = session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
        if clash is not None and (user is None or clash != user.id):
            errors.setdefault("username", []).append(f"用户名 {username} 已被使用 (username already in use)")
    if data.get("department_id") is not None and session.get(Department, data["department_id"]) is None:
        errors.setdefault("department_id", []).append("部门不存在 (department does not exist)")
    roles = None
    if "roles" in data:
        codes = list(dict.fromkeys(data["roles"]))
        roles = list(session.scalars(select(Role).where(Role.code.in_(codes))))
        missing = set(codes) - {r.code for r in roles}
        if missing:
            errors.setdefault("roles", []).append(f"未知角色 (unknown roles): {', '.join(sorted(missing))}")
    if errors:
        raise Invalid("The user is not valid.", errors)
    return roles


@action("org.read")
def user_list(session: Session, actor: Actor, *, department_id=None, role=None, q=None, active=None, page=1, per_page=50) -> Page:
    """List users, filtered by department, role, active state or a name substring."""
    stmt = select(User).order_by(User.username)
    if department_id is not None:
        stmt = stmt.where(User.department_id == department_id)
    if role:
        stmt = stmt.where(User.roles.any(Role.code == role))
    if active is not None:
        stmt = stmt.where(User.is_active.is_(active))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    return paginate(session, stmt, page, per_page)


@action("org.read")
def user_get(session: Session, actor: Actor, user_id: int) -> User:
    return _user(session, user_id)


@action(None)
def me_get(session: Session, actor: Actor) -> User:
    """The acting user."""
    if actor.id is None:
        raise NotFound("The system actor has no user record.")
    return _user(session, actor.id)


@action("org.manage")
def user_create(session: Session, actor: Actor, data: dict) -> User:
    """Create a user with a password and roles."""
    data = dict(data)
    roles = _check_user(session, data) or []
    password = data.pop("password")
    data.pop("roles", None)
    user = User(**data, password_hash=hash_password(password), roles=roles)
    session.add(user)
    return user


@action("org.manage")
def user_update(session: Session, actor: Actor, user_id: int, data: dict, if_version: int | None = None) -> User:
    """Change a user's fields, roles or password. An admin cannot remove their own admin role."""
    user = _user(session, user_id)
    check_version(user, if_version)
    data = dict(data)
    roles = _check_user(session, data, user)
    if user.id == actor.id and roles is not None and "admin" not in {r.code for r in roles}:
        raise Invalid("You cannot remove your own administrator role.", {"roles": ["不能移除自己的管理员角色"]})
    if user.id == actor.id and data.get("is_active") is False:
        raise Invalid("You cannot deactivate yourself.", {"is_active": ["不能停用自己的账号"]})
    if "password" in data:
        user.password_hash = hash_password(data.pop("password"))
    data.pop("roles", None)
    if roles is not None and {r.code for r in roles} != {r.code for r in user.roles}:
        user.roles = roles
        user.updated_at = utcnow()  # a role change alone touches no column; the version must still move
    for key, value in data.items():
        setattr(user, key, value)
    return user


@action(None)
def user_set_locale(session: Session, actor: Actor, locale: str) -> None:
    """Remember the acting user's interface language."""
    if locale not in ("zh_CN", "en"):
        raise Invalid("Unknown locale.", {"locale": ["只支持 zh_CN 或 en"]})
    if actor.id is not None:
        user = _user(session, actor.id)
        user.locale = locale


# --- authentication ------------------------------------------------------------------


def login(session: Session, username: str, password: str, *, ip: str = "", max_failures: int = 5,
          lockout_seconds: int = 900) -> User:
    """Check a password. After `max_failures` bad ones within the lockout window the
    username is throttled (even the right password is refused) until the window passes."""
    now = utcnow()
    window_start = now - dt.timedelta(seconds=lockout_seconds)
    recent = list(
        session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.username == username.lower(), LoginFailure.at >= window_start)
            .order_by(LoginFailure.at.desc())
            .limit(max_failures)
        )
    )
    if len(recent) >= max_failures:
        retry = int((recent[-1] + dt.timedelta(seconds=lockout_seconds) - now).total_seconds()) + 1
        raise TooManyRequests(
            f"登录失败次数过多，请 {max(1, retry // 60)} 分钟后再试 (too many failed logins; try again later)",
            retry_after=max(retry, 1),
        )
    user = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        session.add(LoginFailure(username=username.lower()[:64], ip=ip[:64], at=now))
        raise Unauthorized("用户名或密码错误 (wrong username or password)")
    session.execute(delete(LoginFailure).where(LoginFailure.username == username.lower()))
    from ..audit.recorder import acting_as

    with acting_as(session, Actor.for_user(user), "login"):
        user.last_login_at = now
        session.flush()
    return user


# every API call asks it: one query with the user's roles, built once
# (table columns, not mapped attributes: a Core statement skips the ORM's result handling)
_t, _u = ApiToken.__table__.c, User.__table__.c
TOKEN_HOLDER = (
    select(_t.id, _t.revoked_at, _t.expires_at, _t.last_used_at, _u.id, _u.username, _u.department_id, _u.is_active,
           func.aggregate_strings(user_role.c.role_code, ","))
    .join_from(ApiToken.__table__, User.__table__, _u.id == _t.user_id)
    .outerjoin(user_role, user_role.c.user_id == _u.id)
    .where(_t.token_hash == bindparam("digest")).group_by(_t.id, _u.id))


def actor_for_token(session: Session, secret: str) -> Actor | None:
    """Who a bearer token speaks for, or None (unknown, revoked, expired, inactive user)."""
    row = session.execute(TOKEN_HOLDER, {"digest": token_digest(secret)}).first()
    now = utcnow()
    if row is None:
        return None
    token_id, revoked_at, expires_at, last_used_at, user_id, username, department_id, active, codes = row
    if revoked_at is not None or (expires_at and expires_at <= now) or not active:
        return None
    if last_used_at is None or now - last_used_at > dt.timedelta(minutes=5):
        # Bookkeeping, not a change anyone made: a Core update, so the audit log stays about
        # people's actions; at most every 5 minutes, so a busy client does not write each call.
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        session.info["token_touched"] = True
    return Actor.with_roles(user_id, username, frozenset(codes.split(",")) if codes else frozenset(), department_id,
                            via="token")


# --- API tokens ----------------------------------------------------------------------


@action("token.own")
def token_create(session: Session, actor: Actor, data: dict, user_id: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for the actor (or, with `token.manage`, for `user_id`).
    Returns the token and its secret; only the secret's hash is stored."""
    owner_id = user_id or actor.id
    if owner_id != actor.id and not actor.can("token.manage"):
        raise Forbidden("Only an administrator can create tokens for other users.")
    if owner_id is None:
        raise Invalid("A token must belong to a user.", {"user_id": ["必须指定用户"]})
    _user(session, owner_id)
    secret = new_token()
    expires = utcnow() + dt.timedelta(days=data["expires_in_days"]) if data.get("expires_in_days") else None
    token = ApiToken(user_id=owner_id, name=data["name"], prefix=secret[:10], token_hash=token_digest(secret), expires_at=expires)
    session.add(token)
    return token, secret


@action("token.own")
def token_list(session: Session, actor: Actor, *, user_id=None, include_revoked=False, page=1, per_page=50) -> Page:
    """The actor's tokens; with `token.manage`, anybody's (filter by `user_id`)."""
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if not actor.can("token.manage"):
        if user_id is not None and user_id != actor.id:
            raise Forbidden("You can only list your own tokens.")
        user_id = actor.id
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    if not include_revoked:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    return paginate(session, stmt, page, per_page)


@action("token.own")
def token_revoke(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Revoke a token: it stops working at once. Revoking twice is harmless."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != actor.id and not actor.can("token.manage")):
        raise NotFound(f"Token {token_id} does not exist.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token
