"""transaction_ending_with_write: a ballot's last write goes with the COMMIT, in one round
trip, and nothing can run after it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from core.audit import audit_verify
from core.sql import transaction_ending_with_write
from tests.db import second_connection
from tests.voting.factories import make_coop, make_vote
from voting import services
from voting.models import Ballot, Vote
from voting.permissions import access_vote_for_casting

SIZES = {"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1}


class Boom(Exception):
    pass


def _cast_in_block(person: Any, vote_id: int) -> services.CastResult:
    vote, _role = access_vote_for_casting(person, vote_id)
    return services.ballot_cast(actor=person, vote=vote, choice="for", locked=True)


def _ballots_seen_from_outside(vote_id: int) -> int:
    outside = second_connection()
    try:
        query = "SELECT count(*) FROM voting_ballot WHERE vote_id = %s"
        return int(outside.execute(query, [vote_id]).fetchone()[0])
    finally:
        outside.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestItsOwnTransaction:
    def test_the_write_is_sent_with_the_commit_and_lands(self) -> None:
        coop = make_coop(SIZES)
        vote = make_vote(coop)
        committed: list[bool] = []
        with CaptureQueriesContext(connection) as queries, transaction_ending_with_write():
            cast = _cast_in_block(coop.person("Workers"), vote.pk)
            transaction.on_commit(lambda: committed.append(True))
        sent = [q["sql"] for q in queries.captured_queries]
        closing = _closing_writes(queries)
        assert len(closing) == 1
        assert 'INSERT INTO "voting_ballot"' in closing[0]
        assert 'UPDATE "core_audithead"' in closing[0]
        # Nothing was sent after it but Django's own (then empty) commit.
        assert all(sql == "COMMIT" for sql in sent[sent.index(closing[0]) + 1 :])
        assert committed == [True]
        assert cast.ballot is not None
        assert _ballots_seen_from_outside(vote.pk) == 1
        assert audit_verify().ok

    def test_a_statement_after_the_write_is_refused_and_nothing_lands(self) -> None:
        coop = make_coop(SIZES)
        vote = make_vote(coop)
        with pytest.raises(TransactionManagementError), transaction_ending_with_write():
            _cast_in_block(coop.person("Workers"), vote.pk)
            Vote.objects.filter(pk=vote.pk).exists()
        assert _ballots_seen_from_outside(vote.pk) == 0
        assert not Ballot.objects.filter(vote=vote).exists()
        assert audit_verify().ok

    def test_an_error_after_the_write_leaves_nothing(self) -> None:
        coop = make_coop(SIZES)
        vote = make_vote(coop)
        with pytest.raises(Boom), transaction_ending_with_write():
            _cast_in_block(coop.person("Workers"), vote.pk)
            raise Boom
        assert _ballots_seen_from_outside(vote.pk) == 0
        assert audit_verify().ok

    def test_a_transaction_marked_for_rollback_sends_nothing(self) -> None:
        coop = make_coop(SIZES)
        vote = make_vote(coop)
        with transaction_ending_with_write():
            _cast_in_block(coop.person("Workers"), vote.pk)
            transaction.set_rollback(True)
        assert _ballots_seen_from_outside(vote.pk) == 0
        assert audit_verify().ok

    def test_a_write_failing_with_the_commit_rolls_the_whole_transaction_back(self) -> None:
        from django.db import IntegrityError

        from core.models import AuditEntry, AuditHead
        from core.sql import RowUpdate, write_together

        coop = make_coop(SIZES)
        vote = make_vote(coop)
        taken = AuditEntry.objects.order_by("-id").first()
        assert taken is not None
        head = AuditHead.objects.get(pk=1).last_hash
        # Entries' hashes are unique: the write fails, in the message that carries the COMMIT.
        clash = AuditEntry(
            id=10**9,
            created_at=taken.created_at,
            verb="test.clash",
            prev_hash="0" * 64,
            hash=taken.hash,
        )
        with pytest.raises(IntegrityError), transaction_ending_with_write():
            Vote.objects.filter(pk=vote.pk).update(title="Changed in the block")
            write_together(
                updates=[RowUpdate(AuditHead, 1, {"last_hash": "f" * 64})], inserts=[clash]
            )
        assert Vote.objects.get(pk=vote.pk).title != "Changed in the block"
        assert AuditHead.objects.get(pk=1).last_hash == head
        assert audit_verify().ok


@pytest.mark.django_db
def test_inside_a_transaction_it_joined_the_write_goes_alone() -> None:
    # The test's own transaction is open around the block: a COMMIT would end it.
    coop = make_coop(SIZES)
    vote = make_vote(coop)
    with CaptureQueriesContext(connection) as queries, transaction_ending_with_write():
        _cast_in_block(coop.person("Workers"), vote.pk)
    assert _closing_writes(queries) == []
    assert Ballot.objects.filter(vote=vote).count() == 1
    assert connection.in_atomic_block


def _closing_writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].rstrip().endswith("; COMMIT")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestTheCastingEndpoints:
    """Each endpoint that takes a ballot ends its transaction with the ballot's write, and
    runs nothing after it inside (the guard would refuse it)."""

    def test_the_ballots_api(self) -> None:
        from rest_framework.test import APIClient

        coop = make_coop(SIZES)
        vote = make_vote(coop)
        client = APIClient()
        client.force_authenticate(coop.person("Workers"))
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                f"/api/v1/votes/{vote.pk}/ballots/", {"choice": "for"}, format="json"
            )
        assert response.status_code == 201, response.content
        assert len(_closing_writes(queries)) == 1
        assert _ballots_seen_from_outside(vote.pk) == 1

    def test_the_assembly_booth_api(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from rest_framework.test import APIClient

        from assemblies import services as assemblies
        from assemblies.services import _common as clock_module
        from tests.assemblies.factories import (
            FIRST_CALL,
            T0,
            check_in,
            make_assembly,
            resolution,
            small_coop,
        )

        monkeypatch.setattr(clock_module, "clock", lambda: FIRST_CALL)
        coop = small_coop({"Workers": 2, "Users": 1})
        assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=("Accounts",))
        assemblies.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
        check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
        assemblies.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
        motion = resolution(assembly)
        assemblies.item_open(actor=coop.chair, item=motion.item, now=FIRST_CALL)
        client = APIClient()
        client.force_authenticate(coop.people["Workers"][0])
        path = f"/api/v1/assemblies/{assembly.pk}/resolutions/{motion.pk}/ballots/"
        with CaptureQueriesContext(connection) as queries:
            response = client.post(path, {"choice": "for"}, format="json")
        assert response.status_code == 201, response.content
        assert len(_closing_writes(queries)) == 1
        motion.refresh_from_db()
        assert _ballots_seen_from_outside(motion.vote_id) == 1
