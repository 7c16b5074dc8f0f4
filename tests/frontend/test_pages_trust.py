"""Pages a cooperative must be able to trust, through the test client: the member search,
the audit log in words, the rules as percentages, the observer's and representative's
marks, the five methods from the web."""

from __future__ import annotations

from typing import Any

import pytest

from governance.demo import DEMO_SLUG, load_demo
from governance.models import Person

pytestmark = pytest.mark.django_db

MEMBERS = f"/c/{DEMO_SLUG}/board/members/"


@pytest.fixture
def chair(client: Any) -> Any:
    load_demo()
    client.force_login(Person.objects.get(username="claire"))
    return client


def _names(page: Any) -> list[str]:
    return [m.member.name for m in page.context["page"].object_list]


def test_the_member_list_searches_on_the_server(chair: Any) -> None:
    everyone = chair.get(MEMBERS, {"status": "active"})
    assert len(everyone.context["page"].object_list) > 20
    by_name = chair.get(MEMBERS, {"status": "active", "q": "léa"})
    assert _names(by_name) == ["Léa Dubois"]
    by_login = chair.get(MEMBERS, {"status": "active", "q": "karim"})
    assert _names(by_login) == ["Karim Saïdi"]
    by_college = chair.get(MEMBERS, {"status": "active", "q": "Collectivités"})
    assert sorted(_names(by_college)) == [
        "Commune de Vaulx-en-Velin",
        "Commune de Villeurbanne",
        "Métropole de Lyon",
    ]
    body = by_college.content.decode()
    assert 'value="Collectivités"' in body, body[body.index("member-search") :][:400]
    assert "3 résultats" in body, body[body.index("search-summary") :][:200]
    nobody = chair.get(MEMBERS, {"status": "active", "q": "zzz-nobody"})
    assert _names(nobody) == []
