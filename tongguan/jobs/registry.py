"""Registered jobs: name -> function and retry policy."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable  # fn(session, tick: str, **params) -> dict | None
    max_attempts: int = 3
    every_seconds: int | None = None  # periodic jobs: the scheduler submits one per interval


JOBS: dict[str, Job] = {}


def job(name: str, *, max_attempts: int = 3, every_seconds: int | None = None):
    """Register `fn(session, tick, **params)` as a background job."""

    def wrap(fn):
        JOBS[name] = Job(name, fn, max_attempts, every_seconds)
        return fn

    return wrap
