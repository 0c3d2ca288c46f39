"""The demo organisation of 临江市 (its bureaus, districts, streets and grids, one user per role):
the scenario templates route their events to these departments."""
import datetime as dt

import pytest

from runtime.indicators import service as indicators
from tongguan import demo

NOW = dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.timezone.utc)  # 12:00 in 临江


@pytest.fixture
def city(session, system):
    demo.seed_org(session, system)
    session.commit()
    from sqlalchemy import select

    from tongguan.accounts.models import Department
    return {d.code: d for d in session.scalars(select(Department))}


def indicator(session, actor, code, by=None, window=None, now=NOW):
    """A clone's indicator `code` (with its prefix) at `now`, uncached: one number, or {group: value}."""
    answer = indicators.indicator_values(session, actor, [code], by=[by] if by else None, window=window, now=now,
                                         use_cache=False)
    return {r[by]: r[code] for r in answer["rows"]} if by else answer["rows"][0][code]
