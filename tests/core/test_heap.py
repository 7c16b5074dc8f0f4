"""The ASGI server's collector (core.heap): what it held is frozen out of the full passes,
and garbage among frozen objects is still collected on the timer."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_heap_is_frozen_and_cycles_among_frozen_objects_are_collected_on_the_timer() -> None:
    out = _run(
        """
        import gc, time, weakref
        from core import heap

        class Node:
            pass

        a, b = Node(), Node()
        a.other, b.other = b, a          # a cycle, alive for now
        watch = weakref.ref(a)
        heap.install(0.3)
        assert gc.get_freeze_count() > 0
        del a, b                          # now garbage, but frozen: no pass sees it
        gc.collect()
        assert watch() is not None
        time.sleep(1.0)                   # the timer's full collection unfreezes first
        print("freed" if watch() is None else "kept", gc.get_freeze_count() > 0)
        """
    )
    assert out == "freed True"


def test_a_full_pass_freezes_its_survivors_and_zero_leaves_the_collector_alone() -> None:
    out = _run(
        """
        import gc
        from core import heap

        before, callbacks = gc.get_freeze_count(), list(gc.callbacks)
        heap.install(0)
        untouched = gc.get_freeze_count() == before and gc.callbacks == callbacks
        heap.install(3600)
        frozen = gc.get_freeze_count()
        kept = [[i] for i in range(5000)]  # survivors of the next full pass
        gc.collect()
        print(untouched, gc.get_freeze_count() >= frozen + 5000)
        """
    )
    assert out == "True True"
