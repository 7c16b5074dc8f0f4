"""Turnout and attendance reach the assembly room after commit, coalesced, never after the
close (assemblies.live)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from assemblies import services
from tests.assemblies.factories import (
    FIRST_CALL,
    T0,
    check_in,
    make_assembly,
    member,
    resolution,
    small_coop,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Long enough for the writes of a test to land inside one delay on a busy machine.
DELAY = 4.0
DELAYED = {**settings.COLLEGIA, "TURNOUT_PUSH_SECONDS": DELAY}
LATER = FIRST_CALL + dt.timedelta(minutes=5)


def _wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the push never came"
        time.sleep(0.05)


def _events(assembly: Any, type: str) -> list[dict[str, Any]]:
    return list(assembly.events.filter(type=type).order_by("seq").values_list("data", flat=True))


def _in_session() -> tuple[Any, Any, Any]:
    coop = small_coop({"Workers": 3, "Users": 3, "Suppliers": 2, "Authorities": 2})
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone[:8], at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    motion = resolution(assembly)
    services.item_open(actor=coop.chair, item=motion.item, now=FIRST_CALL)
    return coop, assembly, motion


def _cast(coop: Any, motion: Any, username: str) -> None:
    services.assembly_ballot_cast(
        actor=next(p for ps in coop.people.values() for p in ps if p.username == username),
        resolution=motion,
        choice="for",
        member_id=member(coop.cooperative, username).pk,
        now=LATER,
    )


@override_settings(COLLEGIA=DELAYED)
def test_casts_and_check_ins_in_quick_succession_share_one_push_each() -> None:
    coop, assembly, motion = _in_session()
    for username in coop.everyone[:4]:
        _cast(coop, motion, username)
    for username in coop.everyone[8:]:
        services.attendance_check_in(
            actor=coop.chair,
            assembly=assembly,
            mode="present",
            member_id=member(coop.cooperative, username).pk,
            now=LATER,
        )
    # One push each, once the delay ran, carries every write made meanwhile.
    _wait_for(lambda: bool(_events(assembly, "resolution.turnout")))
    _wait_for(lambda: _events(assembly, "attendance.changed")[-1]["present"] == 10)
    time.sleep(1.0)
    assert [e["turnout"]["voted"] for e in _events(assembly, "resolution.turnout")] == [4]
    pushed = [e["present"] for e in _events(assembly, "attendance.changed")]
    # However the sign-ins fell into delays, the full count is pushed once, last.
    assert pushed[-1] == 10 and pushed.count(10) == 1


@override_settings(COLLEGIA=DELAYED)
def test_a_push_due_after_the_close_sends_nothing() -> None:
    coop, assembly, motion = _in_session()
    _cast(coop, motion, coop.everyone[0])
    services.item_close(actor=coop.chair, item=motion.item, now=LATER)
    time.sleep(DELAY + 1.5)
    types = list(assembly.events.order_by("seq").values_list("type", flat=True))
    # The cast's push came due after the close: it found the vote closed and sent nothing
    # (the sign-ins' push, due meanwhile, still went out: the meeting goes on).
    assert "item.closed" in types
    assert "resolution.turnout" not in types
