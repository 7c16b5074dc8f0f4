"""Run the vote scheduler on its own: opens and closes votes at their scheduled times."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from voting.scheduler import INTERVAL_SECONDS, run_forever, tick


class Command(BaseCommand):
    help = (
        "Open and close votes at their scheduled times. `make run` runs this loop inside "
        "`manage.py serve`; in production run it as its own process (several may run at "
        "once on PostgreSQL)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument("--interval", type=float, default=INTERVAL_SECONDS)

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        if once:
            report = tick()
            self.stdout.write(
                f"Opened {report.opened}, closed {report.closed}, failed {report.failed}"
            )
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        run_forever(stop=stop, interval=interval)
