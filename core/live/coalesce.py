"""Pushes coalesced per key: many changes in a burst make one push a window.

A change asks for a push after its transaction commits. The first to ask claims the key
in the shared cache (Redis in production, so every server process sees the claim) and
pushes once the window has passed, reading the figures as they are then; a change that
finds the key claimed committed before that push reads them, so the push counts it. With
a window of 0 the push runs at once, after each commit.

A push may say how many people it reached (its return value). The next window of that
key is then stretched so that the subject sends at most `COLLEGIA["LIVE_FRAMES_PER_SECOND"]`
frames a second: one push a second to a room of 2,000 sockets was 2,000 frames a second,
about half a core of the server's single event loop, and the ballots behind them queued.
A room no larger than that budget keeps the one-second window.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

logger = logging.getLogger(__name__)

# How long a claim outlives a push that never ran (its process died): pushes resume after.
CLAIM_GRACE_SECONDS = 5

# Keys whose push this process claimed and has not started: a change finding its key here
# needs no round trip to the cache, since that push reads the figures after it.
# Each entry lapses with the claim it mirrors, should its timer never run.
_pending: dict[str, float] = {}
_pending_lock = threading.Lock()
# The audience the last push of each key reached, as it said (see the module's docstring),
# for the keys pushed most recently: a long-running process pushes for ever more subjects.
_audience: OrderedDict[str, int] = OrderedDict()
AUDIENCES_KEPT = 10_000


def turnout_window() -> float:
    """The window of the turnout and attendance pushes, `COLLEGIA["TURNOUT_PUSH_SECONDS"]`:
    0 pushes after every commit."""
    return float(str(settings.COLLEGIA.get("TURNOUT_PUSH_SECONDS", 0)))


def frames_per_second() -> int:
    """The most frames a second one coalesced subject sends to its audience."""
    return int(str(settings.COLLEGIA.get("LIVE_FRAMES_PER_SECOND", 1000)))


def _audience_seconds(key: str) -> float:
    """How long the last audience of `key` takes to reach at `frames_per_second()`."""
    return _audience.get(key, 0) / max(frames_per_second(), 1)


def spaced_window(key: str, window: float) -> float:
    """`window`, stretched for a key whose last push reached more people than
    `frames_per_second()` allows a window."""
    if window <= 0:
        return window
    return max(window, _audience_seconds(key))


def delivery_spread(audience: int | Callable[[], int]) -> float:
    """Over how many seconds a large room's relays (core.live.relay) hand a push reaching
    `audience` people to its connections: that audience at `frames_per_second()`. Sent at
    once, 2,000 frames held the server's event loop for about half a second, and every
    request arriving then waited behind them; spread, they are sent between requests.
    The push's own audience counts, so the first push of a subject is spread as well as
    the next. 0 when pushes are not coalesced; an audience given as a callable (a count
    to read) is then not read."""
    if turnout_window() <= 0:
        return 0.0
    size = audience() if callable(audience) else audience
    return max(size, 0) / max(frames_per_second(), 1)


Push = Callable[[], int | None]


def push_after_commit(key: str, push: Push, *, window: float) -> None:
    """Run `push` after the current transaction commits, at most once per `window`
    seconds for `key` across every process sharing the cache (stretched for a large
    audience: `spaced_window`). `push` may return the number of people it reached."""
    transaction.on_commit(lambda: _schedule(key, push, window))


def _schedule(key: str, push: Push, window: float) -> None:
    if window <= 0:
        _run_logged(key, push)
        return
    window = spaced_window(key, window)
    with _pending_lock:
        if _pending.get(key, 0.0) > time.monotonic():
            # This change committed before the pending push leaves the set, hence before
            # it reads the figures: it is counted.
            return
    claim = f"live:push:{key}"
    try:
        claimed = cache.add(claim, True, timeout=math.ceil(window) + CLAIM_GRACE_SECONDS)
    except Exception as exc:
        # Runs after a commit: it must not fail. The live layer shares the cache's Redis,
        # so the push could not go out either; the next change asks again.
        logger.warning("%s not pushed: the cache is unreachable (%s)", key, exc)
        return
    if not claimed:
        return
    with _pending_lock:
        _pending[key] = time.monotonic() + window + CLAIM_GRACE_SECONDS
    timer = threading.Timer(window, _run_later, args=(claim, key, push))
    timer.daemon = True
    timer.name = f"push-{key}"
    timer.start()


def _run_later(claim: str, key: str, push: Push) -> None:
    try:
        # Released before reading: a change committing from now on asks for a push of
        # its own, which will see it.
        with _pending_lock:
            _pending.pop(key, None)
        cache.delete(claim)
        _run_logged(key, push)
    except Exception:
        logger.exception("Push %s failed", key)
    finally:
        # The timer's thread owns its own connection; nothing else will close it.
        connection.close()


def _run_logged(key: str, push: Push) -> None:
    try:
        audience = push()
        if audience is not None:
            _remember_audience(key, audience)
    except Exception:
        # The figures are still served by the API and the next push carries them.
        logger.exception("Push %s failed", key)


def _remember_audience(key: str, audience: int) -> None:
    with _pending_lock:
        _audience.pop(key, None)
        if audience > 0:
            _audience[key] = audience
        while len(_audience) > AUDIENCES_KEPT:
            _audience.popitem(last=False)
