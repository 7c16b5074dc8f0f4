"""Governance services: what each write does, refuses, audits and announces."""

from decimal import Decimal

import pytest

from core.errors import DomainError, Forbidden, InvalidInput
from core.models import AuditEntry, OutboxEvent
from governance import selectors, services
from governance.models import (
    CategoryKind,
    CollegeConfigVersion,
    CollegeWeight,
    LegalForm,
    MembershipStatus,
)
from governance.permissions import cooperative_role
from governance.validation import composition_warnings
from tests.governance.factories import (
    PersonFactory,
    add_legal_member,
    add_member,
    chair_of,
    college,
    make_cooperative,
)

pytestmark = pytest.mark.django_db


def test_new_cooperative_gets_the_rules_of_its_legal_form_and_a_chair():
    coop = make_cooperative(legal_form=LegalForm.SCIC_SA)
    rules = selectors.rules_current(coop)
    ordinary = selectors.decision_rules(rules, "ordinary")
    extraordinary = selectors.decision_rules(rules, "extraordinary")
    assert rules.number == 1
    assert (str(ordinary.quorum_first_call), ordinary.quorum_second_call) == ("1/5", None)
    assert (str(ordinary.majority), ordinary.majority_strict) == ("1/2", True)
    assert (ordinary.majority_base_first_call, ordinary.majority_base_second_call) == (
        "votes_cast",
        "votes_cast",
    )
    assert (str(extraordinary.quorum_first_call), str(extraordinary.quorum_second_call)) == (
        "1/4",
        "1/5",
    )
    assert (str(extraordinary.majority), extraordinary.majority_strict) == ("2/3", False)
    assert cooperative_role(chair_of(coop), coop).is_board


def test_sarl_counts_abstentions_against_by_default():
    coop = make_cooperative(legal_form=LegalForm.SCIC_SARL)
    rules = selectors.rules_current(coop)
    ordinary = selectors.decision_rules(rules, "ordinary")
    extraordinary = selectors.decision_rules(rules, "extraordinary")
    # Ordinary decisions: more than half of all the members on the first consultation, the
    # majority of the votes cast on the second (C. com. L223-29).
    assert (ordinary.majority_base_first_call, ordinary.majority_base_second_call) == (
        "all_members",
        "votes_cast",
    )
    assert "L223-29" in ordinary.legal_reference
    assert (extraordinary.majority_base_first_call, extraordinary.majority_base_second_call) == (
        "present",
        "present",
    )
    assert ordinary.quorum_first_call is None


def test_configuring_colleges_makes_a_new_version_and_keeps_the_old_one():
    coop = make_cooperative()
    chair = chair_of(coop)
    first = selectors.college_config_current(coop)
    services.colleges_configure(
        actor=chair,
        cooperative=coop,
        reason="AGE 2026",
        colleges=[
            services.CollegeSpec(n, Decimal(w))
            for n, w in [("Workers", 25), ("Users", 25), ("Suppliers", 25), ("Authorities", 25)]
        ],
    )
    current = selectors.college_config_current(coop)
    assert (first.number, current.number) == (1, 2)
    assert [str(w.weight) for w in first.weights.all()] == ["30.00", "30.00", "20.00", "20.00"]
    assert [str(w.weight) for w in current.weights.all()] == ["25.00"] * 4
    assert OutboxEvent.objects.filter(type="college.weights_changed").count() == 2


def test_invalid_weights_are_refused_naming_each_college_and_nothing_changes():
    coop = make_cooperative()
    with pytest.raises(InvalidInput) as caught:
        services.colleges_configure(
            actor=chair_of(coop),
            cooperative=coop,
            colleges=[
                services.CollegeSpec(n, Decimal(w))
                for n, w in [
                    ("Workers", 30),
                    ("Users", 30),
                    ("Suppliers", 15),
                    ("Authorities", 15),
                    ("Supporters", 5),
                    ("Founders", 5),
                ]
            ],
        )
    assert caught.value.code == "colleges_invalid"
    assert "'Supporters' weighs 5 %" in caught.value.message
    assert "'Founders' weighs 5 %" in caught.value.message
    assert CollegeConfigVersion.objects.filter(cooperative=coop).count() == 1


def test_database_refuses_a_weight_outside_the_legal_bounds():
    from django.db import IntegrityError, transaction

    coop = make_cooperative()
    version = selectors.college_config_current(coop)
    with pytest.raises(IntegrityError), transaction.atomic():
        CollegeWeight.objects.create(
            version=version, college=college(coop, "Workers"), weight=Decimal(5)
        )


def test_a_college_with_members_cannot_be_removed():
    coop = make_cooperative()
    add_member(coop, "Authorities")
    with pytest.raises(InvalidInput) as caught:
        services.colleges_configure(
            actor=chair_of(coop),
            cooperative=coop,
            colleges=[
                services.CollegeSpec(n, Decimal(w))
                for n, w in [("Workers", 40), ("Users", 30), ("Suppliers", 30)]
            ],
        )
    assert caught.value.code == "college_has_members"


def test_only_the_board_configures():
    coop = make_cooperative()
    member = add_member(coop, "Workers").member.person
    with pytest.raises(Forbidden):
        services.colleges_configure(
            actor=member,
            cooperative=coop,
            colleges=[services.CollegeSpec("A", Decimal(50)), services.CollegeSpec("B", 50)],
        )


def test_admission_grants_access_audits_and_announces(capture_on_commit):
    coop = make_cooperative()
    person = PersonFactory()
    membership = add_member(coop, "Users", person=person, admit=False)
    assert not cooperative_role(person, coop).is_member
    with capture_on_commit(execute=True):
        services.membership_admit(actor=chair_of(coop), membership=membership)
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE and membership.started_on
    assert cooperative_role(person, coop).is_member
    assert AuditEntry.objects.filter(
        verb="membership.admitted", target_id=str(membership.pk)
    ).exists()
    event = OutboxEvent.objects.get(type="membership.admitted", data__membership__id=membership.pk)
    assert event.data["member"]["name"] == str(person)


def test_resignation_keeps_history_and_removes_access():
    coop = make_cooperative()
    membership = add_member(coop, "Users")
    person = membership.member.person
    services.membership_resign(actor=person, membership=membership, reason="Moving away")
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.RESIGNED and membership.ended_on
    assert not cooperative_role(person, coop).can_read
    again = add_member(coop, "Workers", person=person)
    assert again.pk != membership.pk
    assert coop.memberships.filter(member=membership.member).count() == 2


def test_one_member_has_one_open_membership():
    coop = make_cooperative()
    membership = add_member(coop, "Users")
    with pytest.raises(DomainError) as caught:
        add_member(coop, "Workers", person=membership.member.person, admit=False)
    assert caught.value.code == "already_member"


def test_a_legal_person_has_several_representatives_and_one_membership():
    coop = make_cooperative()
    add_member(coop, "Workers", shares=5)
    membership = add_legal_member(coop, "Authorities", representatives=2)
    people = [r.person for r in membership.member.representatives.all()]
    assert len(people) == 2
    assert all(cooperative_role(p, coop).is_member for p in people)
    assert coop.memberships.filter(member=membership.member).count() == 1
    representative = membership.member.representatives.first()
    services.representative_revoke(actor=chair_of(coop), representative=representative)
    assert not cooperative_role(representative.person, coop).can_read


def test_local_authorities_may_not_hold_more_than_half_the_capital():
    coop = make_cooperative()
    add_member(coop, "Workers", shares=10)
    add_legal_member(coop, "Authorities", name="Commune A", shares=10)
    with pytest.raises(DomainError) as caught:
        add_legal_member(coop, "Authorities", name="Commune B", shares=1)
    assert caught.value.code == "local_authority_capital_exceeded"
    assert "11 of 21 shares" in caught.value.message


def test_board_terms_last_at_most_six_years():
    import datetime as dt

    coop = make_cooperative()
    with pytest.raises(InvalidInput) as caught:
        services.board_role_grant(
            actor=chair_of(coop),
            cooperative=coop,
            person=PersonFactory(),
            role="director",
            started_on=dt.date(2026, 1, 1),
            term_ends_on=dt.date(2032, 1, 2),
        )
    assert caught.value.code == "board_term_too_long"


def test_the_last_board_member_cannot_be_removed():
    coop = make_cooperative()
    chair_role = coop.board_roles.get()
    with pytest.raises(DomainError) as caught:
        services.board_role_revoke(actor=chair_role.person, board_role=chair_role)
    assert caught.value.code == "last_board_member"


def test_observer_reads_but_is_not_a_member():
    coop = make_cooperative()
    person = PersonFactory()
    observer = services.observer_invite(
        actor=chair_of(coop), cooperative=coop, person=person, organisation="Région"
    )
    role = cooperative_role(person, coop)
    assert role.is_observer and role.can_read and not role.is_member
    services.observer_revoke(actor=chair_of(coop), observer=observer)
    assert not cooperative_role(person, coop).can_read


def test_scic_composition_breaches_are_warnings_not_refusals():
    coop = make_cooperative()
    add_member(coop, "Workers", kind=CategoryKind.EMPLOYEES)
    codes = {p.code for p in composition_warnings(coop)}
    assert codes == {"scic_too_few_categories", "scic_no_beneficiaries"}
    add_member(coop, "Users", kind=CategoryKind.BENEFICIARIES)
    add_member(coop, "Suppliers", kind=CategoryKind.SUPPLIERS)
    assert composition_warnings(coop) == []


def test_rules_update_makes_a_new_version_with_the_change_only():
    from fractions import Fraction

    coop = make_cooperative()
    version = services.rules_update(
        actor=chair_of(coop),
        cooperative=coop,
        changes={"ordinary": {"quorum_first_call": Fraction(1, 3), "proxy_cap": 2}},
    )
    assert version.number == 2
    ordinary = selectors.decision_rules(version, "ordinary")
    assert (ordinary.quorum_first_call, ordinary.proxy_cap) == (Fraction(1, 3), 2)
    first = selectors.decision_rules(coop.rules_versions.get(number=1), "ordinary")
    assert first.quorum_first_call == Fraction(1, 5)


def test_rules_refuse_a_majority_outside_zero_and_one():
    from fractions import Fraction

    coop = make_cooperative()
    with pytest.raises(InvalidInput) as caught:
        services.rules_update(
            actor=chair_of(coop), cooperative=coop, changes={"ordinary": {"majority": Fraction(1)}}
        )
    assert caught.value.code == "majority_out_of_range"
