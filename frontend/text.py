"""Plain text typed in a page's text box, turned into the simple HTML the services clean."""

from __future__ import annotations

import re

from django.utils.html import escape

from deliberation.sanitize import html_to_text

_BLANK_LINES = re.compile(r"\n\s*\n+")


def plain_to_html(text: str) -> str:
    """Paragraphs at blank lines, line breaks inside them; everything escaped.

    The services still clean the result with their sanitizer profile, which also turns
    bare addresses into links.
    """
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not normalized:
        return ""
    paragraphs = [p.strip() for p in _BLANK_LINES.split(normalized) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    )


def html_to_plain(clean_html: str) -> str:
    """The text of stored HTML, to prefill a text box for editing."""
    return html_to_text(clean_html, with_link_targets=False)
