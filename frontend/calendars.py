"""iCalendar files built with the icalendar library: an assembly's calls, a vote's
deadline, and a person's private feed of both (signed address, resettable)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from assemblies.models import Assembly, AssemblyStatus, CallStatus
from governance.acting import acting_members_anywhere
from governance.models import MembershipStatus, Person
from voting.models import Vote, VoteStatus

MEETING_LENGTH: Final = dt.timedelta(hours=3)
# A vote's deadline shows as a short event ending at the close.
DEADLINE_LENGTH: Final = dt.timedelta(minutes=30)
FEED_SALT: Final = "collegia.calendar.feed"
FEED_PAST: Final = dt.timedelta(days=90)


def new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Collegia//calendar//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def assembly_events(assembly: Assembly) -> list[Event]:
    """One event per call of an assembly that is not cancelled."""
    page = settings.PUBLIC_BASE_URL + reverse("frontend:assembly", kwargs={"pk": assembly.pk})
    events = []
    for call in sorted(assembly.calls.all(), key=lambda c: c.number):
        if call.status == CallStatus.CANCELLED:
            continue
        event = Event()
        event.add("uid", f"assembly-{assembly.pk}-call-{call.number}@collegia")
        event.add("summary", f"{assembly.title} ({_('call %(n)d') % {'n': call.number}})")
        event.add("dtstart", call.scheduled_at)
        event.add("dtend", call.scheduled_at + MEETING_LENGTH)
        event.add("dtstamp", call.convened_at or assembly.created_at)
        if call.place:
            event.add("location", call.place)
        description = [assembly.cooperative.name, page]
        if assembly.remote_allowed and call.remote_url:
            description.append(_("Remote attendance: %(url)s") % {"url": call.remote_url})
        event.add("description", "\n".join(description))
        event.add("url", page)
        events.append(event)
    return events


def vote_event(vote: Vote) -> Event | None:
    """The deadline of a vote as an event ending when it closes; None without a close."""
    if vote.closes_at is None:
        return None
    page = settings.PUBLIC_BASE_URL + reverse("frontend:vote", kwargs={"pk": vote.pk})
    event = Event()
    event.add("uid", f"vote-{vote.pk}-closes@collegia")
    event.add("summary", _("Vote closes: %(title)s") % {"title": vote.title})
    event.add("dtstart", vote.closes_at - DEADLINE_LENGTH)
    event.add("dtend", vote.closes_at)
    event.add("dtstamp", vote.opened_at or vote.created_at)
    event.add("description", "\n".join([vote.cooperative.name, page]))
    event.add("url", page)
    return event


def to_ics(calendar: Calendar, events: Iterable[Event | None]) -> bytes:
    for event in events:
        if event is not None:
            calendar.add_component(event)
    return calendar.to_ical()


def feed_token(person: Person) -> str:
    """The secret of a person's feed address: signed with their calendar epoch, so a
    reset (calendar_feed_reset) ends every earlier address."""
    return signing.dumps({"p": person.pk, "e": person.calendar_epoch}, salt=FEED_SALT)


def feed_person(token: str) -> Any | None:
    try:
        value = signing.loads(token, salt=FEED_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict):
        return None
    person_id, epoch = value.get("p"), value.get("e")
    if not isinstance(person_id, int) or not isinstance(epoch, int):
        return None
    return (
        get_user_model().objects.filter(pk=person_id, calendar_epoch=epoch, is_active=True).first()
    )


def feed_url(person: Person) -> str:
    return settings.PUBLIC_BASE_URL + reverse(
        "frontend:calendar_feed", kwargs={"token": feed_token(person)}
    )


def person_feed(person: Person, *, now: dt.datetime | None = None) -> bytes:
    """The assemblies a person is convened to and the deadlines of the votes they are on
    the roll of (for themself or an organisation), from 90 days back."""
    now = now or timezone.now()
    members = acting_members_anywhere(person)
    cooperatives = members.filter(memberships__status=MembershipStatus.ACTIVE).values(
        "cooperative_id"
    )
    assemblies = (
        Assembly.objects.filter(cooperative_id__in=cooperatives)
        .exclude(status__in=[AssemblyStatus.DRAFT, AssemblyStatus.CANCELLED])
        .filter(calls__scheduled_at__gte=now - FEED_PAST)
        .distinct()
        .select_related("cooperative")
        .prefetch_related("calls")
    )
    votes = (
        Vote.objects.filter(
            roll__member__in=members.values("pk"),
            status__in=[VoteStatus.OPEN, VoteStatus.CLOSED],
            closes_at__gte=now - FEED_PAST,
        )
        .distinct()
        .select_related("cooperative")
    )
    events: list[Event | None] = []
    for assembly in assemblies:
        events.extend(assembly_events(assembly))
    events.extend(vote_event(vote) for vote in votes)
    return to_ics(new_calendar(_("Collegia: %(name)s") % {"name": person}), events)
