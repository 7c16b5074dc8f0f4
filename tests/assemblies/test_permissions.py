"""Who may do what with an assembly: a matrix of roles and phases."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from assemblies import services
from assemblies.models import Assembly
from governance.models import Person
from tests.assemblies.factories import T0, make_assembly, small_coop
from tests.deliberation.factories import add_observer
from tests.governance.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people() -> dict[str, Person]:
    coop = small_coop()
    people = {
        "board": coop.chair,
        "member": coop.people["Workers"][0],
        "observer": add_observer(coop.cooperative),
        "outsider": PersonFactory(),
    }
    draft = make_assembly(coop.cooperative, chair=coop.chair)
    convened = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=convened, now=T0)
    people["_draft"] = draft  # type: ignore[assignment]
    people["_convened"] = convened  # type: ignore[assignment]
    return people


def _get(person: Person, path: str) -> int:
    client = APIClient()
    client.force_authenticate(person)
    return client.get(path).status_code


def _post(person: Person, path: str, data: dict | None = None) -> int:
    client = APIClient()
    client.force_authenticate(person)
    return client.post(path, data or {}, format="json").status_code


@pytest.mark.parametrize(
    ("role", "draft", "convened", "attendance", "proof"),
    [
        ("board", 200, 200, 200, 200),
        ("member", 404, 200, 200, 403),
        ("observer", 404, 200, 403, 403),
        ("outsider", 404, 404, 404, 404),
    ],
)
def test_reading(people, role, draft, convened, attendance, proof):
    person = people[role]
    draft_id, convened_id = people["_draft"].pk, people["_convened"].pk
    assert _get(person, f"/api/v1/assemblies/{draft_id}/") == draft
    assert _get(person, f"/api/v1/assemblies/{convened_id}/") == convened
    assert _get(person, f"/api/v1/assemblies/{convened_id}/attendance/") == attendance
    assert _get(person, f"/api/v1/assemblies/{convened_id}/convocations/") == proof


@pytest.mark.parametrize(
    ("role", "manage", "proxy"),
    [
        # The board may convene (this one already is); its chair acts for no member.
        ("board", 409, 403),
        ("member", 403, 400),  # a member gives proxies (to someone with a vote)
        ("observer", 403, 403),
        ("outsider", 404, 404),
    ],
)
def test_acting(people, role, manage, proxy):
    person = people[role]
    assembly: Assembly = people["_convened"]
    assert _post(person, f"/api/v1/assemblies/{assembly.pk}/convene/") == manage
    assert (
        _post(person, f"/api/v1/assemblies/{assembly.pk}/proxies/", {"holder_id": 10**9}) == proxy
    )
