"""The governance API: one error shape, pagination, tokens, board-only writes."""

import pytest
from rest_framework.test import APIClient

from governance.models import Person
from tests.governance.factories import PersonFactory, add_member, chair_of, make_cooperative

pytestmark = pytest.mark.django_db


def client_for(person: Person, language: str = "en") -> APIClient:
    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    client.force_authenticate(person)
    return client


def test_token_endpoint_gives_a_token_that_authenticates():
    PersonFactory(username="ana", password="s3cret-pass")
    anonymous = APIClient()
    assert anonymous.get("/api/v1/me/").status_code == 401
    bad = anonymous.post("/api/v1/auth/token/", {"username": "ana", "password": "nope"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_credentials"
    token = anonymous.post(
        "/api/v1/auth/token/", {"username": "ana", "password": "s3cret-pass"}
    ).json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/v1/me/").json()["username"] == "ana"


def test_board_creates_a_cooperative_with_colleges():
    founder = PersonFactory()
    response = client_for(founder).post(
        "/api/v1/cooperatives/",
        {
            "name": "Livreurs",
            "slug": "livreurs",
            "legal_form": "scic_sas",
            "colleges": [
                {"name": "Couriers", "weight": "30"},
                {"name": "Customers", "weight": "25"},
                {"name": "Shops", "weight": "25"},
                {"name": "Authorities", "weight": "20"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    detail = client_for(founder).get("/api/v1/cooperatives/livreurs/").json()
    assert [c["name"] for c in detail["colleges"]["colleges"]] == [
        "Couriers",
        "Customers",
        "Shops",
        "Authorities",
    ]
    assert detail["my_role"]["is_board"] is True


def test_invalid_weights_answer_400_naming_the_colleges_at_fault():
    coop = make_cooperative()
    response = client_for(chair_of(coop)).put(
        f"/api/v1/cooperatives/{coop.slug}/colleges/",
        {
            "colleges": [
                {"name": n, "weight": w}
                for n, w in [
                    ("Workers", 30),
                    ("Users", 30),
                    ("Suppliers", 15),
                    ("Authorities", 15),
                    ("Supporters", 5),
                    ("Founders", 5),
                ]
            ]
        },
        format="json",
    )
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "colleges_invalid"
    assert sorted(e["subject"] for e in body["details"]["errors"]) == ["Founders", "Supporters"]
    assert "'Supporters' weighs 5 %" in body["message"]


def test_outsiders_get_the_same_404_as_for_a_missing_cooperative():
    coop = make_cooperative()
    outsider = client_for(PersonFactory())
    missing = outsider.get("/api/v1/cooperatives/does-not-exist/")
    hidden = outsider.get(f"/api/v1/cooperatives/{coop.slug}/")
    assert missing.status_code == hidden.status_code == 404
    assert (
        missing.json()
        == hidden.json()
        == {"code": "not_found", "message": missing.json()["message"], "details": {}}
    )


def test_lists_are_paginated():
    coop = make_cooperative()
    for _ in range(3):
        add_member(coop, "Users")
    page = (
        client_for(chair_of(coop))
        .get(f"/api/v1/cooperatives/{coop.slug}/memberships/?page_size=2")
        .json()
    )
    assert len(page["results"]) == 2 and page["next"] and page["previous"] is None
    assert "count" not in page  # A page costs the same however long the list: no COUNT.


def test_membership_list_issues_a_bounded_number_of_queries(django_assert_max_num_queries):
    coop = make_cooperative()
    for _ in range(15):
        add_member(coop, "Users")
    client = client_for(chair_of(coop))
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/cooperatives/{coop.slug}/memberships/")
    assert len(response.json()["results"]) == 15


def test_apply_admit_and_move_through_the_api():
    coop = make_cooperative()
    applicant = PersonFactory()
    category = (
        client_for(chair_of(coop))
        .post(
            f"/api/v1/cooperatives/{coop.slug}/categories/",
            {"name": "Customers", "kind": "beneficiaries"},
        )
        .json()
    )
    users = coop.colleges.get(name="Users")
    applied = client_for(applicant).post(
        f"/api/v1/cooperatives/{coop.slug}/memberships/",
        {"category_id": category["id"], "college_id": users.pk},
        format="json",
    )
    assert applied.status_code == 201 and applied.json()["status"] == "applicant"
    pk = applied.json()["id"]
    refused = client_for(applicant).post(
        f"/api/v1/cooperatives/{coop.slug}/memberships/{pk}/admit/"
    )
    assert refused.status_code == 404  # applicants cannot read the cooperative yet
    admitted = client_for(chair_of(coop)).post(
        f"/api/v1/cooperatives/{coop.slug}/memberships/{pk}/admit/", {}, format="json"
    )
    assert admitted.json()["status"] == "active"
    workers = coop.colleges.get(name="Workers")
    moved = client_for(chair_of(coop)).post(
        f"/api/v1/cooperatives/{coop.slug}/memberships/{pk}/move/",
        {"college_id": workers.pk},
        format="json",
    )
    assert moved.json()["college"] == "Workers"


def test_rules_patch_makes_a_new_version():
    coop = make_cooperative()
    response = client_for(chair_of(coop)).patch(
        f"/api/v1/cooperatives/{coop.slug}/rules/",
        {
            "ordinary": {"quorum_first_call": "1/3", "proxies_allowed": False},
            "reason": "Statutes 2026",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    ordinary = next(k for k in response.json()["kinds"] if k["decision_kind"] == "ordinary")
    assert (ordinary["quorum_first_call"], ordinary["proxies_allowed"]) == ("1/3", False)
    assert response.json()["number"] == 2


def test_rules_patch_sets_the_base_of_the_majority_per_call():
    coop = make_cooperative()
    response = client_for(chair_of(coop)).patch(
        f"/api/v1/cooperatives/{coop.slug}/rules/",
        {"ordinary": {"majority_base_first_call": "all_members"}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    ordinary = next(k for k in response.json()["kinds"] if k["decision_kind"] == "ordinary")
    assert (ordinary["majority_base_first_call"], ordinary["majority_base_second_call"]) == (
        "all_members",
        "votes_cast",
    )


def test_rules_patch_still_takes_the_abstention_policy_it_replaced():
    coop = make_cooperative()
    client = client_for(chair_of(coop))
    response = client.patch(
        f"/api/v1/cooperatives/{coop.slug}/rules/",
        {
            "ordinary": {"abstention_policy": "counted_against"},
            "extraordinary": {
                "abstention_policy": "counted_against",
                "majority_base_first_call": "all_members",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    kinds = {k["decision_kind"]: k for k in response.json()["kinds"]}
    assert "abstention_policy" not in kinds["ordinary"]
    bases = {
        kind: (kinds[kind]["majority_base_first_call"], kinds[kind]["majority_base_second_call"])
        for kind in ("ordinary", "extraordinary")
    }
    # A base given beside it wins; the old policy fills the calls left out.
    assert bases == {
        "ordinary": ("present", "present"),
        "extraordinary": ("all_members", "present"),
    }
    refused = client.patch(
        f"/api/v1/cooperatives/{coop.slug}/rules/",
        {"ordinary": {"majority_base_second_call": "most_of_them"}},
        format="json",
    )
    assert refused.status_code == 400
    assert "ordinary" in refused.json()["details"]


def test_rules_patch_rejects_a_float_looking_nonsense_with_a_field_error():
    coop = make_cooperative()
    response = client_for(chair_of(coop)).patch(
        f"/api/v1/cooperatives/{coop.slug}/rules/", {"ordinary": {"majority": "abc"}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "ordinary" in response.json()["details"]


def test_messages_are_french_by_default_and_english_on_request():
    coop = make_cooperative()
    bad = {"colleges": [{"name": "A", "weight": 60}, {"name": "B", "weight": 40}]}
    url = f"/api/v1/cooperatives/{coop.slug}/colleges/"
    french = APIClient()
    french.force_authenticate(chair_of(coop))
    assert "au-dessus du maximum légal" in french.put(url, bad).json()["message"]
    english = client_for(chair_of(coop), "en").put(url, bad).json()["message"]
    assert "above the legal maximum of 50 %" in english
