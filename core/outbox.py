"""The transactional outbox: integration events written with the change that caused them."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from core.models import OutboxEvent


def outbox_emit(
    *, cooperative_id: int, type: str, data: dict[str, Any], payload_version: int = 1
) -> OutboxEvent:
    """Store an integration event. Call it inside the service's transaction, never after."""
    clean = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return OutboxEvent.objects.create(
        cooperative_id=cooperative_id, type=type, data=clean, payload_version=payload_version
    )
