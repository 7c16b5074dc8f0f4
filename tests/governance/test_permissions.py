"""Permission matrix: role x action on the governance API."""

import pytest
from rest_framework.test import APIClient

from governance import services
from tests.governance.factories import (
    PersonFactory,
    add_legal_member,
    add_member,
    chair_of,
    make_cooperative,
)

pytestmark = pytest.mark.django_db

ROLES = ["board", "member", "representative", "observer", "resigned", "outsider", "anonymous"]


@pytest.fixture
def world():
    coop = make_cooperative()
    add_member(coop, "Workers", shares=10)
    member = add_member(coop, "Users").member.person
    representative = add_legal_member(coop, "Authorities").member.representatives.get().person
    observer = PersonFactory()
    services.observer_invite(actor=chair_of(coop), cooperative=coop, person=observer)
    resigned_membership = add_member(coop, "Users")
    services.membership_resign(actor=chair_of(coop), membership=resigned_membership)
    people = {
        "board": chair_of(coop),
        "member": member,
        "representative": representative,
        "observer": observer,
        "resigned": resigned_membership.member.person,
        "outsider": PersonFactory(),
        "anonymous": None,
    }
    return coop, people


def call(person, method, url, data=None):
    client = APIClient()
    if person is not None:
        client.force_authenticate(person)
    return getattr(client, method)(url, data or {}, format="json").status_code


READ = {
    "board": 200,
    "member": 200,
    "representative": 200,
    "observer": 200,
    "resigned": 404,
    "outsider": 404,
    "anonymous": 401,
}
BOARD_WRITE = {
    "board": 201,
    "member": 403,
    "representative": 403,
    "observer": 403,
    "resigned": 404,
    "outsider": 404,
    "anonymous": 401,
}
BOARD_READ = {
    "board": 200,
    "member": 403,
    "representative": 403,
    "observer": 403,
    "resigned": 404,
    "outsider": 404,
    "anonymous": 401,
}

ACTIONS = {
    "read cooperative": ("get", "", None, READ),
    "list memberships": ("get", "memberships/", None, READ),
    "read rules": ("get", "rules/", None, READ),
    "list board": ("get", "board-roles/", None, READ),
    "configure colleges": (
        "put",
        "colleges/",
        {
            "colleges": [
                {"name": "Workers", "weight": 25},
                {"name": "Users", "weight": 25},
                {"name": "Suppliers", "weight": 25},
                {"name": "Authorities", "weight": 25},
            ]
        },
        BOARD_WRITE,
    ),
    "change rules": ("patch", "rules/", {"ordinary": {"proxy_cap": 3}}, BOARD_WRITE),
    "create category": (
        "post",
        "categories/",
        {"name": "Supporters", "kind": "supporters"},
        BOARD_WRITE,
    ),
    "invite observer": ("post", "observers/", "NEW_PERSON", BOARD_WRITE),
    "read audit log": ("get", "audit/", None, BOARD_READ),
    "verify audit log": ("get", "audit/verify/", None, BOARD_READ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(world, role, action):
    coop, people = world
    method, suffix, data, expected = ACTIONS[action]
    if data == "NEW_PERSON":
        data = {"person": PersonFactory().username}
    status = call(people[role], method, f"/api/v1/cooperatives/{coop.slug}/{suffix}", data)
    assert status == expected[role]


def test_cooperative_list_shows_only_cooperatives_one_may_read(world):
    coop, people = world
    other = make_cooperative()
    client = APIClient()
    client.force_authenticate(people["observer"])
    slugs = [c["slug"] for c in client.get("/api/v1/cooperatives/").json()["results"]]
    assert slugs == [coop.slug]
    client.force_authenticate(chair_of(other))
    assert [c["slug"] for c in client.get("/api/v1/cooperatives/").json()["results"]] == [
        other.slug
    ]
