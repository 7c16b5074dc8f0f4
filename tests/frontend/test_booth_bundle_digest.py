"""The booth page shows the bundle's SHA-256 and pins it with subresource integrity."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from django.template import Context, Template

BUNDLE = Path(__file__).resolve().parents[2] / "frontend/static/frontend/booth.bundle.js"


def test_template_tags_give_the_bundles_sha256() -> None:
    digest = hashlib.sha256(BUNDLE.read_bytes()).digest()
    page = Template(
        "{% load booth %}{% booth_bundle_sha256 %} {% booth_bundle_integrity %}"
    ).render(Context())
    assert page == f"{digest.hex()} sha256-{base64.b64encode(digest).decode()}"
