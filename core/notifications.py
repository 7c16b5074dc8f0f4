"""In-app notifications: written inside the caller's transaction, pushed after commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.events import person_group, publish
from core.models import Notification


def notify(
    *,
    people: Iterable[Any],
    kind: str,
    message: str,
    cooperative_id: int | None = None,
    data: dict[str, Any] | None = None,
    url: str = "",
) -> list[Notification]:
    """Create one notification per person and push a `notification.created` to each."""
    created = Notification.objects.bulk_create(
        Notification(
            person=person,
            cooperative_id=cooperative_id,
            kind=kind,
            message=message[:500],
            data=data or {},
            url=url,
        )
        for person in people
    )
    for notification in created:
        publish(
            {"type": "notification.created", "id": notification.pk, "kind": kind},
            groups=[person_group(notification.person_id)],
        )
    return created


def notification_mark_read(*, person: Any, ids: Iterable[int]) -> int:
    from django.utils import timezone

    return Notification.objects.filter(
        person=person, pk__in=list(ids), read_at__isnull=True
    ).update(read_at=timezone.now())
