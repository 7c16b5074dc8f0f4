"""Convocation: notice periods from the rules, who is convened, channels and proof of sending."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import jsonschema
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command

from assemblies import services
from assemblies.errors import AgendaEmpty, NoticeTooShort
from assemblies.models import AssemblyStatus, Convocation, ConvocationStatus
from core.errors import Forbidden
from core.models import Notification, OutboxEvent
from governance import services as governance
from governance.models import Person
from tests.assemblies.factories import (
    FIRST_CALL,
    PARIS,
    T0,
    make_assembly,
    small_coop,
)
from tests.governance.factories import add_legal_member
from webhooks.catalog import delivered_data, event_type_get

pytestmark = pytest.mark.django_db


def test_a_first_call_too_soon_is_refused_with_the_days_and_the_earliest_date():
    coop = small_coop()
    too_soon = dt.datetime(2027, 3, 10, 18, 0, tzinfo=PARIS)
    assembly = make_assembly(
        coop.cooperative, chair=coop.chair, first_call_at=too_soon, second_call_at=None
    )
    with pytest.raises(NoticeTooShort) as refused:
        services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    error = refused.value
    assert error.code == "notice_too_short"
    assert error.details == {
        "call": 1,
        "required_days": 15,
        "notice_days": 9,
        "scheduled_at": too_soon.isoformat(),
        "earliest_date": "2027-03-16",
    }
    assert "15 days" in error.message and "9 days away" in error.message
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.DRAFT
    assert not Convocation.objects.exists() and not mail.outbox


def test_exactly_the_notice_of_the_rules_is_enough():
    coop = small_coop()
    on_time = dt.datetime(2027, 3, 16, 9, 0, tzinfo=PARIS)
    assembly = make_assembly(
        coop.cooperative, chair=coop.chair, first_call_at=on_time, second_call_at=None
    )
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CONVENED


def test_the_notice_periods_come_from_the_rules_version_of_the_kind():
    coop = small_coop()
    governance.rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"notice_days_later_call": 20}},
    )
    assembly = make_assembly(
        coop.cooperative, chair=coop.chair, second_call_at=FIRST_CALL + dt.timedelta(days=1)
    )
    with pytest.raises(NoticeTooShort) as refused:
        services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    assert refused.value.details["call"] == 2
    assert refused.value.details["required_days"] == 20
    governance.rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"extraordinary": {"notice_days_first_call": 21}},
    )
    extraordinary = make_assembly(
        coop.cooperative, chair=coop.chair, kind="extraordinary", second_call_at=None
    )
    with pytest.raises(NoticeTooShort) as refused:
        services.assembly_convene(actor=coop.chair, assembly=extraordinary, now=T0)
    assert refused.value.details["required_days"] == 21


def test_only_the_board_convenes_and_only_with_an_agenda():
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=[])
    with pytest.raises(AgendaEmpty):
        services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    with pytest.raises(Forbidden):
        services.assembly_convene(actor=coop.people["Workers"][0], assembly=assembly, now=T0)


def test_every_member_with_a_vote_is_convened_by_email_and_in_app(capture_on_commit):
    coop = small_coop()
    legal = add_legal_member(
        coop.cooperative, "Authorities", name="Commune de Test", representatives=2
    )
    no_mail = coop.people["Users"][0]
    Person.objects.filter(pk=no_mail.pk).update(email="")
    for person in Person.objects.exclude(pk=no_mail.pk):
        Person.objects.filter(pk=person.pk).update(email=f"{person.username}@example.org")
    applicant = coop.people["Workers"][0]
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["Accounts", "Budget"])
    services.document_add(
        actor=coop.chair,
        assembly=assembly,
        title="Annual report",
        url="https://docs.example.org/report.pdf",
        sha256="ab" * 32,
        now=T0,
    )
    governance.membership_resign(
        actor=applicant,
        membership=applicant.memberships_as_person.get().memberships.get(),
        reason="Moving away",
    )

    with capture_on_commit(execute=True):
        services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)

    members = 16 - 1 + 1  # one resigned, one legal person added
    rows = Convocation.objects.filter(call__number=1)
    assert rows.values("member").distinct().count() == members
    # The legal person's two representatives each receive it; the resigned member does not.
    legal_rows = rows.filter(member=legal.member)
    assert legal_rows.filter(channel="email").count() == 2
    assert not rows.filter(person=applicant).exists()
    assert rows.get(person=no_mail, channel="email").status == ConvocationStatus.NO_ADDRESS
    sent = rows.filter(channel="email", status=ConvocationStatus.SENT)
    assert sent.count() == len(mail.outbox) == members + 1 - 1
    assert all(row.sent_at is not None and row.sent_by == coop.chair for row in sent)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(sent.values_list("address", flat=True))
    message = mail.outbox[0]
    assert "Accounts" in message.body and "Budget" in message.body
    assert "https://docs.example.org/report.pdf" in message.body and "ab" * 32 in message.body
    html = message.alternatives[0]
    assert "report.pdf" in html.content
    assert (
        Notification.objects.filter(kind="assembly.convocation").count()
        == rows.filter(channel="in_app").count()
        == members + 1
    )


class RefusingBackend(EmailBackend):
    """Refuses one address, as an SMTP server would."""

    def send_messages(self, messages: Any) -> int:
        if any("refused" in address for m in messages for address in m.to):
            raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_a_refused_email_is_recorded_and_does_not_stop_the_others(capture_on_commit, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.assemblies.test_convocation.RefusingBackend"}}
    coop = small_coop()
    for person in Person.objects.all():
        Person.objects.filter(pk=person.pk).update(email=f"{person.username}@example.org")
    refused = coop.people["Users"][1]
    Person.objects.filter(pk=refused.pk).update(email="refused@example.org")
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    with capture_on_commit(execute=True):
        services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    row = Convocation.objects.get(person=refused, channel="email")
    assert row.status == ConvocationStatus.FAILED and "550" in row.error
    assert row.sent_at is None
    assert Convocation.objects.filter(channel="email", status="sent").count() == 15
    # Sending again sends only what is still queued: nothing.
    assert services.convocations_send(call_id=row.call_id) == 0


def test_convened_event_matches_the_published_webhook_schema():
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    event = OutboxEvent.objects.get(type="assembly.convened")
    schema = event_type_get("assembly.convened").data_schema()
    jsonschema.validate(
        delivered_data(payload_version=event.payload_version, data=event.data), schema
    )
    assert event.data["call"]["number"] == 1
    assert event.data["recipients"] == 16


def test_emails_left_queued_are_sent_by_the_command():
    coop = small_coop()
    for person in Person.objects.all():
        Person.objects.filter(pk=person.pk).update(email=f"{person.username}@example.org")
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    # Without running the after-commit callbacks, as if the process died right after.
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    assert Convocation.objects.filter(status=ConvocationStatus.QUEUED).count() == 16
    assert not mail.outbox
    call_command("send_convocations", stdout=io.StringIO())
    assert len(mail.outbox) == 16
    assert not Convocation.objects.filter(status=ConvocationStatus.QUEUED).exists()
