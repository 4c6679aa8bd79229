"""The schedule board on a ~50-person ServiceM8 account: a week seen before redraws in under ``TARGET``.

The ``large`` demo account (50 to 60 staff: the scale closest to 50 people; ``small`` has 8 to 15,
``medium`` 30 to 40), its emulator in a process of its own (``smexplore emulator``) as a real API
would be. A redraw is what the board draws of a period: ``BoardModel.rows()``, ``bars()``,
``cells()`` and ``free()`` (the widget sends these to the browser). Figures:

- ``cold``: a new Session on an empty cache, a ``BoardModel`` on the week of ``WEEK``, one redraw
  (the week pulled over HTTP, with the lookups that name its rows);
- ``cached``: on that model, after one visit of the next week, ``next()`` and a redraw, then
  ``previous()`` and a redraw, each move timed alone (both weeks are in memory: no request);
- ``widget``: the same moves through ``Board.redraw()`` (the model's redraw, the canvas's traits
  and the free list's HTML), without a browser;
- ``requests_while_cached``: requests the Session sent to the network during the cached moves (must be 0).

Times are medians of ``REPEATS``; the ratio is cold ÷ cached, same run. When a cached redraw misses
``TARGET``, ``profile`` lists where its time goes (cProfile, by own time).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import smexplore as sm
from benchmarks.bench_session import emulator_process
from smexplore.emulator import DEMO_API_KEY

SCALE = "large"
WEEK = "2026-02-23"  # the last full week before the demo's now (Monday 2 March 2026): done and planned work
REPEATS = 5
TARGET = 0.3


def _redraw(model: Any) -> tuple[int, int, int, int]:
    """What the board draws of the model's period: rows, bars, cells and free people (counts)."""
    return len(model.rows()), len(model.bars()), len(model.cells()), len(model.free())


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _open(base_url: str, folder: Path) -> Any:
    return sm.connect(api_key=DEMO_API_KEY, base_url=base_url, cache=folder, progress=False,
                      per_minute=1_000_000, per_day=10_000_000)


class _Requests:
    """Counts the GET requests a Session's transport sends to the network (answers from its cache left out)."""

    def __init__(self, session: Any) -> None:
        self.count = 0
        transport = session._transport
        send = transport._send

        def counted(*args: Any, **kwargs: Any) -> Any:
            response = send(*args, **kwargs)
            self.count += not getattr(response, "from_cache", False)
            return response

        transport._send = counted


def _cold(base_url: str) -> tuple[float, tuple[int, int, int, int], int]:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        with _open(base_url, Path(folder)) as session:
            model = sm.BoardModel(session, start=WEEK)
            drawn = _redraw(model)
            elapsed = time.perf_counter() - started
            staff = len(session.staff())
    return elapsed, drawn, staff


def _moves(model: Any, redraw: Callable[[], Any]) -> tuple[list[float], list[float]]:
    """``REPEATS`` round trips: next week and a redraw, previous week and a redraw, each timed."""
    forward, back = [], []
    for _ in range(REPEATS):
        forward.append(_timed(lambda: (model.next(), redraw()))[0])
        back.append(_timed(lambda: (model.previous(), redraw()))[0])
    return forward, back


def _profile(model: Any, top: int = 15) -> list[str]:
    """Where a cached move's time goes: the functions with the most own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(REPEATS):
        model.next()
        _redraw(model)
        model.previous()
        _redraw(model)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return [line.rstrip() for line in out.getvalue().splitlines() if line.strip()][-top - 1:]


def run() -> dict[str, Any]:
    with emulator_process(SCALE) as base_url:
        colds = [_cold(base_url) for _ in range(REPEATS)]
        cold = statistics.median(elapsed for elapsed, _, _ in colds)
        _, drawn, staff = colds[0]
        with tempfile.TemporaryDirectory() as folder, _open(base_url, Path(folder)) as session:
            model = sm.BoardModel(session, start=WEEK)
            _redraw(model)
            model.next()  # the next week's one pull, then both weeks are in memory
            next_drawn = _redraw(model)
            model.previous()
            _redraw(model)
            requests = _Requests(session)
            pulls = len(model.pulls)
            forward, back = _moves(model, lambda: _redraw(model))
            board = sm.Board(session, start=WEEK)
            board.redraw()
            widget_forward, widget_back = _moves(board.model, board.redraw)
            assert len(model.pulls) == pulls, "a cached move pulled again"
            cached_requests = requests.count
            moves = forward + back
            cached = statistics.median(moves)
            profile = _profile(model) if max(statistics.median(forward), statistics.median(back)) > TARGET else None
    rows, bars, cells, free = drawn
    figures: dict[str, Any] = {
        "scale": SCALE, "staff": staff, "week": WEEK, "target_seconds": TARGET, "repeats": REPEATS,
        "drawn": {"rows": rows, "bars": bars, "cells": cells, "free": free},
        "drawn_next_week": dict(zip(("rows", "bars", "cells", "free"), next_drawn, strict=True)),
        "cold_seconds": round(cold, 3),
        "cold_seconds_each": [round(elapsed, 3) for elapsed, _, _ in colds],
        "cached_next_seconds": round(statistics.median(forward), 3),
        "cached_previous_seconds": round(statistics.median(back), 3),
        "cached_seconds": round(cached, 3),
        "cached_seconds_each": [round(m, 3) for m in moves],
        "widget_next_seconds": round(statistics.median(widget_forward), 3),
        "widget_previous_seconds": round(statistics.median(widget_back), 3),
        "cold_over_cached": round(cold / cached, 1),
        "requests_while_cached": cached_requests,
        "checks": {"cached_within_target": max(statistics.median(forward), statistics.median(back)) <= TARGET,
                   "widget_within_target": max(statistics.median(widget_forward),
                                               statistics.median(widget_back)) <= TARGET,
                   "no_request_while_cached": cached_requests == 0},
    }
    if profile is not None:
        figures["profile"] = profile
    return figures


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
