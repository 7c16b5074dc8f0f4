"""The server's garbage collection: long-lived objects are frozen out of the collector's
full passes, and everything is collected on a timer instead.

CPython's full collection walks every object that survived two younger ones. In a
server holding an assembly of 2,000 sockets that is some 470,000 objects (Django's own,
loaded once, and each connection's protocol, consumer and tasks), and each pass held the
interpreter for about 300 ms, every few seconds while ballots arrived: the casts caught
behind it made the booth's p99 latency.

So the server freezes (`gc.freeze`) what it holds once started, and again after each full
pass: a pass then walks only what came since. Objects frozen are still freed by their
reference count; only garbage in cycles among them waits, until the timer's full
collection (every `COLLEGIA["GC_FULL_COLLECT_SECONDS"]`, 600 by default) unfreezes,
collects and freezes again: one pause every ten minutes instead of one every few seconds.
Only the ASGI server calls `install`, and a setting of 0 (the tests') leaves the collector
as Python has it.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any

logger = logging.getLogger(__name__)

_installed = False


def install(full_collect_seconds: float) -> None:
    """Freeze what the process holds now, after each full pass from now on, and run a full
    collection of everything every `full_collect_seconds`; with 0, do nothing."""
    global _installed
    if _installed or full_collect_seconds <= 0:
        return
    _installed = True
    gc.collect()
    gc.freeze()
    gc.callbacks.append(_freeze_after_full_pass)
    thread = threading.Thread(
        target=_collect_every, args=(full_collect_seconds,), name="heap-collect", daemon=True
    )
    thread.start()


def _freeze_after_full_pass(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def collect_everything() -> int:
    """Collect the frozen objects' garbage too, then freeze what survived."""
    started = time.perf_counter()
    gc.unfreeze()
    found = gc.collect()
    gc.freeze()
    logger.info(
        "Full collection: %s objects freed in %.0f ms",
        found,
        (time.perf_counter() - started) * 1000,
    )
    return found


def _collect_every(seconds: float) -> None:
    while True:
        time.sleep(seconds)
        try:
            collect_everything()
        except Exception:
            logger.exception("Full collection failed")
