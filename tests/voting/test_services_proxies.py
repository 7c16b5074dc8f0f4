"""Proxies: given for one vote, capped and switched by the rules, revocable until used."""

from __future__ import annotations

import pytest

from governance.services import rules_update
from tests.voting.factories import cast, make_coop, make_vote
from voting import services
from voting.errors import (
    NoProxy,
    PrincipalVotedDirectly,
    ProxiesNotAllowed,
    ProxyCapReached,
    ProxyStateError,
)
from voting.models import Ballot, Proxy, RollEntry

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 3, "Users": 2, "Suppliers": 1, "Authorities": 1}


def member_id(coop, college: str, index: int = 0) -> int:
    return coop.members[college][index].member_id


def give(coop, vote, principal: tuple[str, int], holder: tuple[str, int]) -> Proxy:
    return services.proxy_give(
        actor=coop.person(*principal), vote=vote, holder_id=member_id(coop, *holder)
    )


def test_proxy_ballot_counts_in_the_principals_college() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    proxy = give(coop, vote, ("Users", 0), ("Workers", 0))
    holder = coop.person("Workers")
    result = cast(holder, vote, "for", on_behalf_of=member_id(coop, "Users"))
    assert result.via_proxy is True
    assert result.roll_entry.vote_college.name == "Users"
    proxy.refresh_from_db()
    assert proxy.used_at is not None
    # The holder still has their own vote.
    cast(holder, vote, "against")
    decision = services.vote_close(actor=coop.chair, vote=vote)
    colleges = {c["name"]: c for c in decision.result["tally"]["colleges"]}
    assert (colleges["Users"]["yes"], colleges["Workers"]["no"]) == (1, 1)


def test_principal_voting_in_person_overrides_the_proxy_ballot() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, allow_change=False)
    give(coop, vote, ("Users", 0), ("Workers", 0))
    cast(coop.person("Workers"), vote, "for", on_behalf_of=member_id(coop, "Users"))
    result = cast(coop.person("Users"), vote, "against")
    assert result.changed is True and result.via_proxy is False
    entry = RollEntry.objects.get(pk=result.roll_entry.pk)
    assert entry.voted_via_proxy is False
    assert Ballot.objects.get(roll_entry=entry, is_current=True).choice == "against"
    with pytest.raises(PrincipalVotedDirectly):
        cast(coop.person("Workers"), vote, "for", on_behalf_of=member_id(coop, "Users"))


def test_holder_cannot_vote_for_a_principal_who_already_voted() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    give(coop, vote, ("Users", 0), ("Workers", 0))
    cast(coop.person("Users"), vote, "against")
    with pytest.raises(PrincipalVotedDirectly):
        cast(coop.person("Workers"), vote, "for", on_behalf_of=member_id(coop, "Users"))


def test_giving_a_proxy_after_voting_is_refused() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    cast(coop.person("Users"), vote, "against")
    with pytest.raises(ProxyStateError) as excinfo:
        give(coop, vote, ("Users", 0), ("Workers", 0))
    assert excinfo.value.code == "already_voted"


def test_cap_per_holder_comes_from_the_rules() -> None:
    coop = make_coop(SMALL)
    rules_update(
        actor=coop.chair, cooperative=coop.cooperative, changes={"ordinary": {"proxy_cap": 1}}
    )
    vote = make_vote(coop)
    give(coop, vote, ("Users", 0), ("Workers", 0))
    with pytest.raises(ProxyCapReached) as excinfo:
        give(coop, vote, ("Users", 1), ("Workers", 0))
    assert excinfo.value.details == {"cap": 1, "held": 1}
    give(coop, vote, ("Users", 1), ("Workers", 1))


def test_no_proxies_switch() -> None:
    coop = make_coop(SMALL)
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"proxies_allowed": False}},
    )
    vote = make_vote(coop)
    with pytest.raises(ProxiesNotAllowed):
        give(coop, vote, ("Users", 0), ("Workers", 0))


def test_rules_frozen_at_opening_govern_proxies() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"proxies_allowed": False}},
    )
    give(coop, vote, ("Users", 0), ("Workers", 0))
    result = cast(coop.person("Workers"), vote, "for", on_behalf_of=member_id(coop, "Users"))
    assert result.via_proxy is True
    # A vote opened under the new rules refuses proxies: the change did take effect.
    later = make_vote(coop)
    with pytest.raises(ProxiesNotAllowed):
        give(coop, later, ("Users", 0), ("Workers", 0))


def test_revocable_until_used() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    proxy = give(coop, vote, ("Users", 0), ("Workers", 0))
    services.proxy_revoke(actor=coop.person("Users"), proxy=proxy)
    with pytest.raises(NoProxy):
        cast(coop.person("Workers"), vote, "for", on_behalf_of=member_id(coop, "Users"))
    again = give(coop, vote, ("Users", 0), ("Workers", 1))
    cast(coop.person("Workers", 1), vote, "for", on_behalf_of=member_id(coop, "Users"))
    with pytest.raises(ProxyStateError) as excinfo:
        services.proxy_revoke(actor=coop.person("Users"), proxy=again)
    assert excinfo.value.code == "proxy_used"


def test_only_the_principal_revokes() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    proxy = give(coop, vote, ("Users", 0), ("Workers", 0))
    with pytest.raises(Exception) as excinfo:
        services.proxy_revoke(actor=coop.person("Workers"), proxy=proxy)
    assert excinfo.value.code == "not_found"


def test_one_live_proxy_per_principal_and_never_to_oneself() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    give(coop, vote, ("Users", 0), ("Workers", 0))
    with pytest.raises(ProxyStateError) as excinfo:
        give(coop, vote, ("Users", 0), ("Workers", 1))
    assert excinfo.value.code == "proxy_exists"
    with pytest.raises(Exception) as excinfo:
        give(coop, vote, ("Workers", 2), ("Workers", 2))
    assert excinfo.value.code == "proxy_to_self"


def test_someone_without_the_proxy_cannot_use_it() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    give(coop, vote, ("Users", 0), ("Workers", 0))
    with pytest.raises(NoProxy):
        cast(coop.person("Workers", 1), vote, "for", on_behalf_of=member_id(coop, "Users"))


def test_secret_proxy_ballot_is_overridden_by_the_principal() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    give(coop, vote, ("Users", 0), ("Workers", 0))
    by_proxy = cast(coop.person("Workers"), vote, "for", on_behalf_of=member_id(coop, "Users"))
    assert by_proxy.receipt
    # The sealed ballot on the principal's roll entry is replaced; no receipt is needed.
    in_person = cast(coop.person("Users"), vote, "against")
    assert in_person.changed and in_person.receipt != by_proxy.receipt
    decision = services.vote_close(actor=coop.chair, vote=vote)
    users = next(c for c in decision.result["tally"]["colleges"] if c["name"] == "Users")
    assert (users["yes"], users["no"]) == (0, 1)
