"""The other cursors the API offers (room events of a proposal, events of an assembly) take
their number under a row lock held until commit: a second writer waits for the first to
commit before it can take the next number, so numbers become visible in order and a reader
polling from the last number it saw never skips one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction

from assemblies import room as assembly_room
from deliberation import room as proposal_room
from deliberation.selectors import room_events_since
from tests.assemblies.factories import make_assembly
from tests.voting.factories import make_coop, make_proposal

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PATIENCE_SECONDS = 60


def in_thread(job: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = job()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def wait_until_blocked_on_a_lock(pids: list[int]) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        if pids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pids[0]]
                )
                row = cursor.fetchone()
            if row is not None and row[0] == "Lock":
                return
        time.sleep(0.01)
    pytest.fail("the second writer never waited for the first one's lock")


def check_numbers_follow_commits(
    emit: Callable[[], Any], read_after: Callable[[int], list[int]], last: int
) -> None:
    """A first writer takes a number and holds its transaction open; a second writer must
    wait for it; a reader in between sees neither; after both commit it sees both, in order."""
    first_emitted, first_may_commit = threading.Event(), threading.Event()
    second_pid: list[int] = []

    def first() -> int:
        with transaction.atomic(durable=True):
            seq = emit().seq
            first_emitted.set()
            assert first_may_commit.wait(timeout=PATIENCE_SECONDS)
            return int(seq)

    def second() -> int:
        with transaction.atomic(durable=True):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                second_pid.append(cursor.fetchone()[0])
            return int(emit().seq)

    thread_1, outcome_1 = in_thread(first)
    assert first_emitted.wait(timeout=PATIENCE_SECONDS), outcome_1
    thread_2, outcome_2 = in_thread(second)
    wait_until_blocked_on_a_lock(second_pid)
    assert read_after(last) == []
    first_may_commit.set()
    for thread in (thread_1, thread_2):
        thread.join(timeout=PATIENCE_SECONDS)
        assert not thread.is_alive()
    assert "error" not in outcome_1 and "error" not in outcome_2, (outcome_1, outcome_2)
    assert outcome_2["result"] == outcome_1["result"] + 1
    assert read_after(last) == [outcome_1["result"], outcome_2["result"]]


def test_proposal_room_numbers_follow_commit_order() -> None:
    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    proposal = make_proposal(coop)
    last = proposal_room.room_last_seq(proposal.pk)

    def read_after(after: int) -> list[int]:
        return [frame["seq"] for frame in room_events_since(proposal.pk, after)]

    check_numbers_follow_commits(
        lambda: proposal_room.room_emit(proposal=proposal, type="test.event", data={}),
        read_after,
        last,
    )


def test_assembly_room_numbers_follow_commit_order() -> None:
    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    last = assembly_room.room_last_seq(assembly.pk)

    def read_after(after: int) -> list[int]:
        return [frame["seq"] for frame in assembly_room.room_events_since(assembly.pk, after)]

    check_numbers_follow_commits(
        lambda: assembly_room.room_emit(assembly=assembly, type="test.event", data={}),
        read_after,
        last,
    )
