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
        "electoral-boards",
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


@pytest.mark.parametrize("username", ["claire", "lea", "region.aura"])
def test_the_demo_vote_counted_end_to_end_answers(
    client: Any, settings: Any, tmp_path: Any, username: str
) -> None:
    from elections.demo import E2E_VOTE_TITLE, load_demo_election
    from elections.models import Election, ElectoralBoard
    from voting.models import Vote

    settings.DEMO_SECRETS_DIR = tmp_path
    cooperative, _created = load_demo()
    load_demo_election(cooperative)
    vote = Vote.objects.get(title=E2E_VOTE_TITLE)
    client.force_login(Person.objects.get(username=username))

    if username != "region.aura":  # An observer never votes: the booth is not theirs.
        booth = client.get(f"/votes/{vote.pk}/").content.decode()
        assert 'id="e2e-booth"' in booth
        assert ('id="e2e-manage"' in booth) == (username == "claire")
    for election in Election.objects.filter(vote=vote):
        assert client.get(f"/votes/{vote.pk}/bulletin/{election.uuid}/").status_code == 200
    board = ElectoralBoard.objects.get()
    board_page = client.get(f"/c/{DEMO_SLUG}/board/electoral-boards/{board.pk}/")
    assert board_page.status_code == (200 if username == "claire" else 403)
