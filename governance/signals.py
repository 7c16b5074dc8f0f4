"""Signals governance sends to the apps built on it, which it never imports."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.dispatch import Signal

# Sent in the transaction of a write that may give a member a vote, take it away or move
# them to another college, just before the write, with `cooperative_id` and `member_ids`.
# A receiver reads what it needs of the state before the write and returns a callable,
# which `membership_change` calls once the write is done (in the same transaction), or
# None. The assemblies keep their attendance counts this way.
membership_changing = Signal()

# Sent in the transaction of a new college configuration (the colleges and weights an
# assembly's roll is made of), once it is written, with `cooperative_id`.
college_roll_changed = Signal()


@contextmanager
def membership_change(*, cooperative_id: int, member_ids: Iterable[int]) -> Iterator[None]:
    """Around the write of memberships that may change who has a vote, or in which
    college: `membership_changing` before it, its receivers' callables after it. A write
    that fails calls none of them (its transaction is rolled back)."""
    responses = membership_changing.send(
        sender=None, cooperative_id=cooperative_id, member_ids=sorted(set(member_ids))
    )
    yield
    for _receiver, done in responses:
        if callable(done):
            done()
