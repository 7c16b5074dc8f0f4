"""WebSocket routes of every app, behind origin checks and session/token authentication."""

from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator

from core.ws_auth import TokenOrSessionAuthMiddlewareStack

websocket_urlpatterns: list = []
for module in ("deliberation.routing", "voting.routing", "assemblies.routing"):
    try:
        websocket_urlpatterns += __import__(module, fromlist=["urlpatterns"]).urlpatterns
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise

websocket_application = AllowedHostsOriginValidator(
    TokenOrSessionAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
)
