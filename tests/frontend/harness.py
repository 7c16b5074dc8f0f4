"""A Daphne server for the browser tests, with a control channel on its standard input.

Run as `python -m tests.frontend.harness --port N --database PATH`. It builds a fresh
SQLite database, serves HTTP and WebSockets (static files included) on 127.0.0.1, and
runs the scenario functions the tests ask for, one JSON line at a time, inside the same
process, so their live events reach the sockets through the in-memory channel layer.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import traceback
from typing import Any

PREFIX = "@@harness "


def _reply(message: dict[str, Any]) -> None:
    sys.stdout.write(PREFIX + json.dumps(message, default=str) + "\n")
    sys.stdout.flush()


def _serve_commands() -> None:
    """Run `{"id", "call": "module:function", "kwargs"}` lines until standard input closes."""
    from django.db import close_old_connections, connections
    from django.utils.module_loading import import_string

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        close_old_connections()
        try:
            function = import_string(request["call"].replace(":", "."))
            result = function(**request.get("kwargs", {}))
            _reply({"id": request["id"], "result": result})
        except Exception:
            _reply({"id": request["id"], "error": traceback.format_exc()})
        finally:
            connections.close_all()
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    os.environ["DATABASE_URL"] = f"sqlite:///{args.database}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("compile_catalogs", verbosity=0)

    from channels.routing import ProtocolTypeRouter
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server, twisted_loop
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from twisted.internet import reactor

    from config.asgi import django_asgi
    from config.routing import websocket_application
    from core.events import bind_server_loop

    application = ProtocolTypeRouter(
        {
            "http": ASGIStaticFilesHandler(django_asgi),
            "websocket": websocket_application,
        }
    )

    def started() -> None:
        bind_server_loop(twisted_loop)
        threading.Thread(target=_serve_commands, name="harness-commands", daemon=True).start()
        _reply({"ready": True})

    reactor.callWhenRunning(started)  # type: ignore[attr-defined]
    Server(
        application=application,
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=args.port),
        verbosity=0,
    ).run()


if __name__ == "__main__":
    main()
