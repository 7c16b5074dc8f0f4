"""Every page of the demo cooperative answers for each demo login (what `make run` shows)."""

from __future__ import annotations

from typing import Any

import pytest

from governance.demo import DEMO_SLUG, load_demo
from governance.models import Person

pytestmark = pytest.mark.django_db

MEMBER_PAGES = [
    "/",
    "/organisations/",
    "/notifications/",
    f"/c/{DEMO_SLUG}/",
    f"/c/{DEMO_SLUG}/proposals/",
    f"/c/{DEMO_SLUG}/votes/",
]
BOARD_PAGES = [
    f"/c/{DEMO_SLUG}/board/{page}/"
    for page in (
        "colleges",
        "rules",
        "members",
        "representatives",
        "observers",
        "audit",
        "webhooks",
    )
]


@pytest.mark.parametrize(
    "username,pages",
    [
        ("claire", MEMBER_PAGES + BOARD_PAGES),
        ("lea", MEMBER_PAGES),
        ("mairie.villeurbanne", MEMBER_PAGES),
        ("region.aura", MEMBER_PAGES),
    ],
)
def test_demo_pages_answer_for_each_login(client: Any, username: str, pages: list[str]) -> None:
    load_demo()
    client.force_login(Person.objects.get(username=username))
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_demo_local_authority_sees_its_commune(client: Any) -> None:
    load_demo()
    client.force_login(Person.objects.get(username="mairie.villeurbanne"))
    rows = client.get("/organisations/").context["rows"]
    assert [(r.organisation, r.membership.college.name) for r in rows] == [
        ("Commune de Villeurbanne", "Collectivités territoriales")
    ]
