"""The person's notices: preferences (e-mail per kind, language, calendar feed), the
one-click unsubscribe of e-mails, calendar files."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.mailer import unsubscribe_read
from core.models import NotificationPreference
from core.notices import KINDS, allowed_modes
from core.notifications import (
    calendar_feed_reset,
    notification_preference_set,
    notifications_unsubscribe,
    person_language_set,
)
from frontend.calendars import feed_person, feed_url, new_calendar, person_feed, to_ics, vote_event
from frontend.views.common import page_view, refusal, signed_in
from governance.models import Person
from voting.permissions import access_vote


@page_view
def preferences(request: HttpRequest) -> HttpResponse:
    """How the person is told: the language of their e-mails, the e-mail mode of each kind
    (legal convocations cannot be turned off), and their private calendar feed."""
    person = signed_in(request)
    back = reverse("frontend:preferences")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            with transaction.atomic(durable=True):
                if action == "reset_calendar":
                    calendar_feed_reset(person=person)
                    done = _("Your calendar has a new address; the old one no longer works.")
                else:
                    person_language_set(person=person, language=request.POST.get("language", ""))
                    for key, spec in KINDS.items():
                        mode = request.POST.get(f"mode-{key}")
                        if spec.email and mode:
                            notification_preference_set(person=person, kind=key, mode=mode)
                    done = _("Your preferences are saved.")
        except DomainError as exc:
            return refusal(request, exc, redirect_to=back)
        messages.success(request, done)
        return HttpResponseRedirect(back)
    chosen = dict(NotificationPreference.objects.filter(person=person).values_list("kind", "mode"))
    kinds = [
        {
            "key": key,
            "label": spec.label,
            "legal": spec.legal,
            "email": spec.email,
            "mode": chosen.get(key, spec.default),
            "modes": allowed_modes(spec),
        }
        for key, spec in KINDS.items()
    ]
    context = {
        "kinds": kinds,
        "language_choices": [(code, str(name)) for code, name in settings.LANGUAGES],
        "feed_url": feed_url(person),
        "nav": "preferences",
    }
    return render(request, "frontend/preferences.html", context)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """An e-mail's unsubscribe link, without signing in (the token is signed). GET shows a
    confirmation button, so a mail scanner following links changes nothing; POST, from
    that button or a mail client's RFC 8058 one-click, turns the e-mail off."""
    found = unsubscribe_read(token)
    person = (
        Person.objects.filter(pk=found[0], is_active=True).first() if found is not None else None
    )
    if person is None:
        raise Http404(_("This link is not valid."))
    kind = found[1] if found else ""
    spec = KINDS.get(kind)
    label = spec.label if spec is not None else _("every e-mail of Collegia that can be stopped")
    if request.method == "POST":
        with transaction.atomic(durable=True):
            notifications_unsubscribe(person=person, kind=kind)
        return render(
            request, "frontend/unsubscribe.html", {"done": True, "label": label}, status=200
        )
    return render(request, "frontend/unsubscribe.html", {"done": False, "label": label})


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's private feed: the secret address is its only key (for calendar apps)."""
    person = feed_person(token)
    if person is None:
        raise Http404()
    response = HttpResponse(person_feed(person), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@page_view
def vote_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """A vote's deadline as an iCalendar file."""
    vote, _role = access_vote(request.user, pk)
    body = to_ics(new_calendar(vote.title), [vote_event(vote)])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}.ics"'
    return response
