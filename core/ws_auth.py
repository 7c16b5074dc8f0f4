"""WebSocket authentication: the browser's session, or an API token for machine clients."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.middleware import BaseMiddleware


class TokenAuthMiddleware(BaseMiddleware):  # type: ignore[misc]
    """Use `Authorization: Token <key>` (or the `token` query parameter, for browsers'
    WebSocket API which cannot set headers) when present; else the session's user, through
    `session_stack`.

    A token is not looked up here: the scope carries it (`auth_token_key`) and the room
    consumer resolves it in the same trip to the database thread as its admission
    (core.live.consumer), so a handshake makes one such trip, not two. A token that
    authenticates nobody is refused there; it never falls back to a session.

    A connection with a token skips the session stack: its cookie, session and lazy user
    (a thread hop of their own at the handshake) would go unused, and each layer keeps its
    copy of the scope for as long as the connection lives."""

    def __init__(self, inner: Any, session_stack: Any) -> None:
        super().__init__(inner)
        self.session_stack = session_stack

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = None
        for name, value in scope.get("headers", []):
            if name == b"authorization" and value.lower().startswith(b"token "):
                key = value[6:].decode("latin-1").strip()
        if key is None:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            key = (query.get("token") or [None])[0]
        if key:
            # The token's public id (its first characters), so that revoking it closes
            # the connections opened with it (core.ws.logout_closes).
            scope = dict(scope, auth_method="token", auth_token_key=key, auth_token_id=key[:15])
            return await self.inner(scope, receive, send)
        return await self.session_stack(scope, receive, send)


def TokenOrSessionAuthMiddlewareStack(inner: Any) -> Any:  # noqa: N802
    return TokenAuthMiddleware(inner, AuthMiddlewareStack(inner))
