"""The demo shows an upcoming ordinary assembly, convened, with a French agenda."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from assemblies.models import Assembly, AssemblyStatus, Convocation, ItemKind
from governance.models import Person

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_upcoming_convened_ordinary_assembly_in_french(
    client: Any, capture_on_commit: Any
) -> None:
    with capture_on_commit(execute=True):
        call_command("load_demo", stdout=None)
    assembly = Assembly.objects.get()
    assert assembly.kind == "ordinary" and assembly.status == AssemblyStatus.CONVENED
    first = assembly.calls.get(number=1)
    assert (timezone.localdate(first.scheduled_at) - timezone.localdate()).days >= 15
    titles = list(assembly.items.order_by("position").values_list("title", flat=True))
    assert "Approbation des comptes de l'exercice 2026" in titles
    assert set(assembly.items.values_list("kind", flat=True)) == set(ItemKind.values)
    assert Convocation.objects.filter(call=first, channel="email", status="sent").count() == 39

    client.force_login(Person.objects.get(username="lea"))
    page = client.get(f"/c/{assembly.cooperative.slug}/assemblies/")
    assert assembly.title in page.content.decode()
    assert client.get(f"/assemblies/{assembly.pk}/").status_code == 200


def test_loading_the_demo_again_adds_no_assembly() -> None:
    call_command("load_demo", stdout=None)
    call_command("load_demo", stdout=None)
    assert Assembly.objects.count() == 1
