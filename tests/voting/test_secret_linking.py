"""The linking attack of a database reader, replayed on PostgreSQL against a closed secret vote.

Voters cast in a known order, each committing on its own (as requests do), each with a
ballot nobody else casts, so that whoever links a row of the box to a roll entry is seen
to recover that voter's choice. Every method a reader of the database (or of a dump)
has is tried; none may recover more choices than a random guess would.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from django.db import connection

from core.models import AuditEntry, OutboxEvent
from deliberation.models import RoomEvent
from tests.voting.factories import cast, make_coop, make_proposal, make_vote
from voting import services
from voting.models import KeyWrap, RollEntry, SecretBallot, VoteMethod

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

VOTERS = 40
OPTIONS = ["A", "B", "C", "D", "E"]
# A random matching of 40 box rows to 40 voters gets one right on average; it gets 8 or
# more right with a probability below 1e-5. A method that links gets all 40.
CHANCE_BOUND = 7


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _canonical(choice: Any) -> str:
    return json.dumps(choice, sort_keys=True, separators=(",", ":"))


def _recovered(voters_in_order: list[int], linked_choices: list[Any], truth: dict[int, Any]) -> int:
    """How many voters the attack named the choice of, pairing the i-th voter with the
    i-th choice it ordered."""
    return sum(
        1
        for member_id, choice in zip(voters_in_order, linked_choices, strict=True)
        if _canonical(truth[member_id]) == _canonical(choice)
    )


def _texts() -> list[str]:
    texts = [str(entry.data) for entry in AuditEntry.objects.order_by("id")]
    texts += [str(event.data) for event in RoomEvent.objects.order_by("id")]
    texts += [str(event.data) for event in OutboxEvent.objects.order_by("id")]
    return texts


def test_no_database_reader_links_the_box_to_the_roll() -> None:
    coop = make_coop({"Workers": VOTERS})
    proposal = make_proposal(coop, decision_kind="advisory")
    vote = make_vote(
        coop, proposal=proposal, method=VoteMethod.RANKED, options=OPTIONS, is_secret=True
    )
    rankings = itertools.permutations(OPTIONS)
    truth: dict[int, Any] = {}
    order: list[int] = []
    for index in range(VOTERS):
        ranking = [[option] for option in next(rankings)]
        result = cast(coop.person("Workers", index), vote, ranking)
        truth[result.roll_entry.member_id] = result.choice
        order.append(result.roll_entry.member_id)
    # Every cast committed on its own: the roll entries carry one transaction id each.
    roll_table, box_table = RollEntry._meta.db_table, SecretBallot._meta.db_table
    roll = _rows(
        f"SELECT member_id, xmin::text, voted_at, tracker FROM {roll_table}"
        " WHERE vote_id = %s AND has_voted",
        [vote.pk],
    )
    assert len({xmin for _m, xmin, _t, _k in roll}) == VOTERS

    # What was written while the vote ran: the close then adds the result, which is public.
    while_open = _texts()

    services.vote_close(actor=coop.chair, vote=vote)

    box = _rows(
        f"SELECT xmin::text, ctid::text, id::text, choice::text FROM {box_table}"
        " WHERE vote_id = %s",
        [vote.pk],
    )
    assert len(box) == VOTERS
    choices = {ctid: json.loads(choice) for _x, ctid, _i, choice in box}
    assert sorted(_canonical(c) for c in choices.values()) == sorted(
        _canonical(c) for c in truth.values()
    )

    # 1. Transaction ids: the box was written by one transaction, the close, which wrote
    # no roll entry; joining on xmin names nobody.
    box_xmins = {xmin for xmin, _c, _i, _ch in box}
    assert len(box_xmins) == 1
    assert not box_xmins & {xmin for _m, xmin, _t, _k in roll}

    # 2. Physical order (what a dump keeps) against the known voting order.
    def ctid_key(row: tuple[Any, ...]) -> tuple[int, int]:
        page, item = row[1].strip("()").split(",")
        return int(page), int(item)

    by_ctid = [choices[row[1]] for row in sorted(box, key=ctid_key)]
    assert _recovered(order, by_ctid, truth) <= CHANCE_BOUND

    # 3. Key order: the keys are random, but an attacker tries their order anyway.
    by_id = [choices[row[1]] for row in sorted(box, key=lambda row: row[2])]
    assert _recovered(order, by_id, truth) <= CHANCE_BOUND

    # 4. Timestamps: the box has none; the roll's voted_at only gives the order again,
    # tried above. Transaction id order is no help either: they are all equal.
    timestamp_types = {"timestamp with time zone", "timestamp without time zone", "date"}
    columns = _rows(
        "SELECT data_type FROM information_schema.columns WHERE table_name = %s", [box_table]
    )
    assert not {data_type for (data_type,) in columns} & timestamp_types
    by_voted_at = [m for m, _x, _t, _k in sorted(roll, key=lambda row: row[2])]
    assert by_voted_at == order

    # 5. Trackers: each roll entry names its tracker, and the counted trackers are
    # published; paired with the box in either of its orders, they name nothing.
    tracker_of_member = {m: tracker for m, _x, _t, tracker in roll}
    by_tracker = [m for m, _t in sorted(tracker_of_member.items(), key=lambda kv: kv[1])]
    assert _recovered(by_tracker, by_ctid, truth) <= CHANCE_BOUND
    assert _recovered(by_tracker, by_id, truth) <= CHANCE_BOUND

    # 6. Audit entries, live room events and outbox events, in the order written: none
    # carries a box key or a tracker, and none written before the close a choice, so none
    # can be paired with a box row.
    keys = [row[2] for row in box] + list(tracker_of_member.values())
    assert [key for key in keys for text in _texts() if key in text] == []
    ballots = [_canonical(choice) for choice in truth.values()]
    ballots += [str(choice) for choice in truth.values()]
    assert [ballot for ballot in ballots for text in while_open if ballot in text] == []
    cast_entries = AuditEntry.objects.filter(verb="ballot.cast").order_by("id")
    assert [entry.data["member_id"] for entry in cast_entries] == order
    assert all("choice" not in entry.data for entry in cast_entries)

    # 7. The sealed ballots left on the roll cannot be opened: their key is gone.
    assert not KeyWrap.objects.filter(ballot_key_id=vote.ballot_key_id).exists()
