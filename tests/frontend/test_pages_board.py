"""Board pages through the Django test client: the services decide, the pages tell."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from core.models import AuditEntry
from governance.models import (
    CollegeConfigVersion,
    Membership,
    MembershipStatus,
    Observer,
    Representative,
    RulesVersion,
)
from tests.governance.factories import (
    PersonFactory,
    add_legal_member,
    add_member,
    chair_of,
    college,
    make_cooperative,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop() -> Any:
    return make_cooperative()


@pytest.fixture
def board(client: Any, coop: Any) -> Any:
    client.force_login(chair_of(coop))
    return client


def _rows(pairs: list[tuple[str, str]]) -> dict[str, str]:
    data: dict[str, str] = {}
    for index, (name, weight) in enumerate(pairs):
        data[f"name-{index}"] = name
        data[f"weight-{index}"] = weight
    return data


def test_colleges_page_refuses_30_30_15_15_5_5_naming_both_colleges(board: Any, coop: Any) -> None:
    pairs = [
        ("Workers", "30"),
        ("Users", "30"),
        ("Suppliers", "15"),
        ("Authorities", "15"),
        ("Volunteers", "5"),
        ("Partners", "5"),
    ]
    response = board.post(f"/c/{coop.slug}/board/colleges/", _rows(pairs))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Volunteers" in body and "Partners" in body
    problems = response.context["problems"]
    assert [p["subject"] for p in problems] == ["Volunteers", "Partners"]
    assert CollegeConfigVersion.objects.filter(cooperative=coop).count() == 1


def test_colleges_page_saves_a_legal_configuration_as_a_new_version(board: Any, coop: Any) -> None:
    pairs = [
        ("Workers", "25"),
        ("Users", "25"),
        ("Suppliers", "12,5"),
        ("Authorities", "12.5"),
        ("Volunteers", "25"),
    ]
    response = board.post(
        f"/c/{coop.slug}/board/colleges/", {**_rows(pairs), "reason": "AGE du 12 mars"}
    )
    assert response.status_code == 302
    version = CollegeConfigVersion.objects.filter(cooperative=coop).order_by("-number").first()
    assert version is not None and version.number == 2 and version.reason == "AGE du 12 mars"
    assert sorted(str(w.weight) for w in version.weights.all()) == [
        "12.50",
        "12.50",
        "25.00",
        "25.00",
        "25.00",
    ]


def test_colleges_page_reports_an_unreadable_weight_on_its_row(board: Any, coop: Any) -> None:
    pairs = [("Workers", "30"), ("Users", "trente"), ("Suppliers", "20"), ("Authorities", "20")]
    response = board.post(f"/c/{coop.slug}/board/colleges/", _rows(pairs))
    assert response.status_code == 400
    rows = response.context["rows"]
    assert rows[1].error and not rows[0].error
    assert 'aria-invalid="true" aria-describedby="row-error-1"' in response.content.decode()


def test_colleges_page_exposes_the_rule_numbers_of_governance_validation(
    board: Any, coop: Any
) -> None:
    from governance import validation

    rules = board.get(f"/c/{coop.slug}/board/colleges/").context["rules"]
    assert rules["weight_min"] == str(validation.COLLEGE_WEIGHT_MIN)
    assert rules["weight_max"] == str(validation.COLLEGE_WEIGHT_MAX)
    assert rules["total"] == str(validation.COLLEGE_WEIGHT_TOTAL)
    assert (rules["count_min"], rules["count_max"]) == (
        validation.COLLEGES_MIN,
        validation.COLLEGES_MAX,
    )


def test_colleges_script_holds_no_legal_number() -> None:
    """The live check takes every number of the law from the page, none from its own code."""
    import re
    from pathlib import Path

    import frontend

    script = (Path(frontend.__file__).parent / "static/frontend/colleges.js").read_text()
    code = re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", "", script, flags=re.S))
    literals = set(re.findall(r"(?<![\w.])\d+(?![\w.])", code))
    # Regular-expression group numbers, the decimal radix, zero padding and a delay in ms.
    assert literals <= {"0", "1", "2", "3", "10", "0000000000", "300"}, literals
    assert "Math.pow(10, rules.places)" in code


@pytest.mark.parametrize(
    "path", ["colleges/", "rules/", "members/", "representatives/", "observers/", "audit/"]
)
def test_board_pages_are_403_for_members_and_404_for_strangers(
    client: Any, coop: Any, path: str
) -> None:
    member = add_member(coop, "Workers").member.person
    client.force_login(member)
    assert client.get(f"/c/{coop.slug}/board/{path}").status_code == 403
    client.force_login(PersonFactory())
    assert client.get(f"/c/{coop.slug}/board/{path}").status_code == 404


def test_pages_ask_strangers_to_sign_in(client: Any, coop: Any) -> None:
    response = client.get(f"/c/{coop.slug}/board/colleges/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_membership_queue_admits_and_refuses(board: Any, coop: Any) -> None:
    first = add_member(coop, "Workers", admit=False)
    second = add_member(coop, "Users", admit=False)
    page = board.get(f"/c/{coop.slug}/board/members/")
    assert first.member.name in page.content.decode()
    board.post(f"/c/{coop.slug}/board/members/{first.pk}/admit/")
    board.post(f"/c/{coop.slug}/board/members/{second.pk}/refuse/", {"reason": "Hors zone"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == MembershipStatus.ACTIVE
    assert (second.status, second.end_reason) == (MembershipStatus.REFUSED, "Hors zone")


def test_membership_queue_shows_the_domain_refusal(board: Any, coop: Any) -> None:
    active = add_member(coop, "Workers")
    response = board.post(f"/c/{coop.slug}/board/members/{active.pk}/admit/", follow=True)
    messages = list(response.context["messages"])
    assert [m.level_tag for m in messages] == ["error"]
    assert "Actif" in str(messages[0]), "the refusal names the membership's status, in French"
    active.refresh_from_db()
    assert active.status == MembershipStatus.ACTIVE


def test_membership_queue_moves_and_ends(board: Any, coop: Any) -> None:
    membership = add_member(coop, "Workers")
    target = college(coop, "Users")
    board.post(f"/c/{coop.slug}/board/members/{membership.pk}/move/", {"college": target.pk})
    membership.refresh_from_db()
    assert membership.college_id == target.pk
    response = board.post(
        f"/c/{coop.slug}/board/members/{membership.pk}/end/",
        {"how": "excluded", "reason": ""},
        follow=True,
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE, "an exclusion states its reason"
    assert any(m.level_tag == "error" for m in response.context["messages"])
    board.post(
        f"/c/{coop.slug}/board/members/{membership.pk}/end/",
        {"how": "excluded", "reason": "Statuts art. 12"},
    )
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.EXCLUDED


def test_membership_of_another_cooperative_is_404(board: Any, coop: Any) -> None:
    other = add_member(make_cooperative(), "Workers", admit=False)
    response = board.post(f"/c/{coop.slug}/board/members/{other.pk}/admit/")
    assert response.status_code == 404
    assert Membership.objects.get(pk=other.pk).status == MembershipStatus.APPLICANT


def test_representatives_are_designated_and_revoked(board: Any, coop: Any) -> None:
    add_member(coop, "Workers")
    commune = add_legal_member(coop, "Authorities", representatives=0)
    person = PersonFactory(username="mairie.test")
    board.post(
        f"/c/{coop.slug}/board/representatives/{commune.member.pk}/designate/",
        {"person": "mairie.test"},
    )
    representative = Representative.objects.get(member=commune.member, person=person)
    page = board.get(f"/c/{coop.slug}/board/representatives/").content.decode()
    assert "mairie.test" in page
    board.post(f"/c/{coop.slug}/board/representatives/{representative.pk}/revoke/")
    representative.refresh_from_db()
    assert representative.revoked_at is not None


def test_designating_an_unknown_user_name_says_so(board: Any, coop: Any) -> None:
    add_member(coop, "Workers")
    commune = add_legal_member(coop, "Authorities", representatives=0)
    response = board.post(
        f"/c/{coop.slug}/board/representatives/{commune.member.pk}/designate/",
        {"person": "nobody"},
        follow=True,
    )
    assert "nobody" in " ".join(str(m) for m in response.context["messages"])
    assert not Representative.objects.filter(member=commune.member).exists()


def test_observers_are_invited_and_removed(board: Any, coop: Any) -> None:
    person = PersonFactory(username="region.test")
    board.post(
        f"/c/{coop.slug}/board/observers/", {"person": "region.test", "organisation": "Région"}
    )
    observer = Observer.objects.get(cooperative=coop, person=person, revoked_at__isnull=True)
    board.post(f"/c/{coop.slug}/board/observers/{observer.pk}/revoke/")
    observer.refresh_from_db()
    assert observer.revoked_at is not None
    bad = board.post(f"/c/{coop.slug}/board/observers/", {"person": "", "organisation": ""})
    assert bad.status_code == 400


def test_rules_page_makes_a_new_version_for_one_decision_kind(board: Any, coop: Any) -> None:
    # One decision kind per page, chosen with ?kind=.
    page = board.get(f"/c/{coop.slug}/board/rules/", {"kind": "extraordinary"})
    form = next(f for kind, _label, f in page.context["forms"] if kind == "extraordinary")
    data = {
        f"extraordinary-{name}": value
        for name, value in form.initial.items()
        if value is not None and value is not False
    }
    data = {
        key: (f"{v.numerator}/{v.denominator}" if isinstance(v, Fraction) else v)
        for key, v in data.items()
    }
    data.update(
        {
            "kind": "extraordinary",
            "extraordinary-majority": "3/4",
            "extraordinary-reason": "Statuts 2026",
        }
    )
    response = board.post(f"/c/{coop.slug}/board/rules/", data)
    assert response.status_code == 302, [f.errors for _k, _l, f in response.context["forms"]]
    current = RulesVersion.objects.filter(cooperative=coop).order_by("-number").first()
    assert current is not None and current.number == 2
    extraordinary = current.kinds.get(decision_kind="extraordinary")
    assert str(extraordinary.majority) == "3/4"
    ordinary_before = RulesVersion.objects.get(cooperative=coop, number=1).kinds.get(
        decision_kind="ordinary"
    )
    assert current.kinds.get(decision_kind="ordinary").majority == ordinary_before.majority


def test_rules_page_sets_the_base_of_the_majority_and_explains_it(board: Any, coop: Any) -> None:
    page = board.get(f"/c/{coop.slug}/board/rules/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'name="ordinary-majority_base_first_call"' in html
    assert 'name="ordinary-majority_base_second_call"' in html
    # The help text states what per_registered_member does with a college nobody votes in.
    assert "a college where nobody votes weighs nothing on either side" in html
    assert "one more vote against can never raise the support" in html
    form = next(f for kind, _label, f in page.context["forms"] if kind == "ordinary")
    data = {
        f"ordinary-{name}": (f"{v.numerator}/{v.denominator}" if isinstance(v, Fraction) else v)
        for name, v in form.initial.items()
        if v is not None and v is not False
    }
    data.update({"kind": "ordinary", "ordinary-majority_base_first_call": "all_members"})
    response = board.post(f"/c/{coop.slug}/board/rules/", data)
    assert response.status_code == 302, [f.errors for _k, _l, f in response.context["forms"]]
    current = RulesVersion.objects.filter(cooperative=coop).order_by("-number").first()
    assert current is not None
    ordinary = current.kinds.get(decision_kind="ordinary")
    assert (ordinary.majority_base_first_call, ordinary.majority_base_second_call) == (
        "all_members",
        "votes_cast",
    )


def test_rules_page_refuses_an_unreadable_fraction(board: Any, coop: Any) -> None:
    response = board.post(
        f"/c/{coop.slug}/board/rules/",
        {
            "kind": "ordinary",
            "ordinary-tally_method": "proportional",
            "ordinary-majority_base_first_call": "votes_cast",
            "ordinary-majority_base_second_call": "votes_cast",
            "ordinary-empty_college_policy": "redistribute",
            "ordinary-quorum_mode": "all_members",
            "ordinary-majority": "beaucoup",
            "ordinary-notice_days_first_call": "15",
            "ordinary-notice_days_later_call": "10",
        },
    )
    assert response.status_code == 400
    assert RulesVersion.objects.filter(cooperative=coop).count() == 1


def test_audit_page_verifies_the_chain_when_asked_and_shows_a_broken_chain(
    board: Any, coop: Any
) -> None:
    viewed = board.get(f"/c/{coop.slug}/board/audit/")
    assert viewed.context["verification"] is None  # Not on every view: it reads every entry.
    assert 'name="verify"' in viewed.content.decode()
    page = board.get(f"/c/{coop.slug}/board/audit/", {"verify": "1"})
    assert page.context["verification"].ok
    assert 'class="alert alert-ok" id="audit-status"' in page.content.decode()
    entry = AuditEntry.objects.filter(cooperative_id=coop.pk).order_by("id").first()
    AuditEntry.objects.filter(pk=entry.pk).update(data={"tampered": True})
    page = board.get(f"/c/{coop.slug}/board/audit/", {"verify": "1"})
    assert not page.context["verification"].ok
    assert page.context["verification"].first_broken_id == entry.pk, page.context["verification"]
    body = page.content.decode()
    status = body[body.index('id="audit-status"') :]
    assert 'class="alert alert-error" id="audit-status"' in body
    assert f"\u00a0{entry.pk} (" in status[: status.index("</div>")]


def test_members_page_queries_do_not_grow_with_members(
    board: Any, coop: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        add_member(coop, "Workers")
    with django_assert_max_num_queries(20) as few:
        board.get(f"/c/{coop.slug}/board/members/?status=active")
    for _ in range(12):
        add_member(coop, "Users")
    with django_assert_max_num_queries(len(few.captured_queries)):
        board.get(f"/c/{coop.slug}/board/members/?status=active")
