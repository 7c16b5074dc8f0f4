"""The counts of the convocations page (`ConvocationCount`) move with every convocation
written: convened, sent, refused, resent, whoever sends and however they race."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count

from assemblies import services
from assemblies.models import AssemblyCall, Convocation, ConvocationCount, ConvocationStatus
from assemblies.selectors import convocation_counts
from governance.models import Person
from tests.assemblies.factories import T0, make_assembly, small_coop
from tests.db import race, schema_at
from tests.governance.factories import PersonFactory, make_cooperative

pytestmark = pytest.mark.django_db


def counted_from_rows(call: AssemblyCall) -> dict[tuple[str, str], int]:
    rows = (
        Convocation.objects.filter(call=call)
        .values_list("channel", "status")
        .annotate(n=Count("*"))
        .order_by()
    )
    return {(channel, status): n for channel, status, n in rows}


def convened(settings: Any, *, refused: int) -> tuple[Any, AssemblyCall]:
    """A convened assembly whose first call's emails are queued, `refused` of them to an
    address the mail server refuses, and one member without an address."""
    settings.MAILERS = {"default": {"BACKEND": "tests.assemblies.test_convocation.RefusingBackend"}}
    coop = small_coop()
    people = list(Person.objects.order_by("pk"))
    for i, person in enumerate(people):
        email = f"refused{i}@example.org" if i < refused else f"{person.username}@example.org"
        Person.objects.filter(pk=person.pk).update(email=email)
    Person.objects.filter(pk=coop.people["Users"][0].pk).update(email="")
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    # After-commit callbacks are not run: the emails stay queued, as after a crash.
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    return coop, assembly.calls.get(number=1)


def test_the_counts_follow_each_convocation_from_the_convening_to_the_resending(settings):
    coop, call = convened(settings, refused=3)
    queued = Convocation.objects.filter(call=call, channel="email", status="queued").count()
    assert (
        convocation_counts(call)
        == counted_from_rows(call)
        == {
            ("in_app", "sent"): 16,
            ("email", "queued"): queued,
            ("email", "no_address"): 16 - queued,
        }
    )

    services.convocations_send(call_id=call.pk)
    counts = convocation_counts(call)
    assert counts == counted_from_rows(call)
    failed = counts[("email", "failed")]
    assert failed >= 1 and counts[("email", "sent")] == queued - failed == len(mail.outbox)
    assert ("email", "queued") not in counts, "a count of none is not listed"

    resend = {"actor": coop.chair, "assembly": call.assembly, "call_number": 1}
    assert services.convocations_resend(**resend) == failed
    assert convocation_counts(call)[("email", "queued")] == failed
    assert convocation_counts(call) == counted_from_rows(call)

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert services.convocations_send(call_id=call.pk) == failed
    assert convocation_counts(call) == counted_from_rows(call)
    assert convocation_counts(call)[("email", "sent")] == queued
    # Nothing left to resend or to send: the counts stay.
    assert services.convocations_resend(**resend) == 0
    assert services.convocations_send(call_id=call.pk) == 0
    assert convocation_counts(call) == counted_from_rows(call)


def test_a_refused_resending_turns_the_count_back_to_failed(settings):
    coop, call = convened(settings, refused=2)
    services.convocations_send(call_id=call.pk)
    failed = convocation_counts(call)[("email", "failed")]
    services.convocations_resend(actor=coop.chair, assembly=call.assembly, call_number=1)
    services.convocations_send(call_id=call.pk)
    assert convocation_counts(call) == counted_from_rows(call)
    assert convocation_counts(call)[("email", "failed")] == failed


def test_a_call_convened_by_sql_is_counted_again_on_request(settings):
    _coop, call = convened(settings, refused=0)
    Convocation.objects.filter(call=call, channel="email", status="queued").update(
        status=ConvocationStatus.SENT, sent_at=T0
    )
    assert convocation_counts(call) != counted_from_rows(call), "written around the services"
    assert services.convocation_counts_refresh(call_ids=[call.pk]) == 1
    assert convocation_counts(call) == counted_from_rows(call)
    assert ConvocationCount.objects.filter(call=call).count() == 8, "every channel and state"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_senders_and_a_resending_racing_count_each_convocation_once(settings):
    """Two senders of the same call (the worker after the commit, and the command after a
    restart) and the board resending, all at once: each row moves once in the counts."""
    coop, call = convened(settings, refused=4)
    outcomes = race(
        [
            lambda: services.convocations_send(call_id=call.pk),
            lambda: services.convocations_send(call_id=call.pk),
            lambda: services.convocations_resend(
                actor=coop.chair, assembly=call.assembly, call_number=1
            ),
        ]
    )
    assert outcomes == ["ok"] * 3
    assert convocation_counts(call) == counted_from_rows(call)
    services.convocations_send(call_id=call.pk)
    assert convocation_counts(call) == counted_from_rows(call)


BEFORE = [("assemblies", "0005_convocation_by_state")]
AFTER = [("assemblies", "0006_convocation_count")]


@pytest.fixture
def executor(transactional_db: None) -> Iterator[MigrationExecutor]:
    with schema_at(BEFORE) as executor:
        yield executor


def test_the_migration_counts_the_calls_convened_before_it(executor: MigrationExecutor) -> None:
    # Only the assemblies app went back: the cooperative and people are made as today.
    cooperative = make_cooperative()
    person = PersonFactory()
    old = executor.loader.project_state(BEFORE).apps
    member = old.get_model("governance", "Member").objects.create(
        cooperative_id=cooperative.pk, person_id=person.pk, name="Alix", kind="natural"
    )
    assembly = old.get_model("assemblies", "Assembly").objects.create(
        cooperative_id=cooperative.pk, kind="ordinary", title="AG"
    )
    call_model = old.get_model("assemblies", "AssemblyCall")
    convened = call_model.objects.create(
        assembly=assembly, number=1, scheduled_at=T0, convened_at=T0, status="convened"
    )
    call_model.objects.create(assembly=assembly, number=2, scheduled_at=T0)
    convocation = old.get_model("assemblies", "Convocation")
    for channel, status in [("in_app", "sent"), ("email", "failed")]:
        convocation.objects.create(
            call=convened,
            member_id=member.pk,
            person_id=person.pk,
            channel=channel,
            status=status,
            created_at=T0,
            sent_at=T0 if status == "sent" else None,
        )

    executor.loader.build_graph()
    executor.migrate(AFTER)

    new = executor.loader.project_state(AFTER).apps
    counts = new.get_model("assemblies", "ConvocationCount").objects
    assert counts.filter(call_id=convened.pk).count() == 8
    assert {
        (c.channel, c.status): c.count for c in counts.filter(call_id=convened.pk, count__gt=0)
    } == {("in_app", "sent"): 1, ("email", "failed"): 1}
    assert not counts.exclude(call_id=convened.pk).exists(), "a call never convened has none"


def test_a_move_finding_fewer_counted_than_moved_counts_the_call_again(settings, caplog):
    """Rows turned to failed around the services, then resent: the counts had none
    failed, so the move recounts the call from its rows and says so."""
    coop, call = convened(settings, refused=0)
    services.convocations_send(call_id=call.pk)
    Convocation.objects.filter(call=call, channel="email", status="sent").update(
        status=ConvocationStatus.FAILED, error="mailbox full"
    )
    with caplog.at_level("ERROR", logger="assemblies.services.convocation"):
        queued = services.convocations_resend(
            actor=coop.chair, assembly=call.assembly, call_number=1
        )
    assert queued == 15
    assert "disagreed" in caplog.text
    assert (
        convocation_counts(call)
        == counted_from_rows(call)
        == {
            ("in_app", "sent"): 16,
            ("email", "queued"): 15,
            ("email", "no_address"): 1,
        }
    )
