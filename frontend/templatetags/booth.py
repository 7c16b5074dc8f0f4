"""The booth bundle's SHA-256, shown on the booth page so that a voter can compare it with
the one the cooperative publishes (and rebuild it with `make booth`)."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from django import template
from django.contrib.staticfiles import finders

register = template.Library()

BUNDLE = "frontend/booth.bundle.js"


@lru_cache(maxsize=4)
def _digest(path: str, mtime_ns: int) -> bytes:
    """Hashed once per version of the file (the modification time is part of the key)."""
    return hashlib.sha256(Path(path).read_bytes()).digest()


def booth_bundle_digest() -> bytes:
    """SHA-256 of the bundle as the static files serve it."""
    path = finders.find(BUNDLE)
    if not isinstance(path, str):
        raise FileNotFoundError(f"{BUNDLE} is missing: run `make booth`")
    return _digest(path, Path(path).stat().st_mtime_ns)


@register.simple_tag
def booth_bundle_sha256() -> str:
    """The digest in hexadecimal, as `sha256sum` prints it."""
    return booth_bundle_digest().hex()


@register.simple_tag
def booth_bundle_integrity() -> str:
    """The `integrity` attribute of the script tag: the browser refuses any other file."""
    return "sha256-" + base64.b64encode(booth_bundle_digest()).decode()
