"""Board elections: candidates, seats, reserved seats, secret ballots, terms on board roles."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from assemblies import services
from assemblies.errors import ElectionError
from assemblies.models import AgendaItem, Assembly, Candidate, ItemKind, PostalVote
from core.models import AuditEntry
from governance import services as governance
from governance.models import BoardRole, College, Member, Person
from tests.assemblies.factories import (
    FIRST_CALL,
    T0,
    SmallCoop,
    cast,
    check_in,
    make_assembly,
    small_coop,
)
from voting.models import Ballot, RollEntry, SecretBallot

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def _election(coop: SmallCoop, **options: object) -> tuple[Assembly, AgendaItem]:
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=[])
    item = services.agenda_item_add(
        actor=coop.chair,
        assembly=assembly,
        kind=ItemKind.ELECTION,
        title="Board election",
        **options,
    )  # type: ignore[arg-type]
    return assembly, item


def _stand(item: AgendaItem, people: list[Person]) -> list[Candidate]:
    return [services.candidate_add(actor=person, item=item, now=T0) for person in people]


def test_the_set_up_of_an_election_is_checked():
    coop = small_coop()
    users = College.objects.get(cooperative=coop.cooperative, name="Users")
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=[])
    with pytest.raises(ElectionError) as refused:
        services.agenda_item_add(
            actor=coop.chair,
            assembly=assembly,
            kind="election",
            title="Board",
            seats=2,
            term_years=7,
        )
    assert refused.value.code == "board_term_too_long"
    with pytest.raises(ElectionError) as refused:
        services.agenda_item_add(
            actor=coop.chair,
            assembly=assembly,
            kind="election",
            title="Board",
            seats=1,
            reserved=[(users, 2)],
        )
    assert refused.value.code == "reserved_exceeds_seats"
    item = services.agenda_item_add(
        actor=coop.chair, assembly=assembly, kind="election", title="Board", seats=2
    )
    assert item.election.term_years == 6
    outsider = Person.objects.create(username="outsider")
    with pytest.raises(ElectionError) as refused:
        services.candidate_add(actor=outsider, item=item, now=T0)
    assert refused.value.code == "candidate_not_member"
    worker = coop.people["Workers"][0]
    services.candidate_add(actor=worker, item=item, now=T0)
    with pytest.raises(ElectionError) as refused:
        services.candidate_add(actor=coop.chair, item=item, person=worker, now=T0)
    assert refused.value.code == "already_candidate"


def test_reserved_seats_go_to_their_college_first_then_the_best_supported():
    coop = small_coop()
    users_college = College.objects.get(cooperative=coop.cooperative, name="Users")
    assembly, item = _election(coop, seats=2, term_years=4, reserved=[(users_college, 1)])
    worker, supplier, user, rejected = (
        coop.people["Workers"][0],
        coop.people["Suppliers"][0],
        coop.people["Users"][0],
        coop.people["Workers"][1],
    )
    candidates = _stand(item, [worker, supplier, user, rejected])
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.item_open(actor=coop.chair, item=item, now=FIRST_CALL + MINUTE)
    by_person = {c.person_id: c.resolution for c in Candidate.objects.filter(election__item=item)}
    voters = coop.everyone
    # Worker: all for; supplier: 12 for, 4 against; user: 9 for, 7 against (adopted, but the
    # lowest of the three); the last candidate: all against.
    for n, username in enumerate(voters):
        at = FIRST_CALL + 2 * MINUTE
        cast(by_person[worker.pk], username, "for", at=at)
        cast(by_person[supplier.pk], username, "for" if n < 12 else "against", at=at)
        cast(by_person[user.pk], username, "for" if n % 16 < 9 else "against", at=at)
        cast(by_person[rejected.pk], username, "against", at=at)
    services.item_close(actor=coop.chair, item=item, now=FIRST_CALL + 3 * MINUTE)

    elected = {c.person_id: c.elected for c in Candidate.objects.filter(election__item=item)}
    assert elected == {worker.pk: True, supplier.pk: False, user.pk: True, rejected.pk: False}
    item.election.refresh_from_db()
    assert item.election.declared_at is not None
    for person in (worker, user):
        role = BoardRole.objects.get(
            cooperative=coop.cooperative, person=person, revoked_at__isnull=True
        )
        assert role.role == "director"
        assert role.started_on == dt.date(2027, 3, 17)
        assert role.term_ends_on == dt.date(2031, 3, 17)
    assert not BoardRole.objects.filter(person=supplier).exists()
    assert len(candidates) == 4


def test_a_secret_election_keeps_no_link_between_voter_and_choice():
    coop = small_coop()
    assembly, item = _election(coop, seats=1, is_secret=True)
    postal_voter = coop.people["Users"][3]
    (candidate,) = _stand(item, [coop.people["Workers"][0]])
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    services.postal_vote_submit(
        actor=postal_voter,
        assembly=assembly,
        ballots={candidate.resolution.pk: "for"},
        now=T0 + dt.timedelta(days=1),
    )
    # A paper form the board types in is sealed the same way.
    paper_voter = coop.people["Users"][2]
    services.postal_vote_submit(
        actor=coop.chair,
        assembly=assembly,
        ballots={candidate.resolution.pk: "against"},
        member_id=Member.objects.get(person=paper_voter, cooperative=coop.cooperative).pk,
        now=T0 + dt.timedelta(days=1),
    )
    candidate.resolution.refresh_from_db()
    postal_key = candidate.resolution.postal_key
    assert postal_key is not None
    for person, choice in ((postal_voter, "for"), (paper_voter, "against")):
        form = PostalVote.objects.get(member__person=person)
        assert form.choice == "" and form.sealed_choice is not None
        assert choice.encode() not in bytes(form.sealed_choice)
    assert PostalVote.objects.get(member__person=paper_voter).on_paper
    check_in(
        assembly,
        coop.usernames("Workers") + coop.usernames("Suppliers"),
        at=FIRST_CALL,
        by=coop.chair,
    )
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.item_open(actor=coop.chair, item=item, now=FIRST_CALL + MINUTE)
    candidate.resolution.refresh_from_db()
    vote = candidate.resolution.vote
    assert vote.is_secret is True
    # The postal ballots were sealed again on their members' roll entries, erased from
    # the forms, and the postal key destroyed.
    for person in (postal_voter, paper_voter):
        postal = PostalVote.objects.get(member__person=person)
        assert (postal.choice, postal.is_sealed, postal.counted_at is not None) == ("", True, True)
        assert postal.sealed_choice is None
        entry = RollEntry.objects.get(vote=vote, member__person=person)
        assert entry.has_voted and entry.sealed_ballot is not None and entry.tracker
    postal_key.refresh_from_db()
    assert postal_key.destroyed_at is not None and not postal_key.wraps.exists()
    for username in coop.usernames("Workers"):
        cast(candidate.resolution, username, "for", at=FIRST_CALL + 2 * MINUTE)
    services.item_close(actor=coop.chair, item=item, now=FIRST_CALL + 3 * MINUTE)
    assert SecretBallot.objects.filter(vote=vote).count() == 6
    assert sorted(SecretBallot.objects.filter(vote=vote).values_list("choice", flat=True)) == [
        "against",
        *["for"] * 5,
    ]
    # The recount reads the box, with the attendance the close counted the quorum from.
    call_command("recount", str(vote.pk), stdout=io.StringIO())
    assert not Ballot.objects.filter(vote=vote).exists()
    assert Candidate.objects.get(pk=candidate.pk).elected is True


def test_the_chair_re_elected_has_the_term_renewed_in_place():
    coop = small_coop()
    chair_member = governance.membership_apply(
        actor=coop.chair,
        cooperative=coop.cooperative,
        category=coop.cooperative.categories.first(),
        college=College.objects.get(cooperative=coop.cooperative, name="Workers"),
    )
    governance.membership_admit(actor=coop.chair, membership=chair_member)
    assembly, item = _election(coop, seats=1)
    (candidate,) = _stand(item, [coop.chair])
    sitting = BoardRole.objects.get(person=coop.chair, revoked_at__isnull=True)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.usernames("Workers"), at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.item_open(actor=coop.chair, item=item, now=FIRST_CALL + MINUTE)
    for username in coop.usernames("Workers"):
        cast(candidate.resolution, username, "for", at=FIRST_CALL + 2 * MINUTE)
    services.item_close(actor=coop.chair, item=item, now=FIRST_CALL + 3 * MINUTE)
    candidate.refresh_from_db()
    assert candidate.elected is True and candidate.board_role_id == sitting.pk
    seat = BoardRole.objects.get(person=coop.chair, revoked_at__isnull=True)
    assert seat.pk == sitting.pk and seat.role == "chair"
    assert (seat.started_on, seat.term_ends_on) == (dt.date(2027, 3, 17), dt.date(2033, 3, 17))
    renewed = AuditEntry.objects.get(verb="board_role.renewed")
    assert renewed.data["previous"]["started_on"] == str(sitting.started_on)
    declared = AuditEntry.objects.get(verb="assembly.election_declared")
    assert declared.data["renewed"] == [candidate.pk]


def test_a_sitting_director_re_elected_keeps_one_seat_with_a_new_term():
    coop = small_coop()
    worker = coop.people["Workers"][0]
    governance.board_role_grant(
        actor=coop.chair,
        cooperative=coop.cooperative,
        person=worker,
        role="treasurer",
        started_on=dt.date(2024, 6, 1),
        term_ends_on=dt.date(2027, 6, 1),
    )
    assembly, item = _election(coop, seats=1, term_years=3)
    (candidate,) = _stand(item, [worker])
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.usernames("Workers"), at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.item_open(actor=coop.chair, item=item, now=FIRST_CALL + MINUTE)
    for username in coop.usernames("Workers"):
        cast(candidate.resolution, username, "for", at=FIRST_CALL + 2 * MINUTE)
    services.item_close(actor=coop.chair, item=item, now=FIRST_CALL + 3 * MINUTE)
    roles = list(BoardRole.objects.filter(person=worker))
    assert len(roles) == 1 and roles[0].revoked_at is None
    assert roles[0].role == "treasurer"
    assert (roles[0].started_on, roles[0].term_ends_on) == (
        dt.date(2027, 3, 17),
        dt.date(2030, 3, 17),
    )


def test_the_assembly_page_shows_the_seats_won_per_college(client):
    coop = small_coop()
    users_college = College.objects.get(cooperative=coop.cooperative, name="Users")
    assembly, item = _election(coop, seats=2, term_years=4, reserved=[(users_college, 1)])
    worker, user = coop.people["Workers"][0], coop.people["Users"][0]
    _stand(item, [worker, user])
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.item_open(actor=coop.chair, item=item, now=FIRST_CALL + MINUTE)
    by_person = {c.person_id: c.resolution for c in Candidate.objects.filter(election__item=item)}
    for username in coop.everyone:
        cast(by_person[worker.pk], username, "for", at=FIRST_CALL + 2 * MINUTE)
        cast(by_person[user.pk], username, "for", at=FIRST_CALL + 2 * MINUTE)
    services.item_close(actor=coop.chair, item=item, now=FIRST_CALL + 3 * MINUTE)

    client.force_login(coop.chair)
    page = client.get(f"/assemblies/{assembly.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    table = page.split('class="seats-by-college"', 1)[1].split("</table>", 1)[0]
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [cell.split(">", 1)[1].split("<", 1)[0] for cell in row.split("<t")[1:] if ">" in cell]
            for row in table.split("<tr>")[2:]
        )
    }
    assert rows == {"Users": ["1", "1"], "Workers": ["0", "1"]}
