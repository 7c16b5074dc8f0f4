"""Deliver webhook messages until stopped, or once with --once."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from webhooks.worker import DeliveryPolicy, drain, run_forever


class Command(BaseCommand):
    help = (
        "Send due webhook messages with retries, as the worker of `manage.py serve` does. "
        "Several can run at once on PostgreSQL: each message is claimed by one worker at a "
        "time. Stops cleanly on SIGTERM or Ctrl-C after recording the sends in flight."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Deliver what is due now, then exit."
        )
        parser.add_argument(
            "--concurrency", type=int, default=None, help="Sends in flight at once (16)."
        )
        parser.add_argument(
            "--timeout",
            type=float,
            default=None,
            help="Seconds per attempt (settings.COLLEGIA['WEBHOOK_TIMEOUT_SECONDS']).",
        )
        parser.add_argument(
            "--lease",
            type=float,
            default=None,
            help="Seconds a claimed message stays reserved (4 x timeout + 30).",
        )
        parser.add_argument(
            "--retry-scale",
            type=float,
            default=None,
            help="Multiply every retry delay; tests and benchmarks use 0.001.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        overrides: dict[str, Any] = {}
        if options["concurrency"] is not None:
            if not 1 <= options["concurrency"] <= 256:
                raise CommandError("--concurrency must be between 1 and 256.")
            overrides["concurrency"] = options["concurrency"]
        if options["timeout"] is not None:
            if options["timeout"] <= 0:
                raise CommandError("--timeout must be positive.")
            overrides["timeout"] = options["timeout"]
        if options["lease"] is not None:
            if options["lease"] <= 0:
                raise CommandError("--lease must be positive.")
            overrides["lease"] = timedelta(seconds=options["lease"])
        if options["retry_scale"] is not None:
            if options["retry_scale"] <= 0:
                raise CommandError("--retry-scale must be positive.")
            overrides["retry_scale"] = options["retry_scale"]
        policy = DeliveryPolicy.from_settings(**overrides)
        if options["once"]:
            count = drain(policy=policy)
            self.stdout.write(f"Webhook attempts made: {count}")
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda _signum, _frame: stop.set())
        self.stdout.write("Delivering webhooks (SIGTERM or Ctrl-C to stop)", ending="\n")
        self.stdout.flush()
        run_forever(stop=stop, policy=policy)
