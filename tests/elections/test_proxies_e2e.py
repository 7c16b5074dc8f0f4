"""Proxies on a vote counted end to end. The credential is the giver's alone, so the proxy
holder never casts an encrypted ballot for the giver: the holder casts the sealed ballot
for the giver, which the bulletin board's weighting marks as server-encrypted and counts
in the clear; the giver's own encrypted ballot replaces it, as a member's own ballot
replaces their proxy's, and after it the holder can no longer cast."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from elections import services
from elections.errors import NotYourCredential
from elections.models import Election, ProofBundle
from tests.voting.factories import cast, make_coop
from voting import services as voting
from voting.errors import EncryptedBallotCast
from voting.models import RollEntry

from .helpers import (
    booth_ballot,
    counted_vote,
    decrypt_with,
)
from .test_services_e2e import FOR, SIZES

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop():
    return make_coop(SIZES)


@pytest.fixture
def counted(coop):
    return counted_vote(coop)


def _giver_and_holder(coop, vote):  # type: ignore[no-untyped-def]
    giver, holder = coop.members["Workers"][0], coop.members["Workers"][1]
    voting.proxy_give(actor=giver.member.person, vote=vote, holder_id=holder.member_id)
    entry = RollEntry.objects.get(vote=vote, member=giver.member)
    return giver, holder, entry


def test_the_holder_cannot_cast_encrypted_with_the_givers_credential(coop, counted) -> None:
    _made, vote, elections, creds = counted
    giver, holder, entry = _giver_and_holder(coop, vote)
    workers = elections["Workers"]
    ballot = booth_ballot(workers, creds[workers.pk][entry.pk], FOR)  # handed over by the giver
    with pytest.raises(NotYourCredential):
        services.e2e_ballot_cast(actor=holder.member.person, election=workers, ballot=ballot)
    assert not workers.ballots.exists()


def test_the_givers_encrypted_ballot_replaces_the_holders_sealed_one(coop, counted) -> None:
    _made, vote, elections, creds = counted
    giver, holder, entry = _giver_and_holder(coop, vote)
    cast(holder.member.person, vote, "against", on_behalf_of=giver.member_id)
    entry.refresh_from_db()
    assert entry.voted_via_proxy and entry.sealed_ballot is not None
    workers = elections["Workers"]
    services.e2e_ballot_cast(
        actor=giver.member.person,
        election=workers,
        ballot=booth_ballot(workers, creds[workers.pk][entry.pk], FOR),
    )
    entry.refresh_from_db()
    assert entry.has_voted and not entry.voted_via_proxy
    assert entry.sealed_ballot is None and entry.tracker == ""
    with pytest.raises(EncryptedBallotCast):
        cast(holder.member.person, vote, "against", on_behalf_of=giver.member_id)


def test_the_holders_sealed_ballot_is_counted_and_marked_in_the_bundle(
    coop, counted, tmp_path: Path
) -> None:
    made, vote, elections, creds = counted
    giver, holder, entry = _giver_and_holder(coop, vote)
    cast(holder.member.person, vote, "against", on_behalf_of=giver.member_id)
    workers = elections["Workers"]
    own = RollEntry.objects.get(vote=vote, member=holder.member)
    services.e2e_ballot_cast(
        actor=holder.member.person,
        election=workers,
        ballot=booth_ballot(workers, creds[workers.pk][own.pk], FOR),
    )
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    for election in Election.objects.filter(vote=vote):
        decrypt_with(made, election, [1, 2, 3])
    decision = services.e2e_vote_close(actor=coop.chair, vote=vote)
    by_key = {c["key"]: c for c in decision.result["colleges"]}
    assert by_key[workers.vote_college.key]["voted"] == 2
    path = tmp_path / "bundle.zip"
    path.write_bytes(bytes(ProofBundle.objects.get(vote=vote).content))
    weighting = json.loads(zipfile.ZipFile(path).read("weighting.json"))
    fallback = {c["key"]: c["fallback"] for c in weighting["colleges"]}
    assert fallback[workers.vote_college.key] == [["against", 1]]
    assert Election.objects.get(pk=workers.pk).fallback_ballots == 1
    call_command("e2e_verify", str(path), stdout=io.StringIO())
