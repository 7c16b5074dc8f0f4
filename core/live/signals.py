"""Transport only: when a session ends, the person's live connections are told, and those
opened with that session close (core.ws.logout_closes)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from core.events import person_group, publish
from core.ws import session_fingerprint


def announce_logout(*, person_id: int, session_key: str | None) -> None:
    """Tell the person's live connections that one of their sessions ended."""
    publish(
        {"type": "access.changed", "reason": "logout", "session": session_fingerprint(session_key)},
        groups=[person_group(person_id)],
    )


def on_user_logged_out(
    sender: Any, request: Any, user: AbstractBaseUser | AnonymousUser | None, **kwargs: Any
) -> None:
    person_id = getattr(user, "pk", None)
    if person_id is None:
        return
    session = getattr(request, "session", None)
    announce_logout(person_id=person_id, session_key=getattr(session, "session_key", None))
