"""Generating the minutes at the close: HTML and PDF, stored, their digests audited."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import translation

from assemblies.minutes import minutes_context, render_minutes_html, render_minutes_pdf
from assemblies.models import Assembly, Minutes
from assemblies.services._common import audit, current
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
