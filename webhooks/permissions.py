"""Who may manage webhooks: the board of the cooperative, and no one else."""

from __future__ import annotations

from core.errors import NotFound
from governance.models import Cooperative
from governance.permissions import Viewer, access_cooperative
from webhooks.models import Endpoint, Message


def access_cooperative_webhooks(person: Viewer, slug: str) -> Cooperative:
    """Load a cooperative whose webhooks the person manages. Endpoints carry secrets and
    reveal the platform's integration, so their management is the board's only.

    404 when the person cannot read the cooperative (missing or not theirs), 403
    ``board_only`` when they can read it but are not on its board.
    """
    cooperative, _role = access_cooperative(person, slug, manage=True)
    return cooperative


def access_endpoint(person: Viewer, slug: str, endpoint_id: int, *, lock: bool = False) -> Endpoint:
    """Load one endpoint of a cooperative the person manages; the same 404 for an endpoint
    that does not exist and for one of another cooperative. ``lock`` takes a row lock that
    does not block the insertion of its messages."""
    cooperative = access_cooperative_webhooks(person, slug)
    queryset = Endpoint.objects.select_related("cooperative")
    if lock:
        queryset = queryset.select_for_update(no_key=True, of=("self",))
    endpoint = queryset.filter(cooperative=cooperative, pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound()
    return endpoint


def access_message(endpoint: Endpoint, msg_id: str, *, lock: bool = False) -> Message:
    """Load one message of an endpoint already authorized, by its ``webhook-id``."""
    queryset = Message.objects.select_related("event", "endpoint")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    message = queryset.filter(endpoint=endpoint, msg_id=msg_id).first()
    if message is None:
        raise NotFound()
    return message
