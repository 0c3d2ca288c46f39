"""Composite components: list, create, get and delete saved groups of cards.

The cards are checked as a page's cards are (`builder.documents`: type, props, bindings), so a
composite dropped onto a page saves there as it was saved here. The caller commits.
"""
from __future__ import annotations

import copy

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.accounts.models import User
from tongguan.errors import Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from .. import documents
from .models import CompositeComponent

MAX_CARDS = 50
# a group is checked on a canvas as big as a page may be: its own size is not a page's
LARGEST = {"width": 7680, "height": 4320}


def _composite(session: Session, composite_id: int) -> CompositeComponent:
    found = session.get(CompositeComponent, composite_id)
    if found is None:
        raise NotFound(f"Composite component {composite_id} does not exist.")
    return found


def _relative(cards: list) -> list:
    """The cards moved so that the group's top-left corner is (0, 0) (they were checked already)."""
    dx, dy = min(c["x"] for c in cards), min(c["y"] for c in cards)
    out = copy.deepcopy(cards)
    for card in out:
        card["x"] -= dx
        card["y"] -= dy
    return out


def cards_problems(cards, layout: str) -> dict[str, list[str]]:
    """What is wrong with a composite's cards, as {`cards[2].props.color`: [messages]}."""
    if not isinstance(cards, list) or not cards:
        return {"cards": ["至少要有一个卡片 (at least one card)"]}
    if len(cards) > MAX_CARDS:
        return {"cards": [f"最多 {MAX_CARDS} 个卡片 (at most {MAX_CARDS} cards)"]}
    document = {"layout": layout, "cards": cards}
    if layout == "free":
        document["size"] = dict(LARGEST)
    return {path: messages for path, messages in documents.problems(document).items()}


@action("app.read")
def composite_list(session: Session, actor: Actor, *, q=None, page=1, per_page=200) -> Page:
    """The library's composite components by code; `q` matches the code, name or description."""
    stmt = select(CompositeComponent).order_by(CompositeComponent.code)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(CompositeComponent.code.ilike(like) | CompositeComponent.name.ilike(like)
                          | CompositeComponent.description.ilike(like))
    return paginate(session, stmt, page, per_page)


@action("app.read")
def composite_get(session: Session, actor: Actor, composite_id: int) -> CompositeComponent:
    return _composite(session, composite_id)


@action("app.manage")
def composite_create(session: Session, actor: Actor, data: dict) -> CompositeComponent:
    """Save a group of cards to the library.

    :param data: code (unique), name, description, layout (`free` or `grid`: the units of the
        cards' geometry) and cards (page-document cards with their props and bindings; their
        positions are kept relative to the group's top-left corner)
    """
    errors: dict[str, list[str]] = {}
    if session.scalar(select(CompositeComponent.id).where(CompositeComponent.code == data["code"])):
        errors["code"] = [f"编码 {data['code']} 已被使用 (code already in use)"]
    layout = data.get("layout", "free")
    errors.update(cards_problems(data.get("cards"), layout))
    if errors:
        raise Invalid("The composite component is not valid.", errors)
    user = session.get(User, actor.id) if actor.id is not None else None
    found = CompositeComponent(code=data["code"], name=data["name"], description=data.get("description", ""),
                               layout=layout, cards=_relative(data["cards"]), created_by=actor.id,
                               created_by_name=(user.display_name or user.username) if user else actor.username)
    session.add(found)
    session.flush()
    return found


@action("app.manage")
def composite_delete(session: Session, actor: Actor, composite_id: int, if_version: int | None = None) -> None:
    """Remove a composite from the library; pages it was dropped onto keep their cards."""
    found = _composite(session, composite_id)
    check_version(found, if_version)
    session.delete(found)
    session.flush()
