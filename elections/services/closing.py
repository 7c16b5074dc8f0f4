"""The close of a vote counted end to end: ballots end and each college's totals are
encrypted; trustees post partial decryptions, each checked; any `threshold` of them
decrypt the totals; the existing tally weights them; the proof bundle's hash goes into the
decision, its audit entry, the minutes and the webhook."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_append
from elections import archive_store, bundle, weighting
from elections.errors import DecryptionRefused, ElectionStateError
from elections.models import (
    Election,
    ElectionStatus,
    EncryptedBallot,
    PartialDecryption,
    ProofBundle,
)
from elections.permissions import access_trustee
from governance.models import Person
from governance.permissions import require_board
from verifiable import crypto
from verifiable.crypto import Ciphertext
from verifiable.election import combine, tally_json
from verifiable.formats import dumps
from verifiable.group import Point, sha256_b64
from verifiable.verify_common import VerificationError, _ciphertext, _point, _proof
from voting.models import Decision, RollEntry, Vote, VoteStatus
from voting.services import vote_close
from voting.services._common import require_booth


def _elections(vote: Vote) -> list[Election]:
    return list(
        Election.objects.select_for_update(of=("self",))
        .select_related("vote_college", "board")
        .filter(vote=vote)
        .order_by("vote_college__position", "id")
    )


def _current_ballots(election: Election) -> list[EncryptedBallot]:
    return list(election.ballots.filter(is_current=True).order_by("id"))


@transaction.atomic
def e2e_end_ballots(*, actor: Person, vote: Vote) -> list[Election]:
    """End the ballots of every college's election and publish its encrypted totals
    (EndBallots, EncryptedTally). A sealed ballot left on the roll by a voter who also
    cast an encrypted ballot is dropped: the encrypted one is the voter's ballot. Board
    only; the vote stays open until the close, which needs the trustees."""
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    require_board(actor, vote.cooperative)
    elections = _elections(vote)
    if not elections or any(e.status != ElectionStatus.OPEN for e in elections):
        raise ElectionStateError(_("Every college's election must be open to end it."))
    for election in elections:
        ballots = _current_ballots(election)
        dropped = (
            RollEntry.objects.filter(pk__in=[b.voter.roll_entry_id for b in ballots])
            .exclude(sealed_ballot=None)
            .update(sealed_ballot=None, tracker="")
        )
        archive_store.append(election, "EndBallots")
        tally = ciphertext_product(
            [b.text for b in ballots], json.loads(election.election_text)["questions"]
        )
        tally_hash = _data(election, dumps(tally_json(tally)))
        sized = {
            "num_tallied": len(ballots),
            "total_weight": len(ballots),
            "encrypted_tally": tally_hash,
        }
        archive_store.append(election, "EncryptedTally", dumps(sized))
        election.status = ElectionStatus.ENDED
        election.save(update_fields=["status"])
        audit_append(
            actor=actor,
            verb="e2e.ballots_ended",
            target=election,
            cooperative_id=vote.cooperative_id,
            data={"uuid": election.uuid, "num_tallied": len(ballots), "sealed_dropped": dropped},
        )
    return elections


def ciphertext_product(texts: list[str], questions: list[dict[str, Any]]) -> list[list[Ciphertext]]:
    """The encrypted totals: each choice's ciphertexts multiplied over the counted ballots
    (every voter weighs one inside a college, so no ciphertext is raised to a weight)."""
    tally = [[crypto.ONE for _ in q["answers"]] for q in questions]
    for text in texts:
        for i, answer in enumerate(json.loads(text)["answers"]):
            for j, c in enumerate(answer["choices"]):
                tally[i][j] = tally[i][j] * Ciphertext(
                    Point.parse(c["alpha"]), Point.parse(c["beta"])
                )
    return tally


def _data(election: Election, text: str) -> str:
    """Write a data file without an event (a payload named by another data file)."""
    import hashlib

    from django.db.models import Max

    from elections.models import ArchiveEntry

    digest = hashlib.sha256(text.encode()).hexdigest()
    position = (election.entries.aggregate(m=Max("position"))["m"] or 0) + 1
    ArchiveEntry.objects.create(
        election=election, position=position, name=f"{digest}.data.json", content=text
    )
    return digest


def encrypted_tally(election: Election) -> tuple[list[list[Ciphertext]], int]:
    """The published encrypted totals of an ended election and the number tallied."""
    sized_entry = election.entries.filter(event_type="EncryptedTally").get()
    payload = json.loads(sized_entry.content)["payload"]
    sized = json.loads(election.entries.get(name=f"{payload}.data.json").content)
    text = election.entries.get(name=f"{sized['encrypted_tally']}.data.json").content
    rows = [[_ciphertext(c, "the tally") for c in row] for row in json.loads(text)]
    return rows, int(sized["num_tallied"])


@transaction.atomic
def e2e_partial_decryption_post(
    *, actor: Person, election: Election, partial_decryption: dict[str, Any]
) -> PartialDecryption:
    """A trustee's decryption factors of the totals, each with its proof against the
    trustee's verification key; a bad one is refused and changes nothing."""
    election = (
        Election.objects.select_for_update(of=("self",)).select_related("board").get(pk=election.pk)
    )
    trustee = access_trustee(actor, election.board)
    if election.status != ElectionStatus.ENDED:
        raise ElectionStateError(_("The totals are decrypted after the ballots end."))
    if PartialDecryption.objects.filter(election=election, trustee=trustee).exists():
        raise ElectionStateError(_("This trustee has already decrypted these totals."))
    tally, _n = encrypted_tally(election)
    assert trustee.verification_key is not None
    key = Point.parse(trustee.verification_key["public_key"])
    fingerprint = sha256_b64(election.election_text)
    try:
        if list(partial_decryption) != ["decryption_factors", "decryption_proofs"]:
            raise DecryptionRefused()
        factors, proofs = (
            partial_decryption["decryption_factors"],
            partial_decryption["decryption_proofs"],
        )
        shape = [len(row) for row in tally]
        if [len(r) for r in factors] != shape or [len(r) for r in proofs] != shape:
            raise DecryptionRefused()
        for i, row in enumerate(tally):
            for j, c in enumerate(row):
                factor = _point(factors[i][j], "a factor")
                if not crypto.verify_factor(fingerprint, key, c, factor, _proof(proofs[i][j], "")):
                    raise DecryptionRefused()
    except (VerificationError, TypeError, IndexError, KeyError) as exc:
        raise DecryptionRefused() from exc
    text = dumps(partial_decryption)
    made = PartialDecryption.objects.create(election=election, trustee=trustee, text=text)
    pd_hash = _data(election, text)
    archive_store.append(
        election, "PartialDecryption", dumps({"owner": trustee.index, "payload": pd_hash})
    )
    audit_append(
        actor=actor,
        verb="e2e.partial_decryption",
        target=election,
        cooperative_id=election.board.cooperative_id,
        data={"uuid": election.uuid, "trustee": trustee.index},
    )
    return made


def _decrypt(election: Election) -> list[list[int]]:
    """Combine the first `threshold` trustees' factors (by number, as verifiers do)."""
    tally, num_tallied = encrypted_tally(election)
    chosen = list(
        election.partial_decryptions.select_related("trustee").order_by("trustee__index")
    )[: election.board.threshold]
    if len(chosen) < election.board.threshold:
        raise ElectionStateError(
            _("%(n)s trustees must decrypt each college's totals first.")
            % {"n": election.board.threshold}
        )
    indexes = [pd.trustee.index for pd in chosen]
    factors = [
        [[Point.parse(f) for f in row] for row in json.loads(pd.text)["decryption_factors"]]
        for pd in chosen
    ]
    weights = [crypto.lagrange(indexes, i) for i in indexes]
    return combine(tally, factors, num_tallied, weights)


@transaction.atomic
def e2e_vote_close(
    *,
    actor: Person,
    vote: Vote,
    now: dt.datetime | None = None,
    attendance: Mapping[str, int] | None = None,
    via_booth: bool = False,
) -> Decision:
    """Decrypt every college's totals, publish each Result, weight them with the sealed
    fallback ballots through the vote's own close, and store the proof bundle whose hash
    the decision records. Board only. A vote with a booth (an assembly's resolution)
    closes only through it (`via_booth`), which passes the attendance of the call as
    `vote_close` takes it; elsewhere the close is refused (`use_assembly_booth`) before
    anything is decrypted."""
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    require_board(actor, vote.cooperative)
    require_booth(vote, via_booth, managing=True)
    if vote.status != VoteStatus.OPEN:
        raise ElectionStateError()
    elections = _elections(vote)
    if not elections or any(e.status != ElectionStatus.ENDED for e in elections):
        raise ElectionStateError(_("End the ballots of every college before the close."))
    counts: list[tuple[str, Any, int]] = []
    for election in elections:
        result = _decrypt(election)
        _tally, num_tallied = encrypted_tally(election)
        archive_store.append(election, "Result", dumps({"result": result}))
        election.result = result
        election.status = ElectionStatus.TALLIED
        election.save(update_fields=["result", "status"])
        key = election.vote_college.key
        counts.extend(
            (key, choice, n)
            for choice, n in weighting.choice_counts(
                vote.method, vote.options, vote.grades, result, num_tallied
            )
        )
    made: dict[str, Any] = {}

    def attest(result: dict[str, Any]) -> dict[str, Any]:
        content, digest = bundle.build(vote, elections, counts, result, attendance)
        made["bundle"] = ProofBundle.objects.create(vote=vote, sha256=digest, content=content)
        return {"bundle_sha256": digest, "elections": [e.uuid for e in elections]}

    decision = vote_close(
        actor=actor,
        vote=vote,
        now=now,
        attendance=attendance,
        via_booth=via_booth,
        verified_counts=counts,
        attest=attest,
    )
    return decision
