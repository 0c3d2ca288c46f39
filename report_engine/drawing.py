"""Charts drawn by a small pool of worker processes while the template goes on rendering.

A chart costs about 75 ms of one core: 20 ms for altair to build the Vega-Lite spec and 55 ms for
vl-convert to draw it. vl-convert draws one chart at a time in a process (its converter is single
threaded and keeps the GIL), so threads gain nothing; processes do. `submit` hands one chart to
the pool and returns a Future of its SVG; a report's charts are drawn side by side and waited for
once, after the template has rendered.

The pool is started on first use (a worker costs ~1 s to start and warm, paid once per process)
and sized by TONGGUAN_REPORT_CHART_PROCESSES (default 2; 0 draws in the calling process, as a
one-core machine should).
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

log = logging.getLogger(__name__)
PROCESSES = int(os.environ.get("TONGGUAN_REPORT_CHART_PROCESSES", "2"))
_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()
_unusable = False


def draw(args: dict) -> str:
    """The SVG of one chart: `args` are `components.vega.spec`'s arguments (`ref` is its first)."""
    from components.vega import spec

    from .charts import to_svg

    args = dict(args)
    return to_svg(spec(args.pop("ref"), **args))


def _warm() -> None:
    from .charts import warm

    warm()


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # spawn, not fork: the parent holds threads (database pools, vl-convert's runtime)
            _pool = ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn"), initializer=_warm)
            atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
        return _pool


def _here(args: dict) -> Future:
    done: Future = Future()
    try:
        done.set_result(draw(args))
    except Exception as exc:  # noqa: BLE001 - handed to whoever waits, like the pool's futures
        done.set_exception(exc)
    return done


def submit(args: dict) -> Future:
    """A Future of the chart's SVG, drawn in the pool (or here, when the pool is off or broken)."""
    global _unusable
    if PROCESSES <= 0 or _unusable:
        return _here(args)
    try:
        return _executor().submit(draw, args)
    except BrokenProcessPool as exc:  # a worker died: draw here, start afresh next time
        log.warning("chart pool broke (%r); drawing in process", exc)
        _reset()
        return _here(args)
    except RuntimeError as exc:  # no processes can start here (a script without a __main__ guard)
        log.warning("chart pool cannot start (%s); charts are drawn in process", str(exc).strip().splitlines()[0])
        _unusable = True
        _reset()
        return _here(args)


def result(future: Future, args: dict) -> str:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        log.warning("chart pool broke (%r); drawing in process", exc)
        _reset()
        return draw(args)


def _reset() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


def warm() -> None:
    """Start the pool's workers now (a long-lived worker's start, not a report's)."""
    if PROCESSES <= 0:
        _warm()
    else:
        pool = _executor()
        for future in [pool.submit(_warm) for _ in range(PROCESSES)]:
            future.result()
