"""Transport only: when a session ends, its live connections are told to close."""

from __future__ import annotations

from typing import Any

from deliberation.room import announce_logout


def on_user_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or getattr(user, "pk", None) is None:
        return
    session = getattr(request, "session", None)
    announce_logout(person_id=user.pk, session_key=getattr(session, "session_key", None))
