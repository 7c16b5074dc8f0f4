"""A full ordinary assembly of the demo cooperative, from convocation to minutes."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core import mail

from assemblies import services
from assemblies.errors import AssemblyStateError, QuorumNotReached
from assemblies.models import (
    AssemblyCall,
    AssemblyStatus,
    CallStatus,
    Convocation,
    ItemKind,
    ItemStatus,
    PostalVote,
)
from core.audit import audit_verify
from core.models import AuditEntry, Notification, OutboxEvent
from governance.models import BoardRole
from tests.assemblies.factories import (
    BLANK_PROXY,
    FIRST_CALL,
    POSTAL,
    SECOND_CALL,
    T0,
    WORKED_SUPPORT,
    cast,
    cast_worked_pattern,
    check_in,
    demo,
    item,
    make_assembly,
    member,
    person,
    prepare_participation,
    resolution,
    sign_in_everyone,
)
from voting.models import Ballot, Decision

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def test_ordinary_assembly_fails_its_first_call_then_decides_on_the_second(capture_on_commit):
    cooperative = demo()
    chair = person("claire")
    assembly = make_assembly(
        cooperative,
        resolutions=["Approval of the 2026 accounts", "Opening of a second delivery hub"],
    )
    services.agenda_item_add(
        actor=chair,
        assembly=assembly,
        kind=ItemKind.RESOLUTION,
        title="Members' motion: free deliveries on Sundays",
        board_backed=False,
    )
    election = services.agenda_item_add(
        actor=chair,
        assembly=assembly,
        kind=ItemKind.ELECTION,
        title="Board election",
        seats=1,
        term_years=6,
    )
    services.document_add(
        actor=chair,
        assembly=assembly,
        title="2026 accounts",
        url="https://docs.example.org/accounts-2026.pdf",
        now=T0,
    )
    accounts, hub, motion = (resolution(assembly, n) for n in (1, 2, 3))

    with capture_on_commit(execute=True):
        services.assembly_convene(actor=chair, assembly=assembly, now=T0)

    # Convocation: every member with a vote, by email and in-app, with proof kept.
    assert len(mail.outbox) == 39
    body = mail.outbox[0].body
    assert "Approval of the 2026 accounts" in body and "accounts-2026.pdf" in body
    assert (
        Convocation.objects.filter(channel="email", status="sent", sent_at__isnull=False).count()
        == 39
    )
    assert Notification.objects.filter(kind="assembly.convocation").count() == 39

    # Before the meeting: a candidacy, postal ballots and proxies.
    services.candidate_add(
        actor=person("sofia"),
        item=election,
        statement="Couriers first.",
        now=T0 + dt.timedelta(days=1),
    )
    before = T0 + dt.timedelta(days=2)
    prepare_participation(assembly, hub, at=before)
    services.postal_vote_submit(
        actor=person("antoine"),
        assembly=assembly,
        ballots={accounts.pk: "for", motion.pk: "against"},
        now=before,
    )

    # First call: only two members come; with the blank proxy and two postal voters, five
    # of 39 take part, below the fifth required.
    check_in(assembly, ["claire"], at=FIRST_CALL)
    services.attendance_check_in(
        actor=person("sofia"), assembly=assembly, mode="remote", now=FIRST_CALL
    )
    with pytest.raises(QuorumNotReached) as refused:
        services.assembly_open(actor=chair, assembly=assembly, now=FIRST_CALL + 15 * MINUTE)
    assert refused.value.details["attending"] == 5
    services.assembly_record_no_quorum(actor=chair, assembly=assembly, now=FIRST_CALL + 30 * MINUTE)
    assembly.refresh_from_db()
    first = AssemblyCall.objects.get(assembly=assembly, number=1)
    assert assembly.status == AssemblyStatus.ADJOURNED
    assert first.status == CallStatus.QUORUM_NOT_REACHED
    assert (
        first.attendance["present"],
        first.attendance["remote"],
        first.attendance["represented"],
        first.attendance["postal"],
    ) == (1, 1, 1, 2)
    assert first.quorum_reached is False

    # Second call, announced in the first convocation: convened again to everyone.
    with capture_on_commit(execute=True):
        services.assembly_convene_second_call(
            actor=chair, assembly=assembly, now=FIRST_CALL + 40 * MINUTE
        )
    assert len(mail.outbox) == 78
    assert Convocation.objects.filter(call__number=2, channel="email", status="sent").count() == 39

    # Second call: no quorum is required of an ordinary assembly of an SA, but the counts
    # are kept apart for the minutes.
    at = SECOND_CALL
    sign_in_everyone(assembly, at=at)
    services.assembly_open(actor=chair, assembly=assembly, secretary=person("karim"), now=at)
    second = AssemblyCall.objects.get(assembly=assembly, number=2)
    assert second.status == CallStatus.QUORUM_REACHED
    assert (
        second.attendance["present"],
        second.attendance["remote"],
        second.attendance["represented"],
        second.attendance["postal"],
        second.attendance["attending"],
    ) == (25, 2, 3, 2, 32)
    with pytest.raises(AssemblyStateError):
        services.assembly_proxy_revoke(
            actor=person("paul"),
            proxy=assembly.proxies.get(principal=member(cooperative, "paul")),
            now=at,
        )

    # Resolution 1: everyone in the room for; postal and blank-proxy ballots carried in.
    services.item_open(actor=chair, item=item(assembly, 1), now=at + MINUTE)
    accounts.refresh_from_db()
    assert accounts.carried == {"proxies": 2, "blank_proxies": 1, "postal": 1, "failed": []}
    for username in ["claire", "yanis", "karim", "lea", "sofia"]:
        cast(accounts, username, "for", at=at + 2 * MINUTE)
    services.item_close(actor=chair, item=item(assembly, 1), now=at + 3 * MINUTE)
    accounts.refresh_from_db()
    assert Decision.objects.get(vote=accounts.vote).adopted is True

    # Resolution 2: the worked pattern, adopted as ordinary.
    services.item_open(actor=chair, item=item(assembly, 2), now=at + 4 * MINUTE)
    cast_worked_pattern(hub, at=at + 5 * MINUTE)
    services.item_close(actor=chair, item=item(assembly, 2), now=at + 6 * MINUTE)
    hub.refresh_from_db()
    decision = Decision.objects.get(vote=hub.vote)
    assert decision.adopted is True
    assert decision.result["tally"]["support"] == WORKED_SUPPORT
    assert decision.result["quorum"]["required"] is None
    assert hub.vote.quorum_call == 2
    assert decision.explanation.startswith("Adopted: 60.5 % weighted support")

    # Resolution 3, not the board's: the proxy without holder votes against it.
    services.item_open(actor=chair, item=item(assembly, 3), now=at + 7 * MINUTE)
    motion.refresh_from_db()
    blank = Ballot.objects.get(
        vote=motion.vote, is_current=True, roll_entry__member=member(cooperative, BLANK_PROXY)
    )
    assert blank.choice == "against"
    cast(motion, "lea", "for", at=at + 8 * MINUTE)
    services.item_close(actor=chair, item=item(assembly, 3), now=at + 9 * MINUTE)

    # The election: one seat, a six-year term recorded on the board role.
    services.item_open(actor=chair, item=election, now=at + 10 * MINUTE)
    candidacy = election.resolutions.get()
    for username in ["claire", "yanis", "karim", "lea"]:
        cast(candidacy, username, "for", at=at + 11 * MINUTE)
    services.item_close(actor=chair, item=election, now=at + 12 * MINUTE)
    role = BoardRole.objects.get(
        cooperative=cooperative, person=person("sofia"), revoked_at__isnull=True
    )
    assert (role.started_on.isoformat(), role.term_ends_on.isoformat()) == (
        "2027-03-31",
        "2033-03-31",
    )

    # Close: minutes generated and their digests audited; the webhook carries the link.
    services.assembly_close(actor=chair, assembly=assembly, now=at + 2 * dt.timedelta(hours=1))
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CLOSED
    minutes = assembly.minutes
    assert hashlib.sha256(bytes(minutes.pdf)).hexdigest() == minutes.pdf_sha256
    assert bytes(minutes.pdf).startswith(b"%PDF")
    entry = AuditEntry.objects.get(verb="assembly.minutes_generated", hash=minutes.audit_hash)
    assert entry.data["pdf_sha256"] == minutes.pdf_sha256
    assert entry.data["html_sha256"] == hashlib.sha256(minutes.html.encode()).hexdigest()
    assert "60.5" in minutes.html and "Opening of a second delivery hub" in minutes.html
    assert decision.audit_hash in minutes.html
    closed = OutboxEvent.objects.get(type="assembly.closed")
    assert closed.data["links"]["minutes"].endswith(f"/assemblies/{assembly.pk}/minutes/pdf/")
    assert [e.type for e in OutboxEvent.objects.filter(type__startswith="assembly.")] == [
        "assembly.convened",
        "assembly.convened",
        "assembly.opened",
        "assembly.closed",
    ]
    assert audit_verify().ok
    assert all(item_.status == ItemStatus.CLOSED for item_ in assembly.items.all())
    assert (
        PostalVote.objects.filter(
            member__person__username__in=POSTAL, counted_at__isnull=False
        ).count()
        == 4
    )
