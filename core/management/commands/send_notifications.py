"""Send the e-mails of notifications until stopped, or once with --once."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from core.mailer import run_forever, tick


class Command(BaseCommand):
    help = (
        "Send queued notification e-mails (each at once, or in the daily digest, as each "
        "person chose), as the worker of `manage.py serve` does. Several can run at once on "
        "PostgreSQL: each row is claimed by one worker and never sent twice."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due now, then exit.")

    def handle(self, *args: Any, once: bool, **options: Any) -> None:
        if once:
            report = tick()
            self.stdout.write(f"sent {report.sent}, digests {report.digests}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            run_forever(stop=stop)
        except KeyboardInterrupt:
            stop.set()
