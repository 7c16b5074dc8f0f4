"""Serve HTTP and WebSockets with Daphne, with the background workers beside it."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run Daphne on HOST:PORT and, as threads of the same process, the workers listed in "
        "settings.COLLEGIA['WORKERS'] (webhook delivery, vote scheduler). Threads share the "
        "in-memory channel layer of the embedded setup; production runs each worker as its "
        "own process (see README)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-workers", action="store_true")

    def handle(self, *args: Any, host: str, port: int, no_workers: bool, **options: Any) -> None:
        from daphne.endpoints import build_endpoint_description_strings
        from daphne.server import Server, twisted_loop
        from twisted.internet import reactor

        from core.events import bind_server_loop

        # The project names its application in settings; core never imports the project.
        application = import_string(settings.ASGI_APPLICATION)

        stop = threading.Event()
        loops: list[str] = settings.COLLEGIA.get("WORKER_LOOPS", [])  # type: ignore[assignment]
        workers = [] if no_workers else list(loops)

        def start_workers() -> None:
            bind_server_loop(twisted_loop)
            for dotted in workers:
                loop = import_string(dotted)
                thread = threading.Thread(
                    target=loop, kwargs={"stop": stop}, name=dotted, daemon=True
                )
                thread.start()
                self.stdout.write(f"Worker started: {dotted}")

        reactor.callWhenRunning(start_workers)
        self.stdout.write(f"Collegia at http://{host}:{port}/ (API docs at /api/docs/)")
        server = Server(
            application=application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            verbosity=1,
        )
        try:
            server.run()
        finally:
            stop.set()
