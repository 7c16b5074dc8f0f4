"""/api/docs/ works without internet: Swagger UI comes from this server's static files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db


def _references(html: str) -> list[str]:
    return re.findall(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]*)\"""", html)


def test_the_docs_page_references_only_local_assets(client: Any) -> None:
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    references = _references(html)
    assert references, html
    for url in references:
        assert url.startswith("/") and not url.startswith("//"), url
    assert not re.search(r"https?://|cdn", html, flags=re.I), html
    # Swagger UI itself, its stylesheet and the start-up script of this page.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in references
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in references
    script = next(url for url in references if url.startswith("/api/docs/?"))
    start = client.get(script)
    assert start.status_code == 200
    assert start["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/' in start.content.decode()
    assert not re.search(r"https?://", start.content.decode())
    assert client.get("/api/schema/").status_code == 200


def test_the_docs_assets_are_collected_and_served_from_static(client: Any, tmp_path: Path) -> None:
    """What `collectstatic` gathers (the reverse proxy serves it from STATIC_ROOT) holds every
    file the page asks for."""
    references = [
        url
        for url in _references(client.get("/api/docs/").content.decode())
        if url.startswith("/static/")
    ]
    assert len(references) >= 5, references  # favicon, 2 stylesheets, 2 scripts
    with override_settings(STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
    for url in references:
        served = tmp_path / url.removeprefix("/static/")
        assert served.is_file() and served.stat().st_size > 0, url
    bundle = (tmp_path / "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").read_text()
    assert "SwaggerUIBundle" in bundle
