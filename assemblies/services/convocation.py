"""Convening an assembly: notice periods, sending by email and in-app, proof of sending."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.db.models import Count, F
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from assemblies import events
from assemblies.errors import AgendaEmpty, AssemblyStateError, NoticeTooShort
from assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyCall,
    AssemblyStatus,
    CallStatus,
    Convocation,
    ConvocationChannel,
    ConvocationCount,
    ConvocationStatus,
)
from assemblies.room import room_emit
from assemblies.selectors import agenda_items
from assemblies.services._common import (
    audit,
    aware,
    clock,
    current,
    lock_assembly,
)
from assemblies.services.attendance_counts import call_attendance_recount
from core.notifications import notify
from core.outbox import outbox_emit
from governance.models import Member, Membership, Person, Representative
from governance.permissions import require_board
from governance.selectors import active_roll, decision_rules, rules_current

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "assembly.convocation"


def assembly_web_path(assembly: Assembly) -> str:
    """The assembly's page in the web interface, relative to the site (notifications keep
    relative links; emails prefix PUBLIC_BASE_URL)."""
    return f"/assemblies/{assembly.pk}/"


def notice_days(sent_at: dt.datetime, meeting_at: dt.datetime) -> int:
    """Whole calendar days between the day of sending and the day of the meeting, both in
    the cooperative's time zone: sent on 1 March for 16 March is 15 days."""
    return (timezone.localdate(meeting_at) - timezone.localdate(sent_at)).days


def _check_notice(call: AssemblyCall, *, required: int, since: dt.datetime) -> None:
    days = notice_days(since, call.scheduled_at)
    if days >= required:
        return
    earliest = timezone.localdate(since) + dt.timedelta(days=required)
    which = _("first call") if call.number == 1 else _("second call")
    raise NoticeTooShort(
        _(
            "The %(which)s must be convened at least %(required)d days ahead; the meeting of "
            "%(date)s is %(days)d days away. Hold it on %(earliest)s or later."
        )
        % {
            "which": which,
            "required": required,
            "days": days,
            "date": formats.date_format(timezone.localdate(call.scheduled_at)),
            "earliest": formats.date_format(earliest),
        },
        details={
            "call": call.number,
            "required_days": required,
            "notice_days": days,
            "scheduled_at": timezone.localtime(call.scheduled_at).isoformat(),
            "earliest_date": earliest.isoformat(),
        },
    )


@transaction.atomic
def assembly_convene(
    *, actor: Person, assembly: Assembly, now: dt.datetime | None = None
) -> Assembly:
    """Convene the first call: fix the agenda and the rules version, check the notice
    periods of the rules (the first call's, and the later call's for a second call the
    convocation announces), and send the convocation to every member with a vote.

    The board only. Locks the assembly row; starts the call's kept attendance counts
    (call_attendance_recount); audits; emits `assembly.convened`. Emails
    leave after the commit and their sending is recorded on each convocation row.
    """
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    now = current(now)
    if assembly.status != AssemblyStatus.DRAFT:
        raise AssemblyStateError(message=_("This assembly has already been convened."))
    if not AgendaItem.objects.filter(assembly=assembly).exists():
        raise AgendaEmpty()
    rules_version = rules_current(assembly.cooperative)
    rules = decision_rules(rules_version, assembly.kind)
    calls = {c.number: c for c in assembly.calls.all()}
    first = calls[1]
    _check_notice(first, required=rules.notice_days_first_call, since=now)
    if 2 in calls:
        _check_notice(calls[2], required=rules.notice_days_later_call, since=now)
    first.status = CallStatus.CONVENED
    first.convened_at = now
    first.convened_by = actor
    first.notice_days_required = rules.notice_days_first_call
    first.save()
    assembly.status = AssemblyStatus.CONVENED
    assembly.rules_version = rules_version
    assembly.save(update_fields=["status", "rules_version"])
    recipients = _convene_members(assembly, first, actor=actor, now=now)
    call_attendance_recount(call=first)
    audit(
        actor,
        "assembly.convened",
        assembly,
        first,
        call=1,
        kind=assembly.kind,
        scheduled_at=first.scheduled_at,
        notice_days=notice_days(now, first.scheduled_at),
        notice_days_required=rules.notice_days_first_call,
        rules_version=rules_version.number,
        members=recipients,
        second_call_at=calls[2].scheduled_at if 2 in calls else None,
    )
    outbox_emit(
        cooperative_id=assembly.cooperative_id,
        type=events.ASSEMBLY_CONVENED,
        data=events.convened_payload(assembly, first, recipients=recipients),
        payload_version=events.PAYLOAD_VERSION,
    )
    room_emit(assembly=assembly, type=events.ROOM_CONVENED, data={"call": events.call_ref(first)})
    return assembly


@transaction.atomic
def assembly_convene_second_call(
    *,
    actor: Person,
    assembly: Assembly,
    scheduled_at: dt.datetime | None = None,
    place: str | None = None,
    remote_url: str | None = None,
    now: dt.datetime | None = None,
) -> Assembly:
    """Convene the second call after a first call without quorum, with the same agenda.

    The later-call notice of the rules applies: counted from the first convocation when
    that convocation already announced this date, from now otherwise. The board only;
    locks the assembly row; starts the call's kept attendance counts; audits; emits
    `assembly.convened` for call 2.
    """
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    now = current(now)
    if assembly.status != AssemblyStatus.ADJOURNED:
        raise AssemblyStateError(
            message=_("A second call follows a first call that lacked its quorum.")
        )
    assert assembly.rules_version is not None
    rules = decision_rules(assembly.rules_version, assembly.kind)
    calls = {c.number: c for c in assembly.calls.all()}
    first = calls[1]
    second = calls.get(2)
    announced = second is not None and (scheduled_at is None or scheduled_at == second.scheduled_at)
    if second is None:
        if scheduled_at is None:
            raise AssemblyStateError(
                code="second_call_date_required", message=_("Give the date of the second call.")
            )
        second = AssemblyCall(
            assembly=assembly, number=2, place=first.place, remote_url=first.remote_url
        )
    if scheduled_at is not None:
        second.scheduled_at = aware(scheduled_at, field="scheduled_at")
    if second.scheduled_at <= now:
        raise AssemblyStateError(
            code="second_call_in_past", message=_("The second call must be held in the future.")
        )
    if place is not None:
        second.place = place
    if remote_url is not None:
        second.remote_url = remote_url
    assert first.convened_at is not None
    since = first.convened_at if announced else now
    _check_notice(second, required=rules.notice_days_later_call, since=since)
    second.status = CallStatus.CONVENED
    second.convened_at = now
    second.convened_by = actor
    second.notice_days_required = rules.notice_days_later_call
    second.save()
    assembly.status = AssemblyStatus.CONVENED
    assembly.current_call = 2
    assembly.save(update_fields=["status", "current_call"])
    recipients = _convene_members(assembly, second, actor=actor, now=now)
    call_attendance_recount(call=second)
    audit(
        actor,
        "assembly.convened",
        assembly,
        second,
        call=2,
        scheduled_at=second.scheduled_at,
        notice_days=notice_days(since, second.scheduled_at),
        notice_days_required=rules.notice_days_later_call,
        announced=announced,
        members=recipients,
    )
    outbox_emit(
        cooperative_id=assembly.cooperative_id,
        type=events.ASSEMBLY_CONVENED,
        data=events.convened_payload(assembly, second, recipients=recipients),
        payload_version=events.PAYLOAD_VERSION,
    )
    room_emit(assembly=assembly, type=events.ROOM_CONVENED, data={"call": events.call_ref(second)})
    return assembly


def recipients_of(cooperative: Any) -> list[tuple[Member, list[Person]]]:
    """Every member with a vote and the people who receive its mail: the member, or the
    active representatives of a legal person."""
    memberships: list[Membership] = list(active_roll(cooperative))
    legal = [m.member_id for m in memberships if m.member.person_id is None]
    people: dict[int, list[Person]] = {}
    for rep in (
        Representative.objects.filter(member_id__in=legal, revoked_at__isnull=True)
        .select_related("person")
        .order_by("designated_at", "id")
    ):
        people.setdefault(rep.member_id, []).append(rep.person)
    result = []
    for membership in memberships:
        member = membership.member
        if member.person_id:
            assert member.person is not None
            result.append((member, [member.person]))
        else:
            result.append((member, people.get(member.pk, [])))
    return result


def _convene_members(
    assembly: Assembly, call: AssemblyCall, *, actor: Person, now: dt.datetime
) -> int:
    """Notify every recipient in-app now and queue one email each; return the member count.

    Each channel leaves a Convocation row: in-app ones are sent with this transaction,
    emails are sent after the commit (a rolled-back convocation sends nothing)."""
    rows: list[Convocation] = []
    notified: list[Person] = []
    recipients = recipients_of(assembly.cooperative)
    for member, people in recipients:
        for person in people:
            notified.append(person)
            rows.append(
                Convocation(
                    call=call,
                    member=member,
                    person=person,
                    channel=ConvocationChannel.IN_APP,
                    status=ConvocationStatus.SENT,
                    sent_by=actor,
                    created_at=now,
                    sent_at=now,
                )
            )
            email = (person.email or "").strip()
            rows.append(
                Convocation(
                    call=call,
                    member=member,
                    person=person,
                    channel=ConvocationChannel.EMAIL,
                    address=email,
                    sent_by=actor,
                    created_at=now,
                    status=ConvocationStatus.QUEUED if email else ConvocationStatus.NO_ADDRESS,
                )
            )
    Convocation.objects.bulk_create(rows)
    _counts_create(call, Counter((row.channel, row.status) for row in rows))
    unique = list({p.pk: p for p in notified}.values())
    notify(
        people=unique,
        kind=NOTIFICATION_KIND,
        cooperative_id=assembly.cooperative_id,
        data={
            "assembly_id": assembly.pk,
            "call": call.number,
            "title": assembly.title,
            "scheduled_at": call.scheduled_at.isoformat(),
        },
        url=assembly_web_path(assembly),
    )
    call_id = call.pk
    transaction.on_commit(lambda: convocations_send(call_id=call_id))
    return len(recipients)


@transaction.atomic
def convocations_resend(
    *, actor: Person, assembly: Assembly, call_number: int, now: dt.datetime | None = None
) -> int:
    """Queue again the convocation emails of a convened call that failed or are still
    queued, and send them after the commit; return how many were queued.

    The board only. Each row keeps its proof: it turns to sent or failed again when the
    sending ends. Audited with the count.
    """
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    now = current(now)
    call = AssemblyCall.objects.filter(assembly=assembly, number=call_number).first()
    if call is None or call.convened_at is None:
        raise AssemblyStateError(message=_("This call is not convened."))
    emails = Convocation.objects.filter(call=call, channel=ConvocationChannel.EMAIL)
    # Each statement says how many rows it changed: the failed ones moved are counted as
    # they are found when the update runs (a sending may end meanwhile).
    failed = emails.filter(status=ConvocationStatus.FAILED).update(
        status=ConvocationStatus.QUEUED, error=""
    )
    _count_move(call.pk, ConvocationChannel.EMAIL, ConvocationStatus.FAILED, failed)
    queued = emails.filter(status=ConvocationStatus.QUEUED).count()
    audit(
        actor,
        "assembly.convocations_resent",
        assembly,
        call,
        call=call_number,
        queued=queued,
        resent_at=now,
    )
    if queued:
        call_id = call.pk
        transaction.on_commit(lambda: convocations_send(call_id=call_id))
    return queued


def convocations_send(*, call_id: int) -> int:
    """Send the queued convocation emails of a call and record each outcome; return how
    many left. Safe to run again: only queued rows are sent."""
    call = (
        AssemblyCall.objects.select_related("assembly", "assembly__cooperative")
        .filter(pk=call_id)
        .first()
    )
    if call is None:
        return 0
    queued = list(
        Convocation.objects.filter(
            call=call, status=ConvocationStatus.QUEUED, channel=ConvocationChannel.EMAIL
        )
        .select_related("member", "person")
        .order_by("id")
    )
    if not queued:
        return 0
    context = convocation_context(call)
    sent = 0
    connection = mailers.default
    with connection, translation.override(settings.LANGUAGE_CODE):
        for row in queued:
            message = _email(context, row)
            try:
                connection.send_messages([message])
            except Exception as exc:
                # A refused address must not stop the others; the row keeps the reason.
                logger.warning("Convocation %s could not be sent: %s", row.pk, exc)
                _sending_ended(row, ConvocationStatus.FAILED, error=str(exc)[:500])
                continue
            _sending_ended(row, ConvocationStatus.SENT, sent_at=clock())
            sent += 1
    return sent


@transaction.atomic
def _sending_ended(row: Convocation, status: str, **fields: Any) -> None:
    """Record how the sending of a queued row ended, and move the count with it; a row
    no longer queued (another sender recorded it first) is left as it is."""
    moved = Convocation.objects.filter(pk=row.pk, status=ConvocationStatus.QUEUED).update(
        status=status, **fields
    )
    _count_move(row.call_id, row.channel, ConvocationStatus.QUEUED, moved, to=status)


def _counts_create(call: AssemblyCall, counted: Counter[tuple[str, str]]) -> None:
    """The counts of a newly convened call: a row for every channel and state, zeros
    included, so that a later move only updates rows that exist."""
    ConvocationCount.objects.bulk_create(
        ConvocationCount(call=call, channel=channel, status=status, count=counted[channel, status])
        for channel in ConvocationChannel.values
        for status in ConvocationStatus.values
    )


def _count_move(
    call_id: int, channel: str, source: str, n: int, *, to: str = ConvocationStatus.QUEUED
) -> None:
    """Move `n` convocations of a call from one state to another in its counts, in the
    transaction of the rows' own update (a row lock each, held to the commit)."""
    if n <= 0 or source == to:
        return
    counts = ConvocationCount.objects.filter(call_id=call_id, channel=channel)
    if not counts.filter(status=source, count__gte=n).update(count=F("count") - n):
        # Fewer counted than moved: rows were written around the services. The rows,
        # already moved in this transaction, are the truth: count them again.
        logger.error("Convocation counts of call %s disagreed with its rows", call_id)
        convocation_counts_refresh(call_ids=[call_id])
        return
    counts.filter(status=to).update(count=F("count") + n)


def convocation_counts_refresh(*, call_ids: list[int]) -> int:
    """Count again, from the convocations themselves, the counts of these calls; returns
    the number of calls counted.

    For code that writes convocations without the services (a loader inserting them by
    SQL): the services keep the counts as they convene, send and resend.
    """
    with transaction.atomic():
        calls = list(AssemblyCall.objects.filter(pk__in=call_ids))
        counted: dict[int, Counter[tuple[str, str]]] = {call.pk: Counter() for call in calls}
        rows = (
            Convocation.objects.filter(call__in=calls)
            .values_list("call_id", "channel", "status")
            .annotate(n=Count("*"))
            .order_by()
        )
        for call_id, channel, status, n in rows:
            counted[call_id][channel, status] = n
        ConvocationCount.objects.filter(call__in=calls).delete()
        for call in calls:
            _counts_create(call, counted[call.pk])
    return len(calls)


def convocation_context(call: AssemblyCall) -> dict[str, Any]:
    assembly = call.assembly
    second = None
    if call.number == 1:
        second = AssemblyCall.objects.filter(assembly=assembly, number=2).first()
    base = settings.PUBLIC_BASE_URL
    return {
        "assembly": assembly,
        "cooperative": assembly.cooperative,
        "call": call,
        "second_call": second,
        "items": list(agenda_items().filter(assembly=assembly)),
        "documents": list(assembly.documents.all()),
        "api_url": f"{base}/api/v1/assemblies/{assembly.pk}/",
        "web_url": f"{base}{assembly_web_path(assembly)}",
    }


def _email(context: dict[str, Any], row: Convocation) -> EmailMultiAlternatives:
    personal = {**context, "member": row.member, "person": row.person}
    assembly = context["assembly"]
    call = context["call"]
    subject = _("Convocation: %(title)s, %(date)s") % {
        "title": assembly.title,
        "date": formats.date_format(timezone.localtime(call.scheduled_at), "DATE_FORMAT"),
    }
    text = render_to_string("assemblies/email/convocation.txt", personal)
    html = render_to_string("assemblies/email/convocation.html", personal)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[row.address],
        headers={"X-Collegia-Convocation": str(row.pk)},
    )
    message.attach_alternative(html, "text/html")
    return message
