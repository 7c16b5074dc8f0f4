"""Who may sit on an electoral board: the cooperative's people, by the API as by the form."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from elections import services
from elections.errors import TrusteeNotEligible
from elections.models import ElectoralBoard
from governance.models import MembershipStatus, OrganisationType
from governance.services import membership_resign
from tests.governance.factories import PersonFactory, add_legal_member, add_member, chair_of
from tests.voting.factories import make_coop

from .helpers import ROLES, trustee_people

pytestmark = pytest.mark.django_db


def _create(coop: Any, people: list[Any]) -> Any:
    client = APIClient()
    client.force_authenticate(coop.chair)
    return client.post(
        f"/api/v1/cooperatives/{coop.cooperative.slug}/electoral-boards/",
        {
            "year": 2027,
            "members": [{"person_id": p.pk, "role": r} for p, r in zip(people, ROLES, strict=True)],
        },
        format="json",
    )


def _refused(coop: Any, people: list[Any]) -> list[int]:
    """The ids refused when the board is formed of seated directors and `people`."""
    seated = trustee_people(coop, len(ROLES) - len(people))
    with pytest.raises(TrusteeNotEligible) as refused:
        services.electoral_board_create(
            actor=coop.chair,
            cooperative=coop.cooperative,
            year=2027,
            members=list(zip([*seated, *people], ROLES, strict=True)),
        )
    ids: list[int] = refused.value.details["person_ids"]
    return ids


def test_members_representatives_and_directors_may_sit() -> None:
    coop = make_coop({"Workers": 2, "Users": 1})
    cooperative = coop.cooperative
    members = [add_member(cooperative, "Workers").member.person for _ in range(2)]
    legal = add_legal_member(cooperative, "Users", representatives=1).member
    representative = legal.representatives.get().person
    directors = trustee_people(coop, 1)
    people = [chair_of(cooperative), *members, representative, *directors]
    answer = _create(coop, people)
    assert answer.status_code == 201, answer.json()
    assert [t["person_id"] for t in answer.json()["trustees"]] == [p.pk for p in people]


def test_an_outsider_or_an_unknown_id_is_refused_by_name_and_nothing_is_named() -> None:
    coop = make_coop({"Workers": 2, "Users": 1})
    seated = trustee_people(coop, 4)
    outsider = PersonFactory()
    answer = _create(coop, [*seated, outsider])
    assert answer.status_code == 400
    assert answer.json()["code"] == "trustee_not_eligible"
    assert answer.json()["details"] == {"person_ids": [outsider.pk]}
    ghost = PersonFactory.build(pk=outsider.pk + 1000)
    answer = _create(coop, [*seated, ghost])
    assert answer.status_code == 400 and answer.json()["details"] == {"person_ids": [ghost.pk]}
    assert not ElectoralBoard.objects.filter(cooperative=coop.cooperative).exists()


def test_a_former_member_and_another_cooperatives_director_are_refused() -> None:
    coop = make_coop({"Workers": 2, "Users": 1})
    cooperative = coop.cooperative
    former = add_member(cooperative, "Workers")
    membership_resign(actor=former.member.person, membership=former)
    former.refresh_from_db()
    assert former.status == MembershipStatus.RESIGNED
    elsewhere = trustee_people(make_coop({"Workers": 1}), 1)[0]
    refused = _refused(coop, [former.member.person, elsewhere])
    assert refused == [former.member.person.pk, elsewhere.pk]


def test_the_representative_of_a_legal_member_that_left_is_refused_as_the_acting_rule_says() -> (
    None
):
    """Eligibility follows governance.acting: a representative acts for the legal member
    while its membership is active, and no longer once it resigned."""
    from governance.acting import people_acting_for_active_members

    coop = make_coop({"Workers": 2, "Users": 1})
    cooperative = coop.cooperative
    staying = add_legal_member(
        cooperative,
        "Users",
        name="Vélos solidaires",
        organisation_type=OrganisationType.ASSOCIATION,
    )
    leaving = add_legal_member(
        cooperative, "Users", name="Covoit' Rhône", organisation_type=OrganisationType.COMPANY
    )
    kept = staying.member.representatives.get().person
    gone = leaving.member.representatives.get().person
    membership_resign(actor=gone, membership=leaving)
    acting = set(
        type(kept)
        .objects.filter(people_acting_for_active_members(cooperative.pk))
        .values_list("pk", flat=True)
    )
    assert kept.pk in acting and gone.pk not in acting
    assert _refused(coop, [kept, gone]) == [gone.pk]
