"""The minutes: generated at the close (HTML and PDF, digests audited), signed by the bureau."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from assemblies.errors import AssemblyStateError
from assemblies.minutes import minutes_context, render_minutes_html, render_minutes_pdf
from assemblies.models import Assembly, BureauRole, Minutes, MinutesSignature
from assemblies.services._common import audit, current, lock_assembly
from core.errors import Forbidden
from governance.models import Person


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def minutes_generate(
    *, actor: Person | None, assembly: Assembly, now: dt.datetime | None = None
) -> Minutes:
    """Render the minutes of a closed assembly once, store both documents byte for byte,
    and append an audit entry holding their SHA-256 and the audit anchor they print (the
    chain's position and head hash before that entry), whose hash the minutes keep.

    Anyone can then check a downloaded copy against the audit log. Called by the close.
    """
    now = current(now)
    # A legal record reads the same whoever closed the meeting: the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        context = minutes_context(assembly, generated_at=now)
        html = render_minutes_html(context)
    anchor = context["audit_anchor"]
    pdf = render_minutes_pdf(html)
    html_sha256 = sha256_hex(html.encode("utf-8"))
    pdf_sha256 = sha256_hex(pdf)
    entry = audit(
        actor,
        "assembly.minutes_generated",
        assembly,
        assembly,
        html_sha256=html_sha256,
        pdf_sha256=pdf_sha256,
        generated_at=now,
        anchor_position=anchor.position,
        anchor_hash=anchor.hash,
    )
    return Minutes.objects.create(
        assembly=assembly,
        html=html,
        pdf=pdf,
        html_sha256=html_sha256,
        pdf_sha256=pdf_sha256,
        generated_at=now,
        audit_hash=entry.hash,
    )


def bureau_roles(assembly: Assembly, person: Person) -> list[str]:
    """The roles of the bureau a person holds in an assembly (one person may hold two)."""
    seats = {
        BureauRole.CHAIR: assembly.chair_id,
        BureauRole.SCRUTINEER_1: assembly.scrutineer_1_id,
        BureauRole.SCRUTINEER_2: assembly.scrutineer_2_id,
        BureauRole.SECRETARY: assembly.secretary_id,
    }
    return [role for role, pk in seats.items() if pk is not None and pk == person.pk]


def bureau_seats(assembly: Assembly) -> list[str]:
    """The roles of the bureau filled at the opening: each must sign."""
    seats = {
        BureauRole.CHAIR: assembly.chair_id,
        BureauRole.SCRUTINEER_1: assembly.scrutineer_1_id,
        BureauRole.SCRUTINEER_2: assembly.scrutineer_2_id,
        BureauRole.SECRETARY: assembly.secretary_id,
    }
    return [role for role, pk in seats.items() if pk is not None]


@transaction.atomic
def minutes_sign(
    *, actor: Person, assembly: Assembly, now: dt.datetime | None = None
) -> list[MinutesSignature]:
    """A member of the bureau signs the minutes, in every role they hold.

    Refused before the minutes exist, to anyone outside the bureau, and twice in a role.
    Each signature is audited with the digest of the PDF signed. When the last role signs,
    the PDF is laid out again with the signatures (who and when) appended, and its digest
    audited too. Locks the assembly row.
    """
    assembly = lock_assembly(assembly.pk)
    now = current(now)
    minutes = Minutes.objects.select_for_update().filter(assembly=assembly).first()
    if minutes is None:
        raise AssemblyStateError(message=_("The minutes are written when the assembly closes."))
    roles = bureau_roles(assembly, actor)
    if not roles:
        raise Forbidden(
            code="bureau_only", message=_("Only the bureau of the meeting signs its minutes.")
        )
    done = set(minutes.signatures.values_list("role", flat=True))
    todo = [role for role in roles if role not in done]
    if not todo:
        raise AssemblyStateError(
            code="already_signed", message=_("You have already signed these minutes.")
        )
    signed = []
    for role in todo:
        entry = audit(
            actor,
            "assembly.minutes_signed",
            assembly,
            assembly,
            role=role,
            pdf_sha256=minutes.pdf_sha256,
            html_sha256=minutes.html_sha256,
            signed_at=now,
        )
        signed.append(
            MinutesSignature.objects.create(
                minutes=minutes, role=role, person=actor, signed_at=now, audit_hash=entry.hash
            )
        )
    if set(bureau_seats(assembly)) <= done | set(todo):
        _seal_signed(actor, assembly, minutes, now)
    return signed


def _seal_signed(actor: Person, assembly: Assembly, minutes: Minutes, now: dt.datetime) -> None:
    signatures = list(minutes.signatures.select_related("person").order_by("signed_at", "id"))
    with translation.override(settings.LANGUAGE_CODE):
        block = render_to_string(
            "assemblies/minutes_signatures.html", {"minutes": minutes, "signatures": signatures}
        )
    html = minutes.html.replace("</body>", block + "</body>", 1)
    pdf = render_minutes_pdf(html)
    digest = sha256_hex(pdf)
    entry = audit(
        actor,
        "assembly.minutes_signed_by_bureau",
        assembly,
        assembly,
        signed_pdf_sha256=digest,
        pdf_sha256=minutes.pdf_sha256,
        signatures=[s.audit_hash for s in signatures],
    )
    minutes.signed_pdf = pdf
    minutes.signed_pdf_sha256 = digest
    minutes.signed_audit_hash = entry.hash
    minutes.signed_at = now
    minutes.save(
        update_fields=["signed_pdf", "signed_pdf_sha256", "signed_audit_hash", "signed_at"]
    )
