"""Which acts notify whom, stored as a kind and parameters and read in each language."""

from __future__ import annotations

import pytest
from django.utils import translation

from core.models import Notification
from deliberation import services as deliberation
from governance.models import Member
from governance.services import membership_refuse
from tests.deliberation.factories import make_room
from tests.governance.factories import add_member, make_cooperative
from tests.voting.factories import cast, make_coop, make_vote
from voting import services as voting

pytestmark = pytest.mark.django_db


def _texts(person: object, kind: str, language: str) -> list[str]:
    with translation.override(language):
        return [n.text for n in Notification.objects.filter(person=person, kind=kind)]


def test_a_membership_decision_reaches_the_applicant_in_either_language() -> None:
    cooperative = make_cooperative()
    admitted = add_member(cooperative).member.person
    refused = add_member(cooperative, admit=False)
    membership_refuse(actor=cooperative.board_roles.get().person, membership=refused)
    assert _texts(admitted, "membership.decided", "en") == [
        f"Your membership of {cooperative.name}: admitted."
    ]
    assert _texts(admitted, "membership.decided", "fr") == [
        f"Votre adhésion à {cooperative.name} : admise."
    ]
    assert _texts(refused.member.person, "membership.decided", "en") == [
        f"Your membership of {cooperative.name}: refused."
    ]


def test_a_proxy_given_and_revoked_notifies_the_holder_only() -> None:
    coop = make_coop({"Workers": 3, "Users": 1, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop, title="Budget")
    principal, holder, other = coop.people("Workers")
    proxy = voting.proxy_give(
        actor=principal, vote=vote, holder_id=Member.objects.get(person=holder).pk
    )
    voting.proxy_revoke(actor=principal, proxy=proxy)
    assert _texts(holder, "proxy.received", "en") == [
        f"{principal.display_name} gives you their proxy for the vote “Budget”."
    ]
    assert len(_texts(holder, "proxy.revoked", "fr")) == 1
    assert not Notification.objects.filter(person=other, kind__startswith="proxy.").exists()


def test_a_reply_notifies_the_author_of_the_comment_once() -> None:
    room = make_room()
    first = deliberation.comment_create(actor=room.member, proposal=room.proposal, body="<p>A</p>")
    deliberation.comment_create(
        actor=room.author, proposal=room.proposal, body="<p>B</p>", parent=first
    )
    # Mentioned and replied to at once: one notice, the mention.
    deliberation.comment_create(
        actor=room.author,
        proposal=room.proposal,
        body=f"<p>@{room.member.username} C</p>",
        parent=first,
    )
    deliberation.comment_create(
        actor=room.member, proposal=room.proposal, body="<p>D</p>", parent=first
    )
    assert len(_texts(room.member, "comment.reply", "en")) == 1
    assert len(_texts(room.member, "mention", "en")) == 1


def test_the_result_of_a_vote_reaches_everyone_on_the_roll() -> None:
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop, title="Budget")
    for person in coop.everyone:
        cast(person, vote, "for")
    voting.vote_close(actor=coop.chair, vote=vote)
    people = set(Notification.objects.filter(kind="vote.result").values_list("person", flat=True))
    assert people == {p.pk for p in coop.everyone}
    assert _texts(coop.person("Users"), "vote.result", "en") == [
        "The vote “Budget” is closed: adopted."
    ]
