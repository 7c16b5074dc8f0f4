"""Transport only: when a session ends, the person's live connections are told, and those
opened with that session close (core.ws.logout_closes)."""

from __future__ import annotations

from typing import Any

from core.events import person_group, publish
from core.ws import session_fingerprint


def announce_logout(*, person_id: int, session_key: str | None) -> None:
    """Tell the person's live connections that one of their sessions ended."""
    publish(
        {"type": "access.changed", "reason": "logout", "session": session_fingerprint(session_key)},
        groups=[person_group(person_id)],
    )


def on_user_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or getattr(user, "pk", None) is None:
        return
    session = getattr(request, "session", None)
    announce_logout(person_id=user.pk, session_key=getattr(session, "session_key", None))
