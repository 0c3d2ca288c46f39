"""Charts drawn by a small pool of worker processes while the template goes on rendering.

A chart costs 60 to 150 ms of one core: about 20 ms for altair to build the Vega-Lite spec, the rest
for vl-convert to draw it. vl-convert draws one chart at a time in a process (its converter is single
threaded and keeps the GIL), so threads gain nothing; processes do. The template's process builds
each spec as the template reaches the chart and `submit`s it; the pool draws the specs side by side
while the template goes on, and the SVGs are waited for once, after the template has rendered.

The pool is started on first use (a worker costs ~1 s to start and warm, paid once per process)
and sized by the setting REPORT_CHART_PROCESSES (default 2; 0 draws in the calling process, as a
one-core machine should), given to `configure` by create_app.
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

log = logging.getLogger(__name__)
PROCESSES = 2
_pool: ProcessPoolExecutor | None = None
_lock = threading.Lock()
_unusable = False


def draw(vega_lite: dict) -> str:
    """The SVG of one chart's Vega-Lite spec."""
    from .charts import to_svg

    return to_svg(vega_lite)


def _warm() -> None:
    from .charts import warm

    warm()


def configure(processes: int) -> None:
    global PROCESSES
    if processes != PROCESSES:
        _reset()
    PROCESSES = max(0, int(processes))


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # spawn, not fork: the parent holds threads (database pools, vl-convert's runtime)
            _pool = ProcessPoolExecutor(PROCESSES, mp_context=multiprocessing.get_context("spawn"), initializer=_warm)
            atexit.register(_pool.shutdown, wait=False, cancel_futures=True)
        return _pool


def _here(vega_lite: dict) -> Future:
    done: Future = Future()
    try:
        done.set_result(draw(vega_lite))
    except Exception as exc:  # noqa: BLE001 - handed to whoever waits, like the pool's futures
        done.set_exception(exc)
    return done


def submit(vega_lite: dict) -> Future:
    """A Future of the chart's SVG, drawn in the pool (or here, when the pool is off or broken)."""
    global _unusable
    if PROCESSES <= 0 or _unusable:
        return _here(vega_lite)
    try:
        return _executor().submit(draw, vega_lite)
    except BrokenProcessPool as exc:  # a worker died: draw here, start afresh next time
        log.warning("chart pool broke (%r); drawing in process", exc)
        _reset()
        return _here(vega_lite)
    except RuntimeError as exc:  # no processes can start here (a script without a __main__ guard)
        log.warning("chart pool cannot start (%s); charts are drawn in process", str(exc).strip().splitlines()[0])
        _unusable = True
        _reset()
        return _here(vega_lite)


def result(future: Future, vega_lite: dict) -> str:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        log.warning("chart pool broke (%r); drawing in process", exc)
        _reset()
        return draw(vega_lite)


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
