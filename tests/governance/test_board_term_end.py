"""Board rights end the day after `term_ends_on`, without anyone acting: the role check
reads the date, and the scheduler takes the grants and closes the sockets."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.utils import timezone

from config.redis import channel_layer_host
from core.errors import NotFound
from core.models import AuditEntry
from deliberation.consumers import CLOSE_FORBIDDEN
from deliberation.models import ProposalVisibility
from governance import services
from governance.models import BoardRole, CooperativeUserPermission
from governance.permissions import (
    PERM_MANAGE,
    cooperative_role,
    cooperative_roles,
    cooperatives_readable_by,
)
from tests.conftest import redis_url
from tests.deliberation.factories import make_proposal
from tests.deliberation.wsutil import closed_with, communicator, next_frame
from tests.governance.factories import add_member, chair_of, make_cooperative
from voting import scheduler
from voting import services as voting_services
from voting.permissions import access_vote_for_casting
from webhooks import services as webhook_services

MoveClock = Callable[[int], dt.datetime]


@pytest.fixture
def move_clock(monkeypatch: pytest.MonkeyPatch) -> MoveClock:
    """Move Django's clock `days` ahead of the real one (every `timezone.now()` and
    `timezone.localdate()` in the code follows); returns the moved now."""
    real_now = timezone.now

    def move(days: int) -> dt.datetime:
        moved = real_now() + dt.timedelta(days=days)
        monkeypatch.setattr(timezone, "now", lambda: moved)
        return moved

    return move


def _director_whose_term_ends_today(coop: Any) -> tuple[Any, BoardRole]:
    """A member of the cooperative who also sits on its board until the end of today."""
    person = add_member(coop).member.person
    today = timezone.localdate()
    seat = services.board_role_grant(
        actor=chair_of(coop),
        cooperative=coop,
        person=person,
        role="director",
        started_on=today - dt.timedelta(days=365),
        term_ends_on=today,
    )
    return person, seat


def _manage_granted(seat: BoardRole) -> bool:
    return CooperativeUserPermission.objects.filter(
        user=seat.person, content_object=seat.cooperative, permission__codename=PERM_MANAGE
    ).exists()


@pytest.mark.django_db
def test_board_rights_hold_on_the_last_day_and_end_the_day_after_without_the_scheduler(
    api_client: Any, move_clock: MoveClock
) -> None:
    coop = make_cooperative()
    director, seat = _director_whose_term_ends_today(coop)
    draft = voting_services.vote_create(
        actor=chair_of(coop),
        cooperative=coop,
        method="resolution",
        title="Draft resolution",
        decision_kind="ordinary",
    )
    endpoint = webhook_services.endpoint_create(
        actor=chair_of(coop), cooperative=coop, url="https://platform.example.coop/hooks"
    )
    api_client.force_authenticate(director)
    audit = f"/api/v1/cooperatives/{coop.slug}/audit/"
    secret = f"/api/v1/cooperatives/{coop.slug}/webhooks/endpoints/{endpoint.pk}/secret/"

    assert api_client.get(audit).status_code == 200
    assert api_client.get(secret).status_code == 200
    assert cooperative_role(director, coop).is_board
    assert cooperative_roles(director)[coop.pk].is_board

    move_clock(1)
    response = api_client.get(audit)
    assert response.status_code == 403
    assert response.json()["code"] == "board_only"
    assert api_client.get(secret).status_code == 403
    role = cooperative_role(director, coop)
    assert not role.is_board and role.is_member
    assert not cooperative_roles(director)[coop.pk].is_board
    # The grant is still in the table: the date alone decided.
    assert _manage_granted(seat)
    # The casting path reads the same rule in its own SQL: a draft is the board's.
    from django.db import transaction

    with transaction.atomic(), pytest.raises(NotFound):
        access_vote_for_casting(director, draft.pk)
    # A member still reads the cooperative.
    assert list(cooperatives_readable_by(director)) == [coop]


@pytest.mark.django_db
def test_the_scheduler_takes_the_grant_of_an_ended_term_once_and_audits_it(
    move_clock: MoveClock,
) -> None:
    coop = make_cooperative()
    director, seat = _director_whose_term_ends_today(coop)
    assert scheduler.tick().board_terms_ended == []
    assert _manage_granted(seat)

    moved = move_clock(1)
    report = scheduler.tick(now=moved)
    assert report.board_terms_ended == [seat.pk]
    assert not _manage_granted(seat)
    entry = AuditEntry.objects.get(verb="board_role.term_ended")
    assert entry.actor is None and entry.data["person"] == director.username
    assert scheduler.tick(now=moved).board_terms_ended == []
    # The chair, whose six-year term runs on, keeps the seat and its grant.
    chair_seat = BoardRole.objects.get(cooperative=coop, person=chair_of(coop))
    assert _manage_granted(chair_seat)


@pytest.mark.django_db
def test_an_ended_seat_can_be_renewed_or_granted_again_and_the_grant_comes_back(
    move_clock: MoveClock,
) -> None:
    coop = make_cooperative()
    director, seat = _director_whose_term_ends_today(coop)
    moved = move_clock(1)
    scheduler.tick(now=moved)
    chair = chair_of(coop)
    fresh = services.board_role_grant(
        actor=chair, cooperative=coop, person=director, role="treasurer"
    )
    seat.refresh_from_db()
    assert seat.revoked_at is not None and fresh.revoked_at is None
    assert cooperative_role(director, coop).is_board and _manage_granted(fresh)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def layer(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """The channel layer the room runs on: in memory, or the real Redis (pub/sub)."""
    if request.param == "redis":
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {
                    "hosts": [channel_layer_host(redis_url())],
                    "prefix": f"collegia-test-{uuid.uuid4().hex[:8]}",
                },
            }
        }
        channel_layers.backends.pop("default", None)
    else:
        async_to_sync(get_channel_layer().flush)()
    yield request.param
    channel_layers.backends.pop("default", None)


@pytest.mark.django_db(transaction=True)
def test_the_day_after_the_term_the_board_room_refuses_and_closes_with_4403(
    layer: str, move_clock: MoveClock
) -> None:
    coop = make_cooperative()
    director, seat = _director_whose_term_ends_today(coop)
    # A proposal only the board sees: its room is the board's.
    proposal = make_proposal(
        coop, author=chair_of(coop), visibility=ProposalVisibility.BOARD, publish=True
    )

    async def scenario() -> None:
        before = communicator(director, proposal.pk)
        connected, _code = await before.connect()
        assert connected
        await next_frame(before, "room.welcome")

        moved = move_clock(1)
        after = communicator(director, proposal.pk)
        connected, code = await after.connect()
        assert not connected and code == CLOSE_FORBIDDEN

        report = await database_sync_to_async(scheduler.tick)(now=moved)
        assert report.board_terms_ended == [seat.pk]
        assert await closed_with(before, timeout=5) == CLOSE_FORBIDDEN
        await before.wait()

    async_to_sync(scenario)()
