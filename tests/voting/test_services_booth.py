"""Votes taken in an assembly's booth refuse ballots, proxies and management acts that come
from elsewhere."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.models import AuditEntry
from tests.voting.factories import cast, make_coop, make_vote
from tests.voting.test_api import token_client
from voting import services
from voting.errors import UseAssemblyBooth
from voting.models import Ballot, Proxy, RollEntry

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1}


def test_a_booth_vote_takes_ballots_only_through_the_booth() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, booth="assembly")
    voter = coop.person("Workers")
    with pytest.raises(UseAssemblyBooth) as refused:
        cast(voter, vote, "for")
    assert refused.value.code == "use_assembly_booth"
    assert not Ballot.objects.filter(vote=vote).exists()
    assert not RollEntry.objects.filter(vote=vote, has_voted=True).exists()

    result = cast(voter, vote, "for", via_booth=True)
    assert result.ballot is not None
    assert RollEntry.objects.get(vote=vote, member__person=voter).has_voted is True
    decision = services.vote_close(actor=coop.chair, vote=vote, via_booth=True)
    assert decision.result["tally"]["totals"]["yes"] == 1


def test_a_booth_vote_takes_proxies_only_through_the_booth() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, booth="assembly")
    holder = coop.members["Workers"][1].member_id
    with pytest.raises(UseAssemblyBooth):
        services.proxy_give(actor=coop.person("Workers"), vote=vote, holder_id=holder)
    assert not Proxy.objects.filter(vote=vote).exists()
    proxy = services.proxy_give(
        actor=coop.person("Workers"), vote=vote, holder_id=holder, via_booth=True
    )
    assert proxy.holder_id == holder


def test_a_vote_without_booth_takes_ballots_from_anywhere() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    assert vote.booth == ""
    assert cast(coop.person("Workers"), vote, "for", via_booth=True).ballot is not None
    assert cast(coop.person("Users"), vote, "for").ballot is not None


def test_the_booth_is_recorded_and_checked_at_creation() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, open_now=False, booth="assembly")
    created = AuditEntry.objects.get(verb="vote.created", target_id=str(vote.pk))
    assert created.data["booth"] == "assembly"
    with pytest.raises(InvalidInput) as refused:
        make_vote(coop, open_now=False, booth="kiosk")
    assert refused.value.code == "unknown_booth"


def test_the_api_answers_409_use_assembly_booth() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, booth="assembly")
    client = token_client(coop.person("Workers"))
    response = client.post(f"/api/v1/votes/{vote.pk}/ballots/", {"choice": "for"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "use_assembly_booth")
    response = client.post(
        f"/api/v1/votes/{vote.pk}/proxies/",
        {"holder_id": coop.members["Workers"][1].member_id},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "use_assembly_booth")
    response = client.get(f"/api/v1/votes/{vote.pk}/")
    assert response.json()["booth"] == "assembly"


def test_a_booth_vote_opens_closes_and_is_managed_only_through_the_booth() -> None:
    coop = make_coop(SMALL)
    draft = make_vote(coop, booth="assembly", open_now=False)
    for act in (
        lambda: services.vote_open(actor=coop.chair, vote=draft),
        lambda: services.vote_schedule(actor=coop.chair, vote=draft, opens_at=None, closes_at=None),
        lambda: services.vote_cancel(actor=coop.chair, vote=draft),
    ):
        with pytest.raises(UseAssemblyBooth):
            act()
    vote = services.vote_open(actor=coop.chair, vote=draft, via_booth=True)
    cast(coop.person("Workers"), vote, "for", via_booth=True)
    with pytest.raises(UseAssemblyBooth) as refused:
        services.vote_close(actor=coop.chair, vote=vote)
    assert "agenda" in refused.value.message
    decision = services.vote_close(actor=coop.chair, vote=vote, via_booth=True)
    assert decision.vote_id == vote.pk


def test_a_proxy_given_in_the_booth_is_revoked_only_there() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, booth="assembly")
    principal = coop.person("Workers")
    proxy = services.proxy_give(
        actor=principal,
        vote=vote,
        holder_id=coop.members["Workers"][1].member_id,
        via_booth=True,
    )
    with pytest.raises(UseAssemblyBooth):
        services.proxy_revoke(actor=principal, proxy=proxy)
    client = token_client(principal)
    response = client.post(f"/api/v1/votes/{vote.pk}/proxies/{proxy.pk}/revoke/")
    assert (response.status_code, response.json()["code"]) == (409, "use_assembly_booth")
    assert Proxy.objects.get(pk=proxy.pk).revoked_at is None
    revoked = services.proxy_revoke(actor=principal, proxy=proxy, via_booth=True)
    assert revoked.revoked_at is not None


def test_the_board_cannot_close_an_assembly_vote_through_the_api() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, booth="assembly")
    response = token_client(coop.chair).post(f"/api/v1/votes/{vote.pk}/close/")
    assert (response.status_code, response.json()["code"]) == (409, "use_assembly_booth")
    vote.refresh_from_db()
    assert vote.status == "open"


def test_the_scheduler_leaves_booth_votes_to_their_assembly() -> None:
    import datetime as dt

    from django.utils import timezone

    from voting.models import Vote
    from voting.scheduler import tick

    coop = make_coop(SMALL)
    vote = make_vote(coop, booth="assembly")
    past = timezone.now() - dt.timedelta(minutes=1)
    Vote.objects.filter(pk=vote.pk).update(closes_at=past)
    report = tick(now=timezone.now())
    assert vote.pk not in report.closed
    vote.refresh_from_db()
    assert vote.status == "open"


def test_the_schema_documents_the_409_of_casting_and_proxies() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, method in (
        ("/api/v1/votes/{vote_id}/ballots/", "post"),
        ("/api/v1/votes/{vote_id}/proxies/", "post"),
    ):
        answer = schema["paths"][path][method]["responses"]["409"]
        assert "use_assembly_booth" in answer["description"]
