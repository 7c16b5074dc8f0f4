"""How the ASGI server shares its interpreter between the event loop and the threads of
synchronous views.

Daphne runs its event loop (the sockets, the frames pushed to a room) in one thread and
each synchronous view in a thread of its own, all under one GIL. A view's thread gives
the GIL up at every statement it sends to the database and must wait for it to come
back: while the loop is busy, Python hands the GIL over only every switch interval, 5 ms
by default. A ballot cast through the booth sends about ten statements, so during an
assembly's fan-out it could wait tens of milliseconds for nothing but its turn. A shorter
interval (`COLLEGIA["ASGI_SWITCH_INTERVAL_SECONDS"]`, 1 ms by default) gives it back
sooner, for a little more switching in the loop. Only the ASGI server calls `install`;
0 (the tests') leaves the interpreter's own.
"""

from __future__ import annotations

import sys


def install(switch_interval_seconds: float) -> None:
    """Set the interpreter's switch interval; with 0, leave it as it is."""
    if switch_interval_seconds > 0:
        sys.setswitchinterval(switch_interval_seconds)
