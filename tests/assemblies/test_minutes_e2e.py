"""A resolution counted end to end at an assembly: encrypted ballots in the assembly's
booth (signed in to the call), the trustees' decryptions, the point closed by the chair
through the electoral close, and the proof bundle's SHA-256 in the minutes."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from assemblies import services
from assemblies.errors import NotAttending
from elections import services as e2e
from elections.errors import NotYourCredential
from elections.models import Election, ProofBundle
from tests.assemblies.factories import (
    FIRST_CALL,
    T0,
    cast,
    check_in,
    item,
    make_assembly,
    member,
    resolution,
    small_coop,
)
from tests.elections.helpers import (
    authority_credentials,
    booth_ballot,
    decrypt_with,
    name_board,
    run_ceremony,
)
from voting.errors import UseAssemblyBooth
from voting.models import Decision

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)
FOR, AGAINST = [[1, 0, 0]], [[0, 1, 0]]


def _ballot(coop, resolution_obj, username, choice, creds):  # type: ignore[no-untyped-def]
    entry_member = member(coop.cooperative, username)
    election = Election.objects.get(
        vote=resolution_obj.vote, vote_college__roll__member=entry_member
    )
    entry = election.vote_college.roll.get(member=entry_member)
    return booth_ballot(election, creds[election.pk][entry.pk], choice, seed=username)


def test_a_point_counted_end_to_end_closes_for_real_and_its_bundle_is_in_the_minutes(
    tmp_path: Path,
) -> None:
    coop = small_coop()
    made = name_board(coop)
    run_ceremony(made)
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["One", "Two"])
    item(assembly, 1).__class__.objects.filter(pk=item(assembly, 1).pk).update(is_secret=True)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    absent = coop.usernames("Users")[-1]
    check_in(assembly, [u for u in coop.everyone if u != absent], at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)

    at = FIRST_CALL + 3 * MINUTE
    services.item_open(actor=coop.chair, item=item(assembly, 1), now=at)
    counted = resolution(assembly, 1)
    elections = e2e.e2e_setup(actor=coop.chair, vote=counted.vote, board=made.board)
    creds = {e.pk: authority_credentials(e) for e in elections}
    workers, users = coop.usernames("Workers"), coop.usernames("Users")
    for username, choice in [(workers[0], FOR), (workers[1], FOR), (users[0], AGAINST)]:
        services.assembly_e2e_ballot_cast(
            actor=member(coop.cooperative, username).person,
            resolution=counted,
            ballot=_ballot(coop, counted, username, choice, creds),
        )
    # Outside the booth, or not signed in to the call, an encrypted ballot is refused.
    election = Election.objects.get(vote=counted.vote, vote_college__name="Workers")
    with pytest.raises(UseAssemblyBooth):
        e2e.e2e_ballot_cast(
            actor=member(coop.cooperative, workers[2]).person,
            election=election,
            ballot=_ballot(coop, counted, workers[2], FOR, creds),
        )
    with pytest.raises(NotAttending):
        services.assembly_e2e_ballot_cast(
            actor=member(coop.cooperative, absent).person,
            resolution=counted,
            ballot=_ballot(coop, counted, absent, FOR, creds),
        )
    # Nobody casts with a credential that is not theirs, here as elsewhere.
    with pytest.raises(NotYourCredential):
        services.assembly_e2e_ballot_cast(
            actor=member(coop.cooperative, workers[2]).person,
            resolution=counted,
            ballot=_ballot(coop, counted, workers[3], FOR, creds),
        )
    # A member without JavaScript votes sealed in the same booth: counted in the clear.
    cast(counted, coop.usernames("Suppliers")[0], "for", at=at + MINUTE)
    e2e.e2e_end_ballots(actor=coop.chair, vote=counted.vote)
    for election in Election.objects.filter(vote=counted.vote):
        decrypt_with(made, election, [1, 3, 5])
    # The electoral close of an assembly's point goes through the assembly's agenda.
    with pytest.raises(UseAssemblyBooth):
        e2e.e2e_vote_close(actor=coop.chair, vote=counted.vote)
    services.item_close(actor=coop.chair, item=item(assembly, 1), now=at + 2 * MINUTE)

    decision = Decision.objects.get(vote=counted.vote)
    bundle = ProofBundle.objects.get(vote=counted.vote)
    assert decision.result["verifiable"]["bundle_sha256"] == bundle.sha256
    by_key = {c["key"]: c for c in decision.result["colleges"]}
    assert [by_key[e.vote_college.key]["voted"] for e in elections] == [2, 1, 1, 0]
    path = tmp_path / "bundle.zip"
    path.write_bytes(bytes(bundle.content))
    # The quorum counted the call's attendance, not the ballots: the bundle carries it, so
    # that the verifier weights the totals as the close did.
    weighting = json.loads(zipfile.ZipFile(path).read("weighting.json"))
    assert [c["attendance"] for c in weighting["colleges"]] == [4, 3, 4, 4]
    out = io.StringIO()
    call_command("e2e_verify", str(path), stdout=out)
    assert bundle.sha256 in out.getvalue()

    at = FIRST_CALL + 6 * MINUTE
    services.item_open(actor=coop.chair, item=item(assembly, 2), now=at)
    cast(resolution(assembly, 2), coop.everyone[0], "for", at=at + MINUTE)
    services.item_close(actor=coop.chair, item=item(assembly, 2), now=at + 2 * MINUTE)
    services.assembly_close(actor=coop.chair, assembly=assembly, now=FIRST_CALL + 20 * MINUTE)
    assembly.refresh_from_db()
    html = assembly.minutes.html
    assert html.count(bundle.sha256) == 2  # under the point and in the audit table
    assert "e2e_verify" in html
    # The other point, counted on the server, names no bundle.
    other = Decision.objects.get(vote=resolution(assembly, 2).vote)
    assert other.audit_hash in html and html.count("e2e-bundle") == 1
