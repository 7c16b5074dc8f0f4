"""Extraction of @handle mentions from clean HTML or plain text."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from deliberation.sanitize import html_to_text

__all__ = ["MAX_HANDLE_CHARS", "extract_mentions"]

MAX_HANDLE_CHARS: Final = 150

# An "@" counts only at the start of a word: after a letter, digit or one of ".+-_"
# it belongs to an e-mail address, after "/" or "@" to a URL or a remote address.
# The possessive "++" stops backtracking, so "@bob@example.org" yields nothing
# instead of "@bo".
_MENTION: Final = re.compile(r"(?<![\w.+\-/@])@(\w[\w.-]*+)(?!@)")


def extract_mentions(clean_html_or_text: str) -> list[str]:
    """Return the handles mentioned as "@handle", in order of first appearance.

    A handle is 1 to 150 letters (any script), digits, ".", "_" or "-", starting with
    a letter, digit or "_"; a final "." is taken as punctuation. Handles inside e-mail
    addresses and link targets are ignored. Duplicates are dropped by exact spelling,
    case preserved; resolving handles to people (and their case rules) is the
    caller's job. Text is put in
    Unicode NFC form first, so a decomposed "é" matches like a composed one.
    """
    text = unicodedata.normalize("NFC", html_to_text(clean_html_or_text, with_link_targets=False))
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        handle = match.group(1).rstrip(".")
        if 1 <= len(handle) <= MAX_HANDLE_CHARS:
            seen.setdefault(handle, None)
    return list(seen)
