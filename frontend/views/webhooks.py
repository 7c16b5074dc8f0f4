"""Board pages of webhook endpoints: their settings, delivery log and replays."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.views.common import (
    cooperative_for,
    form_refusal,
    page_view,
    paginate,
    perform,
    render_coop,
    signed_in,
)
from webhooks import catalog, selectors, services
from webhooks.models import Attempt, MessageStatus
from webhooks.permissions import access_endpoint, access_message
from webhooks.services import MAX_DESCRIPTION_LENGTH

URL_MAX = 2000


def _list_url(slug: str) -> str:
    return reverse("frontend:board_webhooks", kwargs={"slug": slug})


def _endpoint_url(slug: str, pk: int) -> str:
    return reverse("frontend:board_webhook", kwargs={"slug": slug, "pk": pk})


@dataclass(frozen=True, slots=True)
class EventTypeRow:
    """An event type as the board reads it: its name, and what it announces in the
    reader's language, with the payload's property names set as code."""

    name: str
    description: SafeString


_CODE = re.compile(r"`([^`]+)`")


def _event_type_rows() -> list[EventTypeRow]:
    rows = []
    for name in catalog.SUBSCRIBABLE_TYPES:
        # Escaped first, so the only markup is the <code> set here.
        text = escape(_(catalog.EVENT_TYPES[name].description))
        rows.append(EventTypeRow(name, mark_safe(_CODE.sub(r"<code>\1</code>", text))))
    return rows


def _event_types(request: HttpRequest) -> list[str]:
    return [t for t in request.POST.getlist("event_types") if t in catalog.SUBSCRIBABLE_TYPES]


@page_view
def endpoints(request: HttpRequest, slug: str) -> HttpResponse:
    """The cooperative's endpoints; the board registers a new one here."""
    cooperative, role = cooperative_for(request, slug, manage=True)
    if request.method == "POST":
        url = request.POST.get("url", "").strip()[:URL_MAX]
        if not url:
            return form_refusal(
                request,
                _("Give the address that receives the events."),
                redirect_to=_list_url(slug),
            )
        created: list[Any] = []
        response = perform(
            request,
            lambda: created.append(
                services.endpoint_create(
                    actor=signed_in(request),
                    cooperative=cooperative,
                    url=url,
                    description=request.POST.get("description", "")[:MAX_DESCRIPTION_LENGTH],
                    event_types=_event_types(request),
                )
            ),
            success=_("The endpoint is registered. Give its secret to the platform."),
            redirect_to=_list_url(slug),
        )
        if created:
            return HttpResponseRedirect(_endpoint_url(slug, created[0].pk))
        return response
    context = {
        "endpoints": selectors.endpoint_list(cooperative),
        "event_types": _event_type_rows(),
    }
    return render_coop(
        request, "frontend/board/webhooks.html", cooperative, role, "webhooks", context
    )


@page_view
def endpoint_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One endpoint: its settings and secret, then every message with its attempts."""
    cooperative, role = cooperative_for(request, slug, manage=True)
    endpoint = access_endpoint(request.user, slug, pk)
    status = request.GET.get("status") or None
    if status not in MessageStatus.values:
        status = None
    messages = selectors.message_list(endpoint, status=status).prefetch_related(
        Prefetch("attempt_log", queryset=Attempt.objects.order_by("-number"))
    )
    context = {
        "endpoint": selectors.endpoint_with_counts(endpoint),
        "page": paginate(request, messages, per_page=25),
        "status": status,
        "tab": status or "",
        "statuses": MessageStatus.choices,
        "event_types": _event_type_rows(),
        "active_secrets": selectors.endpoint_active_secrets(endpoint, now=timezone.now()),
        "today": timezone.localdate(),
    }
    return render_coop(
        request, "frontend/board/webhook.html", cooperative, role, "webhooks", context
    )


@page_view
@require_POST
def endpoint_act(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    """Change, enable, disable, rotate, test, delete an endpoint, or replay what failed."""
    access_endpoint(request.user, slug, pk)
    back = _endpoint_url(slug, pk)

    def locked() -> Any:
        return access_endpoint(request.user, slug, pk, lock=True)

    if action == "update":
        url = request.POST.get("url", "").strip()[:URL_MAX]
        return perform(
            request,
            lambda: services.endpoint_update(
                actor=signed_in(request),
                endpoint=locked(),
                url=url or None,
                description=request.POST.get("description", "")[:MAX_DESCRIPTION_LENGTH],
                event_types=_event_types(request),
            ),
            success=_("The endpoint is updated."),
            redirect_to=back,
        )
    if action in ("enable", "disable"):
        return perform(
            request,
            lambda: services.endpoint_update(
                actor=signed_in(request), endpoint=locked(), is_enabled=action == "enable"
            ),
            success=_("The endpoint is enabled.")
            if action == "enable"
            else _("The endpoint is disabled."),
            redirect_to=back,
        )
    if action == "rotate":
        return perform(
            request,
            lambda: services.endpoint_rotate_secret(actor=signed_in(request), endpoint=locked()),
            success=_("The secret is renewed; the previous one stays valid for 24 hours."),
            redirect_to=back,
        )
    if action == "test":
        return perform(
            request,
            lambda: services.endpoint_send_test(actor=signed_in(request), endpoint=locked()),
            success=_("A test message is queued."),
            redirect_to=back,
        )
    if action == "delete":
        return perform(
            request,
            lambda: services.endpoint_delete(actor=signed_in(request), endpoint=locked()),
            success=_("The endpoint is deleted."),
            redirect_to=_list_url(slug),
        )
    if action == "replay-failed":
        since_day = parse_date(request.POST.get("since", "")[:10])
        if since_day is None:
            return form_refusal(
                request, _("Choose the date from which to replay."), redirect_to=back
            )
        since = timezone.make_aware(dt.datetime.combine(since_day, dt.time.min))
        count: list[int] = []
        response = perform(
            request,
            lambda: count.append(
                services.messages_replay_failed(
                    actor=signed_in(request), endpoint=locked(), since=since
                )
            ),
            success=_("Failed messages are queued again."),
            redirect_to=back,
        )
        return response
    raise Http404()


@page_view
@require_POST
def message_replay(request: HttpRequest, slug: str, pk: int, msg_id: str) -> HttpResponse:
    access_endpoint(request.user, slug, pk)

    def replay() -> Any:
        endpoint = access_endpoint(request.user, slug, pk, lock=True)
        return services.message_replay(
            actor=signed_in(request), message=access_message(endpoint, msg_id, lock=True)
        )

    return perform(
        request,
        replay,
        success=_("The message will be delivered again with the same webhook-id."),
        redirect_to=_endpoint_url(slug, pk) + f"#message-{msg_id}",
    )
