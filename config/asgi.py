"""ASGI entry point: HTTP through Django, WebSockets through Channels routing."""

import os
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from core.asgi_http import get_http_application  # noqa: E402

django_asgi = get_http_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from config.routing import websocket_application  # noqa: E402

http_application: Any = django_asgi
if settings.DEBUG:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    http_application = ASGIStaticFilesHandler(django_asgi)

application = ProtocolTypeRouter({"http": http_application, "websocket": websocket_application})

# Everything loaded now lives as long as the server: out of the collector's way (core.heap).
from django.urls import get_resolver  # noqa: E402

from core import heap, interpreter  # noqa: E402

get_resolver().url_patterns  # noqa: B018  (the URLconf loads lazily: load it before freezing)
heap.install(float(str(settings.COLLEGIA.get("GC_FULL_COLLECT_SECONDS", 600))))
interpreter.install(float(str(settings.COLLEGIA.get("ASGI_SWITCH_INTERVAL_SECONDS", 0))))
