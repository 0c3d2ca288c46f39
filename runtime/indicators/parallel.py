"""Indicator computations spread over several database sessions at once.

A page's or a report's aggregates are the database's work: on PostgreSQL, statements sent on two
sessions are scanned by two server cores. SQLite has one writer and gains nothing, so callers
ask only when the engine is not SQLite (`worth_it`)."""
from __future__ import annotations

import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor

from flask import current_app, has_app_context
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tongguan.permissions import Actor

from .service import indicator_values_many

log = logging.getLogger(__name__)
SESSIONS = 2  # the machines this runs on have two cores or more


def worth_it(session: Session, count: int, at_least: int = 4) -> bool:
    return count >= at_least and session.get_bind().dialect.name != "sqlite"


def values_serial(session: Session, actor: Actor, requests: list[dict]) -> list:
    """`indicator_values_many`, with a database failure answered for every request (the callers show
    it in place) instead of raised; reads only, so rolling back loses nothing."""
    try:
        return indicator_values_many(session, actor, requests)
    except SQLAlchemyError as exc:
        log.warning("indicators failed: %s", exc)
        session.rollback()  # PostgreSQL needs it to go on
        return [exc] * len(requests)


def values_parallel(session: Session, actor: Actor, requests: list[dict], sessions: int = SESSIONS) -> list:
    """The answers of `values_serial`, computed on `sessions` sessions of their own (each reads the
    indicators itself), in the order asked."""
    chunks = [requests[i::sessions] for i in range(sessions)]
    make = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    flask_app = current_app._get_current_object() if has_app_context() else None

    def compute(chunk: list[dict]) -> list:
        with (flask_app.app_context() if flask_app else contextlib.nullcontext()), make() as own:
            return values_serial(own, actor, chunk)

    with ThreadPoolExecutor(sessions) as pool:
        answers = list(pool.map(compute, chunks))
    merged: list = [None] * len(requests)
    for i, chunk_answers in enumerate(answers):
        merged[i::sessions] = chunk_answers
    return merged
