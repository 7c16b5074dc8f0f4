"""The bureau recorded at the opening signs the minutes: who and when, audited, on the PDF."""

from __future__ import annotations

import datetime as dt

import pytest

from assemblies import services
from assemblies.errors import AssemblyStateError
from assemblies.models import MinutesSignature
from core.audit import audit_verify
from core.errors import Forbidden, InvalidInput
from core.models import AuditEntry
from tests.assemblies.factories import FIRST_CALL, T0, check_in, item, make_assembly, small_coop

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def _closed_assembly():  # type: ignore[no-untyped-def]
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    workers = coop.usernames("Workers")
    check_in(assembly, workers + coop.usernames("Users"), at=FIRST_CALL, by=coop.chair)
    people = [p for p in coop.people["Workers"]]
    return coop, assembly, people


def test_opening_records_two_distinct_scrutineers_and_the_secretary() -> None:
    coop, assembly, people = _closed_assembly()
    with pytest.raises(InvalidInput) as refused:
        services.assembly_open(
            actor=coop.chair,
            assembly=assembly,
            scrutineers=[people[0], people[0]],
            now=FIRST_CALL + MINUTE,
        )
    assert refused.value.code == "two_scrutineers"
    services.assembly_open(
        actor=coop.chair,
        assembly=assembly,
        secretary=people[2],
        scrutineers=[people[0], people[1]],
        now=FIRST_CALL + MINUTE,
    )
    assembly.refresh_from_db()
    assert (assembly.scrutineer_1, assembly.scrutineer_2, assembly.secretary) == (
        people[0],
        people[1],
        people[2],
    )
    opened = AuditEntry.objects.filter(verb="assembly.opened").latest("id")
    assert opened.data["scrutineers"] == [people[0].username, people[1].username]


def test_each_member_of_the_bureau_signs_once_and_the_signed_pdf_is_sealed() -> None:
    coop, assembly, people = _closed_assembly()
    secretary, first, second = people[2], people[0], people[1]
    at = FIRST_CALL + MINUTE
    services.assembly_open(
        actor=coop.chair,
        assembly=assembly,
        secretary=secretary,
        scrutineers=[first, second],
        now=at,
    )
    with pytest.raises(AssemblyStateError):
        services.minutes_sign(actor=coop.chair, assembly=assembly, now=at)
    services.item_open(actor=coop.chair, item=item(assembly), now=at)
    services.item_close(actor=coop.chair, item=item(assembly), now=at + MINUTE)
    services.assembly_close(actor=coop.chair, assembly=assembly, now=at + 2 * MINUTE)
    minutes = assembly.minutes

    with pytest.raises(Forbidden):
        services.minutes_sign(actor=people[3], assembly=assembly, now=at + 3 * MINUTE)
    services.minutes_sign(actor=coop.chair, assembly=assembly, now=at + 3 * MINUTE)
    with pytest.raises(AssemblyStateError) as twice:
        services.minutes_sign(actor=coop.chair, assembly=assembly, now=at + 4 * MINUTE)
    assert twice.value.code == "already_signed"
    minutes.refresh_from_db()
    assert minutes.signed_pdf is None, "sealed only once the whole bureau signed"

    for person in (first, second, secretary):
        services.minutes_sign(actor=person, assembly=assembly, now=at + 5 * MINUTE)
    signatures = {s.role: s for s in MinutesSignature.objects.filter(minutes=minutes)}
    assert {role: s.person for role, s in signatures.items()} == {
        "chair": coop.chair,
        "scrutineer_1": first,
        "scrutineer_2": second,
        "secretary": secretary,
    }
    entries = AuditEntry.objects.filter(verb="assembly.minutes_signed")
    assert {e.hash for e in entries} == {s.audit_hash for s in signatures.values()}
    assert all(e.data["pdf_sha256"] == minutes.pdf_sha256 for e in entries)
    minutes.refresh_from_db()
    assert minutes.signed_pdf is not None and bytes(minutes.signed_pdf)[:4] == b"%PDF"
    assert minutes.signed_pdf_sha256 != minutes.pdf_sha256
    sealed = AuditEntry.objects.get(verb="assembly.minutes_signed_by_bureau")
    assert sealed.hash == minutes.signed_audit_hash
    assert sealed.data["signed_pdf_sha256"] == minutes.signed_pdf_sha256
    assert audit_verify().ok
