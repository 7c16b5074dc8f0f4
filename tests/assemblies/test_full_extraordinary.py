"""A full extraordinary assembly of the demo cooperative, and the same ballots under both
majorities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from assemblies import services
from assemblies.errors import NoticeTooShort, QuorumNotReached
from assemblies.models import AssemblyCall, AssemblyKind, AssemblyStatus, CallStatus
from core.audit import audit_verify
from tests.assemblies.factories import (
    FIRST_CALL,
    PARIS,
    T0,
    WORKED_SUPPORT,
    cast_worked_pattern,
    check_in,
    demo,
    item,
    make_assembly,
    person,
    prepare_participation,
    resolution,
    sign_in_everyone,
)
from voting.models import Decision

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def _college_counts(decision: Decision) -> list[tuple[str, int, int, int]]:
    return [
        (c["name"], c["yes"], c["no"], c["abstain"]) for c in decision.result["tally"]["colleges"]
    ]


def test_extraordinary_assembly_rejects_what_an_ordinary_one_would_adopt(capture_on_commit):
    cooperative = demo()
    chair = person("claire")
    assembly = make_assembly(
        cooperative,
        kind=AssemblyKind.EXTRAORDINARY,
        resolutions=["Statutes: a fifth college for volunteers"],
        second_call_at=None,
    )
    statutes = resolution(assembly)
    with capture_on_commit(execute=True):
        services.assembly_convene(actor=chair, assembly=assembly, now=T0)
    prepare_participation(assembly, statutes, at=T0 + dt.timedelta(days=3))

    # First call: nine of 39 take part (two present, two remote, three represented, two
    # by post), below the quarter an extraordinary first call needs.
    check_in(assembly, ["claire", "lea"], at=FIRST_CALL)
    for username in ["sofia", "mairie.villeurbanne"]:
        services.attendance_check_in(
            actor=person(username), assembly=assembly, mode="remote", now=FIRST_CALL
        )
    with pytest.raises(QuorumNotReached):
        services.assembly_open(actor=chair, assembly=assembly, now=FIRST_CALL)
    services.assembly_record_no_quorum(actor=chair, assembly=assembly, now=FIRST_CALL + 20 * MINUTE)
    first = AssemblyCall.objects.get(assembly=assembly, number=1)
    assert first.attendance["attending"] == 9
    assert first.attendance["quorum"]["required"] == "1/4"
    assert first.status == CallStatus.QUORUM_NOT_REACHED

    # The second call was not announced: it takes the later-call notice from now on.
    after = FIRST_CALL + dt.timedelta(hours=1)
    too_soon = dt.datetime(2027, 3, 25, 18, 0, tzinfo=PARIS)
    with pytest.raises(NoticeTooShort) as refused:
        services.assembly_convene_second_call(
            actor=chair, assembly=assembly, scheduled_at=too_soon, now=after
        )
    assert refused.value.details["required_days"] == 10
    assert refused.value.details["earliest_date"] == "2027-03-27"
    second_at = dt.datetime(2027, 3, 27, 18, 0, tzinfo=PARIS)
    sent_before = len(mail.outbox)
    with capture_on_commit(execute=True):
        services.assembly_convene_second_call(
            actor=chair, assembly=assembly, scheduled_at=second_at, now=after
        )
    assert len(mail.outbox) - sent_before == 39

    # Second call: the same proxies and postal ballots still stand; 32 take part, above
    # the fifth of the second call.
    sign_in_everyone(assembly, at=second_at)
    services.assembly_open(actor=chair, assembly=assembly, now=second_at)
    second = AssemblyCall.objects.get(assembly=assembly, number=2)
    assert second.attendance["attending"] == 32
    assert second.attendance["quorum"]["required"] == "1/5"

    services.item_open(actor=chair, item=item(assembly), now=second_at + MINUTE)
    cast_worked_pattern(statutes, at=second_at + 2 * MINUTE)
    services.item_close(actor=chair, item=item(assembly), now=second_at + 3 * MINUTE)
    statutes.refresh_from_db()
    decision = Decision.objects.get(vote=statutes.vote)
    assert decision.result["tally"]["support"] == WORKED_SUPPORT
    assert decision.adopted is False
    assert decision.outcome == "rejected"
    assert decision.explanation.startswith(
        "Rejected: 60.5 % weighted support, extraordinary majority of at least 66.7 %"
    )

    services.assembly_close(actor=chair, assembly=assembly, now=second_at + dt.timedelta(hours=1))
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CLOSED
    assert "Statutes: a fifth college for volunteers" in assembly.minutes.html
    assert audit_verify().ok


def test_the_same_ballots_adopt_as_ordinary_and_reject_as_extraordinary():
    cooperative = demo()
    chair = person("claire")
    decisions = {}
    for kind in (AssemblyKind.ORDINARY, AssemblyKind.EXTRAORDINARY):
        assembly = make_assembly(cooperative, kind=kind, resolutions=["The same text"])
        target = resolution(assembly)
        services.assembly_convene(actor=chair, assembly=assembly, now=T0)
        prepare_participation(assembly, target, at=T0 + dt.timedelta(days=1))
        sign_in_everyone(assembly, at=FIRST_CALL)
        services.assembly_open(actor=chair, assembly=assembly, now=FIRST_CALL)
        services.item_open(actor=chair, item=item(assembly), now=FIRST_CALL + MINUTE)
        cast_worked_pattern(target, at=FIRST_CALL + 2 * MINUTE)
        services.item_close(actor=chair, item=item(assembly), now=FIRST_CALL + 3 * MINUTE)
        target.refresh_from_db()
        decisions[kind] = Decision.objects.get(vote=target.vote)
    ordinary, extraordinary = (
        decisions[AssemblyKind.ORDINARY],
        decisions[AssemblyKind.EXTRAORDINARY],
    )
    assert (
        _college_counts(ordinary)
        == _college_counts(extraordinary)
        == [
            ("Coursiers", 6, 4, 0),
            ("Clients", 4, 6, 0),
            ("Restaurants et commerces", 9, 1, 0),
            ("Collectivités territoriales", 1, 1, 0),
        ]
    )
    assert (
        ordinary.result["tally"]["support"]
        == extraordinary.result["tally"]["support"]
        == WORKED_SUPPORT
    )
    assert (ordinary.adopted, extraordinary.adopted) == (True, False)
