"""Turnout and partial results pushed to the proposal room, coalesced per vote.

A ballot does not push an event of its own: after it commits, it asks for a push, and
one push per vote goes out at most every `COLLEGIA["TURNOUT_PUSH_SECONDS"]`, carrying
the figures read when it runs. A room of a thousand members then receives one turnout
event a second while ballots pour in, not one per ballot, and the cast itself neither
reads the turnout nor waits for the room's sequence number. With the setting at 0 the
push runs at once, right after each commit.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from redis.exceptions import RedisError

from core.errors import NotFound
from voting import events, selectors
from voting.models import Vote, VoteStatus
from voting.services._common import emit_room, lock_vote_shared

logger = logging.getLogger(__name__)

# How long a claim outlives a push that never ran (its process died): pushes resume after.
_CLAIM_GRACE_SECONDS = 5

# Votes whose push this process claimed and has not started: a ballot finding its vote
# here needs no round trip to the cache, since that push reads the figures after it.
# Each entry lapses with the claim it mirrors, should its timer never run.
_pending: dict[int, float] = {}
_pending_lock = threading.Lock()


def turnout_changed(vote: Vote) -> None:
    """Ask for a push of the vote's turnout once the current transaction commits."""
    if vote.proposal_id is None:
        return
    vote_id = vote.pk
    transaction.on_commit(lambda: _schedule(vote_id))


def turnout_push(*, vote_id: int) -> None:
    """Push the current turnout, and the partial results when the vote shows them live.

    Reads the vote in share mode, so a push and a close take turns: a push never lands
    after the result, and a push that finds the vote closed sends nothing."""
    with transaction.atomic():
        try:
            vote = lock_vote_shared(vote_id)
        except NotFound:
            return
        if vote.status != VoteStatus.OPEN:
            return
        emit_room(vote, events.ROOM_VOTE_TURNOUT, lambda: selectors.vote_turnout(vote))
        if vote.results_live and not vote.is_secret:
            emit_room(
                vote,
                events.ROOM_VOTE_PARTIAL_RESULTS,
                lambda: {"vote_id": vote.pk, "result": selectors.vote_tally(vote).result},
            )


def _claim_key(vote_id: int) -> str:
    return f"voting:turnout-push:{vote_id}"


def _schedule(vote_id: int) -> None:
    delay = float(str(settings.COLLEGIA.get("TURNOUT_PUSH_SECONDS", 0)))
    if delay <= 0:
        _push_logged(vote_id)
        return
    with _pending_lock:
        if _pending.get(vote_id, 0.0) > time.monotonic():
            # This ballot committed before the pending push leaves the set, hence before
            # it reads the figures: it is counted.
            return
    # The claim is atomic in the shared cache: whoever takes it pushes for everyone. A
    # ballot that finds it taken committed before the pending push deletes the claim,
    # hence before that push reads the figures, so the push counts it.
    try:
        claimed = cache.add(
            _claim_key(vote_id), True, timeout=math.ceil(delay) + _CLAIM_GRACE_SECONDS
        )
    except (RedisError, OSError) as exc:
        # Runs after the ballot committed: it must not fail. The live layer shares the
        # cache's Redis, so the push could not go out either; the next ballot asks again.
        logger.warning("Turnout of vote %s not pushed: the cache is unreachable (%s)", vote_id, exc)
        return
    if not claimed:
        return
    with _pending_lock:
        _pending[vote_id] = time.monotonic() + delay + _CLAIM_GRACE_SECONDS
    timer = threading.Timer(delay, _push_later, args=(vote_id,))
    timer.daemon = True
    timer.name = f"turnout-push-{vote_id}"
    timer.start()


def _push_later(vote_id: int) -> None:
    try:
        with _pending_lock:
            _pending.pop(vote_id, None)
        cache.delete(_claim_key(vote_id))
        _push_logged(vote_id)
    finally:
        # The timer's thread owns its own connection; nothing else will close it.
        connection.close()


def _push_logged(vote_id: int) -> None:
    try:
        turnout_push(vote_id=vote_id)
    except Exception:
        # The figures are still served by the API and the next push carries them; a failed
        # push must not fail the ballot that asked for it, which has committed.
        logger.exception("Turnout of vote %s could not be pushed", vote_id)
